package io.threadline.bench;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.threadline.checkpoint.Checkpoint;
import io.threadline.checkpoint.CheckpointStore;
import io.threadline.checkpoint.HistoryQuery;
import io.threadline.checkpoint.ThreadKey;
import io.threadline.checkpoint.dynamodb.DynamoDbCheckpointStore;
import io.threadline.checkpoint.dynamodb.DynamoDbStoreSettings;
import io.threadline.checkpoint.dynamodb.DynamoDbTables;
import io.threadline.graph.CompiledGraph;
import io.threadline.graph.Route;
import io.threadline.graph.StateGraph;
import io.threadline.runs.BackgroundRuns;
import io.threadline.runs.DoubleTexting;
import io.threadline.runs.Run;
import io.threadline.runs.dynamodb.DynamoDbRunStore;
import io.threadline.runs.sqs.QueuePoller;
import io.threadline.runs.sqs.RunQueues;
import io.threadline.runs.sqs.SqsBatchWorker;
import io.threadline.runs.sqs.SqsRunQueue;
import io.threadline.runtime.RunBudget;
import io.threadline.runtime.ThreadRuntime;
import io.threadline.state.Channel;
import io.threadline.state.StateCodec;
import io.threadline.state.Update;
import io.threadline.state.ValueChannel;
import io.threadline.state.internal.UpdateDecoder;
import software.amazon.awssdk.auth.credentials.AwsBasicCredentials;
import software.amazon.awssdk.auth.credentials.StaticCredentialsProvider;
import software.amazon.awssdk.http.urlconnection.UrlConnectionHttpClient;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.services.dynamodb.DynamoDbClient;
import software.amazon.awssdk.services.sqs.SqsClient;

import java.io.File;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.UUID;

/**
 * {@code bench/run background}: a run of N steps (a one-node counting graph, no model: what is measured is the
 * machinery) on DynamoDB Local, in one invocation ({@code run}) and in the background through ElasticMQ's FIFO
 * queue (start → advance per message, the local poller standing in for Lambda's event source mapping). Per-step
 * latency is the time between consecutive commits (checkpoint {@code createdAt}); the queue's added latency per
 * step is the background's p50/p95 less the in-invocation run's.
 */
public final class Background {

    public record State(int n, int target) {
        static final ValueChannel<State, Integer> N = Channel.overwriting("n");
    }

    enum More { AGAIN, STOP }

    static final CompiledGraph<State> GRAPH = StateGraph.of(State.class)
            .node("count", (s, ctx) -> Update.of(State.N.set(s.n() + 1)))
            .edge(StateGraph.START, "count")
            .route("count", More.class, s -> s.n() < s.target() ? Route.to(More.AGAIN, "below") : Route.to(More.STOP, "reached"),
                    Map.of(More.AGAIN, "count", More.STOP, StateGraph.END))
            .compile();

    public static void main(String[] args) throws Exception {
        int steps = args.length > 0 ? Integer.parseInt(args[0]) : 200;
        int reps = args.length > 1 ? Integer.parseInt(args[1]) : 3;
        int dynamoPort = freePort();
        int sqsPort = freePort();
        Process dynamo = start("dynamodb-local", List.of("-Xmx1g", "-cp", Path.of("target/dynamodb-local/lib").toAbsolutePath() + File.separator + "*",
                "io.threadline.infra.dynamodblocal.LoopbackServerRunner", "-inMemory", "-port", Integer.toString(dynamoPort), "-disableTelemetry"));
        Process sqsServer = start("elasticmq", List.of("-Xmx512m", "-Drest-sqs.bind-port=" + sqsPort,
                "-Dconfig.file=" + Path.of("infra/elasticmq/elasticmq.conf").toAbsolutePath(),
                "-cp", Path.of("target/elasticmq/lib").toAbsolutePath() + File.separator + "*", "org.elasticmq.server.Main"));
        waitFor(dynamoPort, dynamo);
        waitFor(sqsPort, sqsServer);

        var credentials = StaticCredentialsProvider.create(AwsBasicCredentials.create("local", "local"));
        DynamoDbClient client = DynamoDbClient.builder().endpointOverride(URI.create("http://127.0.0.1:" + dynamoPort)).region(Region.US_EAST_1)
                .credentialsProvider(credentials).httpClient(UrlConnectionHttpClient.create()).build();
        SqsClient sqs = SqsClient.builder().endpointOverride(URI.create("http://127.0.0.1:" + sqsPort)).region(Region.US_EAST_1)
                .credentialsProvider(credentials).httpClient(UrlConnectionHttpClient.create()).build();
        String table = "bench-runs";
        DynamoDbTables.createIfMissing(client, table);
        CheckpointStore store = new DynamoDbCheckpointStore(client, DynamoDbStoreSettings.defaults(table), Clock.systemUTC());
        ThreadRuntime<State> runtime = ThreadRuntime.builder(GRAPH).store(store).build();
        StateCodec codec = new StateCodec();
        String queueUrl = RunQueues.createIfMissing(sqs, "bench", Duration.ofSeconds(30), 5);
        BackgroundRuns runs = new BackgroundRuns(new DynamoDbRunStore(client, table, 8), new SqsRunQueue(sqs, queueUrl), store,
                new BackgroundRuns.Runtimes() {
                    @Override
                    public ThreadRuntime<?> runtime(String agent) {
                        return runtime;
                    }

                    @Override
                    public Update<?> decode(ThreadRuntime<?> rt, JsonNode input) {
                        return UpdateDecoder.decode(rt.graph().schema(), input, codec);
                    }
                }, Clock.systemUTC(), () -> UUID.randomUUID().toString(), new BackgroundRuns.Settings(Duration.ofMinutes(15), Duration.ofSeconds(30), Duration.ofMinutes(2)));
        QueuePoller poller = new QueuePoller(sqs, queueUrl, 2, 10, Duration.ofSeconds(1), new SqsBatchWorker(runs, sqs, queueUrl, 5)::handle).start();
        ObjectMapper json = new ObjectMapper();

        List<Double> inline = new ArrayList<>();
        List<Double> queued = new ArrayList<>();
        double inlineRate = 0;
        double queuedRate = 0;
        for (int rep = 0; rep <= reps; rep++) { // rep 0 warms up
            ThreadKey a = ThreadKey.of("bench", "inline-" + rep);
            long t0 = System.nanoTime();
            runtime.run(a, Update.of(Channel.<State, Integer>overwriting("target").set(steps)), RunBudget.steps(steps));
            double inlineSeconds = (System.nanoTime() - t0) / 1e9;

            ThreadKey b = ThreadKey.of("bench", "queued-" + rep);
            long t1 = System.nanoTime();
            runs.start(b, null, json.readTree("{\"target\":" + steps + "}"), steps, DoubleTexting.REJECT, null, "bench");
            while (true) {
                Run r = runs.current(b).orElseThrow();
                if (r.status().ended()) {
                    if (r.stepsTaken() != steps) {
                        throw new IllegalStateException("the background run took " + r.stepsTaken() + " steps, not " + steps);
                    }
                    break;
                }
                Thread.sleep(5);
            }
            double queuedSeconds = (System.nanoTime() - t1) / 1e9;
            if (rep > 0) {
                inline.addAll(intervals(store, a));
                queued.addAll(intervals(store, b));
                inlineRate += steps / inlineSeconds / reps;
                queuedRate += steps / queuedSeconds / reps;
            }
        }
        poller.close();
        Collections.sort(inline);
        Collections.sort(queued);
        System.out.printf(Locale.ROOT, "%n%d-step runs, %d repetitions, DynamoDB Local + ElasticMQ (separate processes, loopback), %s%n",
                steps, reps, "2 pollers of batch 10");
        System.out.println("| path | steps/s | step interval p50 ms | p95 ms |");
        System.out.println("| --- | --- | --- | --- |");
        System.out.printf(Locale.ROOT, "| in one invocation (run) | %.1f | %.1f | %.1f |%n", inlineRate, pct(inline, 50), pct(inline, 95));
        System.out.printf(Locale.ROOT, "| background (start, queue) | %.1f | %.1f | %.1f |%n", queuedRate, pct(queued, 50), pct(queued, 95));
        System.out.printf(Locale.ROOT, "| added by the queue | | %.1f | %.1f |%n", pct(queued, 50) - pct(inline, 50), pct(queued, 95) - pct(inline, 95));
        System.out.printf(Locale.ROOT, "RESULT background.inline.steps_per_s %.1f%n", inlineRate);
        System.out.printf(Locale.ROOT, "RESULT background.queue.steps_per_s %.1f%n", queuedRate);
        System.out.printf(Locale.ROOT, "RESULT background.inline.p50_ms %.1f%nRESULT background.inline.p95_ms %.1f%n", pct(inline, 50), pct(inline, 95));
        System.out.printf(Locale.ROOT, "RESULT background.queue.p50_ms %.1f%nRESULT background.queue.p95_ms %.1f%n", pct(queued, 50), pct(queued, 95));
        System.out.printf(Locale.ROOT, "RESULT background.added.p50_ms %.1f%nRESULT background.added.p95_ms %.1f%n",
                pct(queued, 50) - pct(inline, 50), pct(queued, 95) - pct(inline, 95));
        dynamo.destroyForcibly();
        sqsServer.destroyForcibly();
        System.exit(0);
    }

    /** Milliseconds between consecutive commits of the thread. */
    private static List<Double> intervals(CheckpointStore store, ThreadKey thread) {
        List<Checkpoint> all = new ArrayList<>();
        String cursor = null;
        do {
            var page = store.history(thread, new HistoryQuery(100, cursor));
            all.addAll(page.checkpoints());
            cursor = page.nextCursor();
        } while (cursor != null);
        Collections.reverse(all);
        List<Double> out = new ArrayList<>();
        for (int i = 1; i < all.size(); i++) {
            out.add(Duration.between(all.get(i - 1).createdAt(), all.get(i).createdAt()).toNanos() / 1e6);
        }
        return out;
    }

    private static double pct(List<Double> sorted, int p) {
        return sorted.isEmpty() ? Double.NaN : sorted.get(Math.min(sorted.size() - 1, (int) Math.ceil(p / 100.0 * sorted.size()) - 1));
    }

    private static Process start(String name, List<String> args) throws Exception {
        List<String> command = new ArrayList<>();
        command.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
        command.addAll(args);
        Path log = Files.createTempFile(name + "-bench", ".log");
        Process p = new ProcessBuilder(command).redirectErrorStream(true).redirectOutput(log.toFile()).start();
        Runtime.getRuntime().addShutdownHook(new Thread(p::destroyForcibly));
        return p;
    }

    private static int freePort() throws Exception {
        try (ServerSocket s = new ServerSocket(0)) {
            return s.getLocalPort();
        }
    }

    private static void waitFor(int port, Process server) throws InterruptedException {
        for (int i = 0; i < 1200; i++) {
            try (Socket s = new Socket()) {
                s.connect(new InetSocketAddress("127.0.0.1", port), 200);
                return;
            } catch (java.io.IOException e) {
                if (!server.isAlive()) {
                    throw new IllegalStateException("a server of the benchmark exited");
                }
                Thread.sleep(100);
            }
        }
        throw new IllegalStateException("a server of the benchmark did not start");
    }

    private Background() {
    }
}
