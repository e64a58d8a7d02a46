package io.threadline.config;

import com.fasterxml.jackson.databind.JsonNode;
import io.quarkus.runtime.ShutdownEvent;
import io.quarkus.runtime.StartupEvent;
import io.threadline.ErrorCode;
import io.threadline.ThreadlineException;
import io.threadline.checkpoint.CheckpointStore;
import io.threadline.checkpoint.dynamodb.DynamoDbStoreConfig;
import io.threadline.runs.BackgroundRuns;
import io.threadline.runs.DoubleTexting;
import io.threadline.runs.InMemoryRunStore;
import io.threadline.runs.RunQueue;
import io.threadline.runs.RunStore;
import io.threadline.runs.dynamodb.DynamoDbRunStore;
import io.threadline.runs.sqs.QueuePoller;
import io.threadline.runs.sqs.RunQueues;
import io.threadline.runs.sqs.SqsBatchWorker;
import io.threadline.runs.sqs.SqsRunQueue;
import io.threadline.runtime.ThreadRuntime;
import io.threadline.state.StateCodec;
import io.threadline.state.Update;
import io.threadline.state.internal.UpdateDecoder;
import jakarta.enterprise.event.Observes;
import jakarta.enterprise.inject.Instance;
import jakarta.inject.Singleton;
import org.eclipse.microprofile.config.inject.ConfigProperty;
import org.jboss.logging.Logger;
import software.amazon.awssdk.services.dynamodb.DynamoDbClient;
import software.amazon.awssdk.services.sqs.SqsClient;

import java.time.Clock;
import java.time.Duration;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;

/**
 * Background runs as the application serves them ({@code threadline.runs.*}): the coordinator on the checkpoint
 * store's backend (DynamoDB, or memory), the FIFO SQS queue and the batch worker of the {@code advance} function.
 * Built on first use, from configuration, so a deployment without a queue ({@code threadline.runs.queue=none})
 * needs no SQS settings. Locally ({@code threadline.runs.poll=true}) it also polls the queue as Lambda's event
 * source mapping would and sweeps due timed waits on a timer, as the EventBridge schedule does in AWS.
 */
@Singleton
public class Runs {

    private static final Logger LOG = Logger.getLogger(Runs.class);

    private final RunsConfig config;
    private final String storeMode;
    private final Agents agents;
    private final CheckpointStore store;
    private final StateCodec codec;
    private final Clock clock;
    private final Instance<SqsClient> sqs;
    private final Instance<DynamoDbClient> dynamo;
    private final DynamoDbStoreConfig dynamoConfig;
    private String queueUrl;
    private BackgroundRuns runs;
    private SqsBatchWorker worker;
    private QueuePoller poller;
    private ScheduledExecutorService sweeper;

    Runs(RunsConfig config, @ConfigProperty(name = "threadline.store", defaultValue = "memory") String storeMode, Agents agents,
         CheckpointStore store, StateCodec codec, Clock clock, Instance<SqsClient> sqs, Instance<DynamoDbClient> dynamo,
         DynamoDbStoreConfig dynamoConfig) {
        if (!"none".equals(config.queue()) && !"sqs".equals(config.queue())) {
            throw new IllegalArgumentException("threadline.runs.queue must be 'none' or 'sqs', got '" + config.queue() + "'");
        }
        DoubleTexting.parse(config.doubleTexting(), DoubleTexting.REJECT);
        this.config = config;
        this.storeMode = storeMode;
        this.agents = agents;
        this.store = store;
        this.codec = codec;
        this.clock = clock;
        this.sqs = sqs;
        this.dynamo = dynamo;
        this.dynamoConfig = dynamoConfig;
    }

    /** The background runs; {@code INVALID_INPUT} when this deployment has none ({@code threadline.runs.queue=none}). */
    public synchronized BackgroundRuns require() {
        if ("none".equals(config.queue())) {
            throw new ThreadlineException(ErrorCode.INVALID_INPUT, "this deployment has no background runs (threadline.runs.queue=none)",
                    Map.of("runs", "none"));
        }
        if (runs == null) {
            RunStore runStore = "dynamodb".equals(storeMode) ? new DynamoDbRunStore(dynamo.get(), dynamoConfig.table(),
                    config.wakeIndexShards()) : new InMemoryRunStore();
            // The SQS client is made on the first send: a step or run that only checks for a run in progress (one
            // GetItem) pays no SQS client at its cold start.
            RunQueue queue = message -> sqsQueue().send(message);
            runs = new BackgroundRuns(runStore, queue, store, new AgentRuntimes(), clock,
                    () -> UUID.randomUUID().toString(), new BackgroundRuns.Settings(config.maxQueueDelay(), config.takeoverWait(),
                    config.redriveAfter(), config.maxRecordBytes()));
        }
        return runs;
    }

    /** The background runs, when this deployment has them. */
    public Optional<BackgroundRuns> optional() {
        return "none".equals(config.queue()) ? Optional.empty() : Optional.of(require());
    }

    private SqsRunQueue sqsQueue;

    private synchronized SqsRunQueue sqsQueue() {
        if (sqsQueue == null) {
            sqsQueue = new SqsRunQueue(sqs.get(), queueUrl());
        }
        return sqsQueue;
    }

    /** What the {@code advance} function runs on each batch. */
    public synchronized SqsBatchWorker worker() {
        if (worker == null) {
            worker = new SqsBatchWorker(require(), sqs.get(), queueUrl(), config.maxReceiveCount());
        }
        return worker;
    }

    /** The double-texting policy a request gets when it names none. */
    public DoubleTexting defaultPolicy() {
        return DoubleTexting.parse(config.doubleTexting(), DoubleTexting.REJECT);
    }

    public int maxSteps() {
        return config.maxSteps();
    }

    private synchronized String queueUrl() {
        if (queueUrl == null) {
            queueUrl = config.queueUrl().orElseThrow(() -> new ThreadlineException(ErrorCode.MISCONFIGURED,
                    "threadline.runs.queue=sqs needs threadline.runs.queue-url (or threadline.runs.create-queue=true locally)",
                    Map.of("key", "threadline.runs.queue-url")));
        }
        return queueUrl;
    }

    void start(@Observes StartupEvent startup) {
        if ("none".equals(config.queue())) {
            return;
        }
        if (config.createQueue()) {
            synchronized (this) {
                queueUrl = RunQueues.createIfMissing(sqs.get(), config.queueName(), config.visibilityTimeout(), config.maxReceiveCount());
            }
            LOG.infof("background runs: queue %s", queueUrl);
        }
        if (config.poll()) {
            poller = new QueuePoller(sqs.get(), queueUrl(), config.pollers(), 10, Duration.ofSeconds(1), worker()::handle).start();
            sweeper = Executors.newSingleThreadScheduledExecutor(r -> {
                Thread t = new Thread(r, "threadline-run-sweep");
                t.setDaemon(true);
                return t;
            });
            long every = config.sweepInterval().toMillis();
            sweeper.scheduleWithFixedDelay(this::sweepQuietly, every, every, TimeUnit.MILLISECONDS);
        }
    }

    private void sweepQuietly() {
        try {
            require().sweep(config.sweepBatch());
        } catch (RuntimeException e) {
            LOG.warnf("sweeping the due timed waits failed; the next sweep tries again: %s", e.getMessage());
        }
    }

    /** One sweep, as the scheduled {@code sweep} function runs it; how many runs it woke. */
    public int sweep() {
        return require().sweep(config.sweepBatch());
    }

    void stop(@Observes ShutdownEvent shutdown) {
        if (sweeper != null) {
            sweeper.shutdownNow();
        }
        if (poller != null) {
            poller.close();
        }
    }

    /** The agents' runtimes, and their inputs decoded as the API decodes a step's. */
    private final class AgentRuntimes implements BackgroundRuns.Runtimes {
        @Override
        public ThreadRuntime<?> runtime(String agent) {
            return agents.runtime(agent);
        }

        @Override
        public Update<?> decode(ThreadRuntime<?> runtime, JsonNode input) {
            return UpdateDecoder.decode(runtime.graph().schema(), input, codec);
        }
    }
}
