package io.threadline.runs;

import com.fasterxml.jackson.databind.JsonNode;
import io.threadline.checkpoint.CheckpointStore;
import io.threadline.checkpoint.ThreadKey;
import io.threadline.checkpoint.dynamodb.DynamoDbCheckpointStore;
import io.threadline.checkpoint.dynamodb.DynamoDbStoreSettings;
import io.threadline.checkpoint.dynamodb.DynamoDbTables;
import io.threadline.runs.dynamodb.DynamoDbRunStore;
import io.threadline.checkpoint.dynamodb.DynamoDbLocal;
import io.threadline.runs.sqs.ElasticMq;
import io.threadline.runs.sqs.QueuePoller;
import io.threadline.runs.sqs.RunQueues;
import io.threadline.runs.sqs.SqsBatchWorker;
import io.threadline.runs.sqs.SqsRunQueue;
import io.threadline.runtime.ThreadRuntime;
import io.threadline.state.StateCodec;
import io.threadline.state.Update;
import io.threadline.state.internal.UpdateDecoder;
import software.amazon.awssdk.auth.credentials.AwsBasicCredentials;
import software.amazon.awssdk.auth.credentials.StaticCredentialsProvider;
import software.amazon.awssdk.http.urlconnection.UrlConnectionHttpClient;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.services.dynamodb.DynamoDbClient;
import software.amazon.awssdk.services.sqs.SqsClient;

import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.Predicate;

/**
 * The background-run stack on real servers, wired as the application wires it: the DynamoDB checkpoint store and
 * run store on one table, the FIFO queue, the batch worker that {@code advance} runs, and a poller standing in for
 * Lambda's event source mapping. Used by the tests in-process, and by {@link WorkerMain} as a worker process
 * the tests kill.
 */
public final class RunHarness implements AutoCloseable {

    public final DynamoDbClient dynamo;
    public final SqsClient sqs;
    public final CheckpointStore store;
    public final RunStore runStore;
    public final ThreadRuntime<Counter.State> runtime;
    public final BackgroundRuns runs;
    public final SqsBatchWorker worker;
    private final StateCodec codec = new StateCodec();
    private final BackgroundRuns.Runtimes runtimes;
    private final Clock clock;
    public static final BackgroundRuns.Settings SETTINGS = new BackgroundRuns.Settings(Duration.ofMinutes(15), Duration.ofSeconds(30),
            Duration.ofMinutes(2));
    private QueuePoller poller;

    public RunHarness(URI dynamoEndpoint, String table, URI sqsEndpoint, String queueUrl, Clock clock) {
        var credentials = StaticCredentialsProvider.create(AwsBasicCredentials.create("local", "local"));
        dynamo = DynamoDbClient.builder().endpointOverride(dynamoEndpoint).region(Region.US_EAST_1).credentialsProvider(credentials)
                .httpClient(UrlConnectionHttpClient.create()).build();
        sqs = SqsClient.builder().endpointOverride(sqsEndpoint).region(Region.US_EAST_1).credentialsProvider(credentials)
                .httpClient(UrlConnectionHttpClient.create()).build();
        DynamoDbTables.createIfMissing(dynamo, table);
        store = new DynamoDbCheckpointStore(dynamo, DynamoDbStoreSettings.defaults(table), clock);
        runStore = new DynamoDbRunStore(dynamo, table, 4);
        runtime = ThreadRuntime.builder(Counter.GRAPH).store(store).build();
        this.clock = clock;
        runtimes = runtimesOf(runtime);
        runs = with(runStore, new SqsRunQueue(sqs, queueUrl));
        worker = new SqsBatchWorker(runs, sqs, queueUrl, 5);
    }

    /** {@code runtime} for every agent, its inputs decoded as the API decodes a step's. */
    public static BackgroundRuns.Runtimes runtimesOf(ThreadRuntime<?> runtime) {
        StateCodec codec = new StateCodec();
        return new BackgroundRuns.Runtimes() {
            @Override
            public ThreadRuntime<?> runtime(String agent) {
                return runtime;
            }

            @Override
            public Update<?> decode(ThreadRuntime<?> rt, JsonNode input) {
                return UpdateDecoder.decode(rt.graph().schema(), input, codec);
            }
        };
    }

    /** Another coordinator on the same stores and runtime, through {@code runStore} and {@code queue} (a test's faults). */
    public BackgroundRuns with(RunStore runStore, RunQueue queue) {
        return new BackgroundRuns(runStore, queue, store, runtimes, clock, () -> UUID.randomUUID().toString(), SETTINGS);
    }

    /** Another coordinator on the same stores whose every step meets {@code failure} (a dependency down, a defect). */
    public BackgroundRuns withFailingSteps(RuntimeException failure, RunQueue queue) {
        BackgroundRuns.Runtimes failing = new BackgroundRuns.Runtimes() {
            @Override
            public ThreadRuntime<?> runtime(String agent) {
                throw failure;
            }

            @Override
            public Update<?> decode(ThreadRuntime<?> rt, JsonNode input) {
                return runtimes.decode(rt, input);
            }
        };
        return new BackgroundRuns(runStore, queue, store, failing, clock, () -> UUID.randomUUID().toString(), SETTINGS);
    }

    /** The stack on a new FIFO queue of its own ({@code prefix}-…, visibility 3 s, 5 receives), polled by {@code pollers}. */
    public static RunHarness onNewQueue(String prefix, Clock clock, int pollers) {
        String queueUrl = RunQueues.createIfMissing(ElasticMq.get().client(), prefix + UUID.randomUUID().toString().substring(0, 8),
                Duration.ofSeconds(3), 5);
        return new RunHarness(DynamoDbLocal.get().endpoint(), BackgroundRunsTest.TABLE, ElasticMq.get().endpoint(), queueUrl, clock)
                .poll(queueUrl, pollers);
    }

    /** Starts polling as Lambda's event source mapping would. */
    public RunHarness poll(String queueUrl, int pollers) {
        poller = new QueuePoller(sqs, queueUrl, pollers, 10, Duration.ofSeconds(1), worker::handle).start();
        return this;
    }

    /** This stack's run store, except that the first put {@code dies} matches throws {@code message} (a process killed there). */
    public RunStore dyingOnce(Predicate<Run> dies, String message) {
        AtomicBoolean killed = new AtomicBoolean();
        return new RunStore() {
            @Override
            public Optional<Run> get(ThreadKey t) {
                return runStore.get(t);
            }

            @Override
            public boolean put(Run r, Instant sweepAfter) {
                if (dies.test(r) && !killed.getAndSet(true)) {
                    throw new IllegalStateException(message);
                }
                return runStore.put(r, sweepAfter);
            }

            @Override
            public List<Run> due(Instant now, int limit) {
                return runStore.due(now, limit);
            }

            @Override
            public Optional<Run> delete(ThreadKey t) {
                return runStore.delete(t);
            }
        };
    }

    public JsonNode json(String text) {
        return codec.readTree(text.getBytes(StandardCharsets.UTF_8));
    }

    public Run run(ThreadKey thread) {
        return runStore.get(thread).orElseThrow();
    }

    @Override
    public void close() {
        if (poller != null) {
            poller.close();
        }
    }
}
