package io.threadline.bench;

import io.threadline.checkpoint.Checkpoint;
import io.threadline.checkpoint.CheckpointId;
import io.threadline.checkpoint.Commit;
import io.threadline.checkpoint.InterruptPayload;
import io.threadline.checkpoint.StateChange;
import io.threadline.checkpoint.ThreadKey;
import io.threadline.checkpoint.ThreadPage;
import io.threadline.checkpoint.ThreadQuery;
import io.threadline.checkpoint.ThreadTags;
import io.threadline.checkpoint.dynamodb.DynamoDbCheckpointStore;
import io.threadline.checkpoint.dynamodb.DynamoDbStoreSettings;
import io.threadline.checkpoint.dynamodb.DynamoDbTables;
import io.threadline.checkpoint.dynamodb.ThreadIndexSettings;
import software.amazon.awssdk.auth.credentials.AwsBasicCredentials;
import software.amazon.awssdk.auth.credentials.StaticCredentialsProvider;
import software.amazon.awssdk.core.SdkRequest;
import software.amazon.awssdk.core.SdkResponse;
import software.amazon.awssdk.core.interceptor.Context;
import software.amazon.awssdk.core.interceptor.ExecutionAttributes;
import software.amazon.awssdk.core.interceptor.ExecutionInterceptor;
import software.amazon.awssdk.http.urlconnection.UrlConnectionHttpClient;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.services.dynamodb.DynamoDbClient;
import software.amazon.awssdk.services.dynamodb.model.BatchGetItemRequest;
import software.amazon.awssdk.services.dynamodb.model.BatchGetItemResponse;
import software.amazon.awssdk.services.dynamodb.model.QueryRequest;
import software.amazon.awssdk.services.dynamodb.model.QueryResponse;
import software.amazon.awssdk.services.dynamodb.model.ReturnConsumedCapacity;

import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.SplittableRandom;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.DoubleAdder;

/**
 * {@code bench/run threads dynamodb [threads, default 10000]}: the listing of one tenant's threads on DynamoDB Local
 * (README "Scale"). Seeds a tenant of N threads (and as many of another tenant, in the same index) with spread
 * commit times, statuses, two agents and a user tag, then measures, over repetitions: the first page (20 and 100),
 * the whole listing in pages of 100, a status filter that 1 % of threads match, and a tag that 3 threads hold —
 * wall time per call, calls and read units per page.
 */
public final class ThreadList {

    private ThreadList() {
    }

    static final class Reads implements ExecutionInterceptor {
        final AtomicLong queries = new AtomicLong();
        final AtomicLong batchGets = new AtomicLong();
        final DoubleAdder rcu = new DoubleAdder();

        @Override
        public SdkRequest modifyRequest(Context.ModifyRequest context, ExecutionAttributes attributes) {
            SdkRequest r = context.request();
            if (r instanceof QueryRequest q) {
                return q.toBuilder().returnConsumedCapacity(ReturnConsumedCapacity.TOTAL).build();
            }
            if (r instanceof BatchGetItemRequest b) {
                return b.toBuilder().returnConsumedCapacity(ReturnConsumedCapacity.TOTAL).build();
            }
            return r;
        }

        @Override
        public void afterExecution(Context.AfterExecution context, ExecutionAttributes attributes) {
            SdkResponse r = context.response();
            if (r instanceof QueryResponse q) {
                queries.incrementAndGet();
                if (q.consumedCapacity() != null && q.consumedCapacity().capacityUnits() != null) {
                    rcu.add(q.consumedCapacity().capacityUnits());
                }
            } else if (r instanceof BatchGetItemResponse b) {
                batchGets.incrementAndGet();
                if (b.consumedCapacity() != null) {
                    b.consumedCapacity().forEach(c -> rcu.add(c.capacityUnits() == null ? 0 : c.capacityUnits()));
                }
            }
        }

        void reset() {
            queries.set(0);
            batchGets.set(0);
            rcu.reset();
        }
    }

    public static void main(String[] args) throws Exception {
        BenchArgs cli = new BenchArgs("threads dynamodb", "bench/run threads dynamodb [threads per tenant, default 10000]");
        var threads = cli.intPositional("threads per tenant", 10_000);
        BenchArgs.parseOrExit(args, cli::read);
        int n = threads.get();
        DynamoDbLocalServer server = DynamoDbLocalServer.start("-Xmx2g");
        int port = server.port;
        Reads reads = new Reads();
        DynamoDbClient client = DynamoDbClient.builder().endpointOverride(URI.create("http://127.0.0.1:" + port)).region(Region.US_EAST_1)
                .credentialsProvider(StaticCredentialsProvider.create(AwsBasicCredentials.create("local", "local")))
                .httpClient(UrlConnectionHttpClient.create()).overrideConfiguration(c -> c.addExecutionInterceptor(reads)).build();
        String table = "threads-bench";
        DynamoDbTables.createIfMissing(client, table);
        ThreadIndexSettings index = ThreadIndexSettings.defaults();
        DynamoDbCheckpointStore store = new DynamoDbCheckpointStore(client, DynamoDbStoreSettings.defaults(table), index, Clock.systemUTC());

        System.out.println(Machine.describe());
        System.out.printf(Locale.ROOT, "settings: %d threads per tenant, 2 tenants, shards %d, granularity %s, max-examined %d; DynamoDB Local 2.6.1%n",
                n, index.shards(), index.granularity(), index.maxExamined());
        long seedStart = System.nanoTime();
        Instant base = Instant.parse("2026-11-01T00:00:00Z");
        ExecutorService pool = Executors.newFixedThreadPool(8);
        List<Future<?>> seeded = new ArrayList<>();
        for (String tenant : List.of("big", "other")) {
            for (int i = 0; i < n; i++) {
                int k = i;
                seeded.add(pool.submit(() -> store.commit(new Commit(first(ThreadKey.of(tenant, String.format("t-%06d", k)),
                        base.plusSeconds(k * 37L), k), 0).withTags(ThreadTags.of(Map.of("user", Integer.toString(k / 3)))))));
            }
        }
        for (Future<?> f : seeded) {
            f.get();
        }
        pool.shutdown();
        System.out.printf(Locale.ROOT, "seeded %d threads in %.1f s%n", 2 * n, (System.nanoTime() - seedStart) / 1e9);

        record Case(String name, ThreadQuery query, boolean all) {}
        List<Case> cases = List.of(
                new Case("first_page_20", ThreadQuery.first(20), false),
                new Case("first_page_100", ThreadQuery.first(100), false),
                new Case("all_pages_100", ThreadQuery.first(100), true),
                new Case("status_1pct_page_20", new ThreadQuery(20, null, null, Set.of("INTERRUPTED"), null, null, Map.of()), true),
                new Case("tag_3_threads", ThreadQuery.tagged("user", Integer.toString(n / 6), 20), true));
        System.out.println("| listing (tenant of " + n + " threads) | calls | threads | median ms | p95 ms | Query/call | BatchGet/call | RCU/call |");
        System.out.println("| --- | --- | --- | --- | --- | --- | --- | --- |");
        for (Case c : cases) {
            int reps = c.all() ? 3 : 30;
            List<Double> millis = new ArrayList<>();
            long calls = 0;
            long listed = 0;
            reads.reset();
            for (int r = 0; r < reps + 2; r++) {
                if (r == 2) {
                    reads.reset();
                    calls = 0;
                    listed = 0;
                    millis.clear();
                }
                String cursor = null;
                do {
                    long t0 = System.nanoTime();
                    ThreadPage page = store.threads("big", c.query().after(cursor));
                    millis.add((System.nanoTime() - t0) / 1e6);
                    calls++;
                    listed += page.threads().size();
                    cursor = c.all() ? page.nextCursor() : null;
                } while (cursor != null);
            }
            double[] sorted = millis.stream().mapToDouble(Double::doubleValue).sorted().toArray();
            System.out.printf(Locale.ROOT, "| %s | %d | %d | %.1f | %.1f | %.1f | %.2f | %.1f |%n", c.name(), calls / reps, listed / reps,
                    sorted[sorted.length / 2], sorted[(int) Math.min(sorted.length - 1, Math.ceil(sorted.length * 0.95) - 1)],
                    (double) reads.queries.get() / calls, (double) reads.batchGets.get() / calls, reads.rcu.sum() / calls);
            System.out.printf(Locale.ROOT, "RESULT threads.%s.median_ms %.2f%n", c.name(), sorted[sorted.length / 2]);
        }
        server.stop();
        System.exit(0);
    }

    /** A thread's first checkpoint: 1 % INTERRUPTED, the rest DONE; two agents. */
    private static Checkpoint first(ThreadKey thread, Instant at, int k) {
        SplittableRandom random = new SplittableRandom(k);
        Checkpoint.Draft draft = Checkpoint.draft(CheckpointId.next(at, random::nextLong, null), thread, 1, null)
                .state(1, new StateChange.Snapshot("{\"n\":[1]}".getBytes(StandardCharsets.UTF_8)), at)
                .metadata(Map.of("agent", k % 2 == 0 ? "alpha" : "beta"));
        return k % 100 == 7
                ? draft.interruptedStep(List.of("ask"), List.of("ask"), InterruptPayload.of("ask", "inside", null))
                : draft.step(List.of("a"), List.of(), List.of());
    }
}
