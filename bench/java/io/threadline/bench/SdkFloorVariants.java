package io.threadline.bench;

import com.sun.management.OperatingSystemMXBean;
import io.threadline.checkpoint.dynamodb.CachedEndpoints;
import io.threadline.checkpoint.dynamodb.DynamoDbCallLimits;
import io.threadline.checkpoint.dynamodb.DynamoDbTables;
import io.threadline.clients.InvocationDeadlineInterceptor;
import org.jboss.threads.EnhancedQueueExecutor;
import org.jboss.threads.JBossExecutors;
import org.jboss.threads.JBossThreadFactory;
import software.amazon.awssdk.auth.credentials.AwsBasicCredentials;
import software.amazon.awssdk.auth.credentials.StaticCredentialsProvider;
import software.amazon.awssdk.awscore.retry.AwsRetryStrategy;
import software.amazon.awssdk.core.client.config.ClientOverrideConfiguration;
import software.amazon.awssdk.http.SdkHttpClient;
import software.amazon.awssdk.http.apache.ApacheHttpClient;
import software.amazon.awssdk.http.urlconnection.UrlConnectionHttpClient;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.services.dynamodb.DynamoDbClient;
import software.amazon.awssdk.services.dynamodb.DynamoDbClientBuilder;
import software.amazon.awssdk.services.dynamodb.model.TransactWriteItemsRequest;
import software.amazon.awssdk.utils.ThreadFactoryBuilder;

import java.lang.management.ManagementFactory;
import java.lang.management.ThreadMXBean;
import java.net.URI;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.ThreadFactory;
import java.util.function.Function;
import java.util.function.Predicate;
import java.util.function.Supplier;

/**
 * {@code bench/run sdk-floor dynamodb [calls per round] [rounds]}: what the SDK's public configuration changes in the
 * client CPU of one W1-shaped {@code TransactWriteItems} (the {@link SdkFloor} request), client by client, in
 * interleaved rounds against one DynamoDB Local so every variant sees the same moments of a shared machine. The
 * requests of a block are built before its clock starts: the figures are the SDK's work per call. CPU figures per call:
 * <ul>
 * <li>the calling thread's;</li>
 * <li>the variant's own timer pool: every client gets its own {@code ScheduledExecutorService} under its own thread
 * name ({@code floor-v<n>-timer}; the store's, {@code DynamoDbCallLimits.timers}; Quarkus's main executor, which the
 * extension gave the store's client before session 33; the SDK's default, 5 threads; or another). A
 * cancelled timer task still wakes its pool at its deadline (2 s attempt, 8 s call), after the block has ended, so pool
 * CPU is charged by thread name to the variant that scheduled it, over all rounds (read after a wait longer than the
 * call timeout), not to whichever block runs when it fires;</li>
 * <li>the other Java threads during the block (HTTP clients' reapers, the JDK's keep-alive timer: shared, so per
 * block);</li>
 * <li>all Java threads: the sum of the three, so work moved to another thread is not counted as a gain;</li>
 * <li>the whole process (with JIT and GC; it still holds the other variants' late timer wake-ups).</li>
 * </ul>
 */
public final class SdkFloorVariants {

    /** Thread names of the variants' timer pools: {@code floor-v<n>-timer-...}. */
    private static final String POOL = "floor-v";

    /** application.properties' {@code threadline.dynamodb.timer-threads}. */
    private static final int STORE_TIMER_THREADS = 2;

    /** Longer than the call timeout (8 s): every timer a block scheduled has fired (or been removed) after it. */
    private static final long TIMERS_SETTLE_MILLIS = 10_000;

    private SdkFloorVariants() {
    }

    /** A client under test: {@code key} names its RESULT lines, {@code name} its table row. */
    private record Variant(String key, String name, Function<ScheduledExecutorService, DynamoDbClient> client,
                           Function<String, ScheduledExecutorService> pool) {
    }

    public static void main(String[] args) throws Exception {
        BenchArgs cli = new BenchArgs("sdk-floor dynamodb", "bench/run sdk-floor dynamodb [calls per round, default 1000] [rounds, default 6]");
        var calls = cli.intPositional("calls per round", 1000);
        var rounds = cli.intPositional("rounds", 6);
        BenchArgs.parseOrExit(args, cli::read);
        System.out.println(Machine.describe());
        DynamoDbLocalServer server = DynamoDbLocalServer.start("-Xmx2g");
        URI endpoint = URI.create("http://127.0.0.1:" + server.port);
        DynamoDbClient admin = builder(endpoint, UrlConnectionHttpClient.create()).build();
        String table = "sdk-floor-variants";
        DynamoDbTables.createIfMissing(admin, table);

        // The store's client as DynamoDbStoreProducer builds it (the application's limits), and variants of it.
        DynamoDbCallLimits limits = new DynamoDbCallLimits(4, Duration.ofSeconds(2), Duration.ofSeconds(8));
        Function<String, ScheduledExecutorService> sdkDefault = SdkFloorVariants::sdkDefaultPool;
        // The store's executor as DynamoDbStoreProducer builds it (application.properties' thread count), under this
        // variant's name.
        Function<String, ScheduledExecutorService> storeTimers = name -> limits.timers(STORE_TIMER_THREADS, name + "-");
        List<Variant> variants = new ArrayList<>();
        variants.add(new Variant("store", "store client (url-connection, limits, cached endpoints)", pool -> builder(endpoint, url())
                .overrideConfiguration(limits.applyTo(ClientOverrideConfiguration.builder().build(),
                        Clock.systemUTC(), pool))
                .endpointProvider(CachedEndpoints.ofDefaultRules()).build(), storeTimers));
        variants.add(new Variant("counting", "  + the bench's counting interceptor (W1's client)", pool -> builder(endpoint, url())
                .overrideConfiguration(limits.applyTo(ClientOverrideConfiguration.builder()
                        .addExecutionInterceptor(new W1DynamoDb.Counter()).build(), Clock.systemUTC(), pool))
                .endpointProvider(CachedEndpoints.ofDefaultRules()).build(), storeTimers));
        variants.add(new Variant("no_timers", "  - both timers", pool -> builder(endpoint, url())
                .overrideConfiguration(ClientOverrideConfiguration.builder().scheduledExecutorService(pool)
                        .retryStrategy(AwsRetryStrategy.standardRetryStrategy().toBuilder().maxAttempts(4).build())
                        .addExecutionInterceptor(new InvocationDeadlineInterceptor(Duration.ofSeconds(8), Clock.systemUTC()))
                        .build())
                .endpointProvider(CachedEndpoints.ofDefaultRules()).build(), sdkDefault));
        variants.add(new Variant("quarkus_executor", "  timers on Quarkus's executor (the store's client before s33)", pool -> builder(endpoint, url())
                .overrideConfiguration(limits.applyTo(ClientOverrideConfiguration.builder().build(),
                        Clock.systemUTC(), pool))
                .endpointProvider(CachedEndpoints.ofDefaultRules()).build(), SdkFloorVariants::quarkusExecutor));
        variants.add(new Variant("sdk_timer_pool", "  timers on the SDK's default pool (no Quarkus extension)", pool -> builder(endpoint, url())
                .overrideConfiguration(limits.applyTo(ClientOverrideConfiguration.builder().build(),
                        Clock.systemUTC(), pool))
                .endpointProvider(CachedEndpoints.ofDefaultRules()).build(), sdkDefault));
        variants.add(new Variant("remove_on_cancel", "  timers on the store's executor without its tick", pool -> builder(endpoint, url())
                .overrideConfiguration(limits.applyTo(ClientOverrideConfiguration.builder().build(),
                        Clock.systemUTC(), pool))
                .endpointProvider(CachedEndpoints.ofDefaultRules()).build(), name -> withoutTick(limits, name)));
        variants.add(new Variant("one_timer_thread", "  timers on one thread that keeps cancelled tasks", pool -> builder(endpoint, url())
                .overrideConfiguration(limits.applyTo(ClientOverrideConfiguration.builder().build(),
                        Clock.systemUTC(), pool))
                .endpointProvider(CachedEndpoints.ofDefaultRules()).build(),
                name -> Executors.newSingleThreadScheduledExecutor(threads(name))));
        variants.add(new Variant("no_endpoint_cache", "  - the endpoint cache (rules evaluated per call)", pool -> builder(endpoint, url())
                .overrideConfiguration(limits.applyTo(ClientOverrideConfiguration.builder().build(),
                        Clock.systemUTC(), pool)).build(), storeTimers));
        Supplier<SdkHttpClient> apache = apache();
        if (apache != null) {
            variants.add(new Variant("apache", "  with the Apache HTTP client", pool -> builder(endpoint, apache.get())
                    .overrideConfiguration(limits.applyTo(ClientOverrideConfiguration.builder().build(),
                            Clock.systemUTC(), pool))
                    .endpointProvider(CachedEndpoints.ofDefaultRules()).build(), storeTimers));
        }
        // Defaults but the timer pool (the default's shape under its own name; with no timeouts nothing is scheduled).
        variants.add(new Variant("bare", "bare SDK client (url-connection, defaults)", pool -> builder(endpoint, url())
                .overrideConfiguration(ClientOverrideConfiguration.builder().scheduledExecutorService(pool).build()).build(), sdkDefault));

        // -Dsdk.floor.only=a,b keeps the variants whose names contain one of these (a short sitting), and always the store
        // client, which the others are read against.
        String only = System.getProperty("sdk.floor.only");
        if (only != null) {
            variants.removeIf(v -> !v.key().equals("store") && Arrays.stream(only.split(",")).noneMatch(v.name()::contains));
        }
        List<DynamoDbClient> clients = new ArrayList<>();
        List<ScheduledExecutorService> pools = new ArrayList<>();
        for (int v = 0; v < variants.size(); v++) {
            ScheduledExecutorService pool = variants.get(v).pool().apply(POOL + v + "-timer");
            pools.add(pool);
            clients.add(variants.get(v).client().apply(pool));
        }
        byte[] data = new byte[600];
        new Random(5).nextBytes(data);
        ThreadMXBean threads = ManagementFactory.getThreadMXBean();
        OperatingSystemMXBean os = (OperatingSystemMXBean) ManagementFactory.getOperatingSystemMXBean();
        int[] step = new int[clients.size()];
        // Warm every client (JIT, connections) before the first measured round, and let the warm-up's timers fire.
        for (int v = 0; v < clients.size(); v++) {
            for (TransactWriteItemsRequest request : requests(table, v, step, data, 2000)) {
                clients.get(v).transactWriteItems(request);
            }
        }
        Thread.sleep(TIMERS_SETTLE_MILLIS);
        Predicate<String> inPool = name -> name.startsWith(POOL);
        Map<String, Long> pools0 = Machine.otherThreadsCpuByName();
        double[][] thread = new double[clients.size()][rounds.get()];
        double[][] others = new double[clients.size()][rounds.get()];
        double[][] process = new double[clients.size()][rounds.get()];
        double[][] wall = new double[clients.size()][rounds.get()];
        for (int r = 0; r < rounds.get(); r++) {
            for (int v = 0; v < clients.size(); v++) {
                List<TransactWriteItemsRequest> block = requests(table, v, step, data, calls.get());
                System.gc(); // each block starts from an empty young generation, so a GC a block causes is its own
                Map<Long, Long> o0 = Machine.otherThreadsCpu(inPool.negate());
                long t0 = threads.getCurrentThreadCpuTime();
                long p0 = os.getProcessCpuTime();
                long w0 = System.nanoTime();
                for (TransactWriteItemsRequest request : block) {
                    clients.get(v).transactWriteItems(request);
                }
                wall[v][r] = (System.nanoTime() - w0) / 1000.0 / calls.get();
                process[v][r] = (os.getProcessCpuTime() - p0) / 1000.0 / calls.get();
                thread[v][r] = (threads.getCurrentThreadCpuTime() - t0) / 1000.0 / calls.get();
                others[v][r] = Machine.cpuBetween(o0, Machine.otherThreadsCpu(inPool.negate())) / 1000.0 / calls.get();
            }
        }
        Thread.sleep(TIMERS_SETTLE_MILLIS);
        Map<String, Long> pools1 = Machine.otherThreadsCpuByName();
        System.out.printf(Locale.ROOT, "%d rounds of %d calls per variant, interleaved; µs per call: median of the rounds' means, "
                + "but the timer pool's: its mean over all rounds (its cancelled timers fire after the block)%n", rounds.get(), calls.get());
        System.out.println("| client | calling thread CPU | its timer pool CPU | other Java threads CPU | all Java threads CPU "
                + "| process CPU (with JIT, GC, late timers) | wall |");
        System.out.println("|---|---|---|---|---|---|---|");
        for (int v = 0; v < clients.size(); v++) {
            String prefix = POOL + v + "-timer";
            double pool = pools1.entrySet().stream().filter(e -> e.getKey().startsWith(prefix))
                    .mapToLong(e -> e.getValue() - pools0.getOrDefault(e.getKey(), 0L)).sum() / 1000.0 / calls.get() / rounds.get();
            double all = Machine.median(thread[v]) + pool + Machine.median(others[v]);
            String key = variants.get(v).key();
            System.out.printf(Locale.ROOT, "| %s | %.1f | %.1f | %.1f | %.1f | %.1f | %.1f |%n", variants.get(v).name().trim(),
                    Machine.median(thread[v]), pool, Machine.median(others[v]), all, Machine.median(process[v]), Machine.median(wall[v]));
            System.out.printf(Locale.ROOT, "RESULT sdk_floor.%s.thread_cpu_us %.1f%nRESULT sdk_floor.%s.timer_pool_cpu_us %.1f%n"
                            + "RESULT sdk_floor.%s.other_threads_cpu_us %.1f%nRESULT sdk_floor.%s.all_threads_cpu_us %.1f%n"
                            + "RESULT sdk_floor.%s.process_cpu_us %.1f%nRESULT sdk_floor.%s.wall_us %.1f%n",
                    key, Machine.median(thread[v]), key, pool, key, Machine.median(others[v]), key, all, key, Machine.median(process[v]),
                    key, Machine.median(wall[v]));
        }
        for (DynamoDbClient c : clients) {
            c.close();
        }
        for (ScheduledExecutorService p : pools) {
            p.shutdownNow(); // the SDK leaves an executor it was given running
        }
        admin.close();
        server.stop();
    }

    /** The next {@code n} requests of variant {@code variant}'s thread, built before a block's clock starts. */
    private static List<TransactWriteItemsRequest> requests(String table, int variant, int[] step, byte[] data, int n) {
        List<TransactWriteItemsRequest> out = new ArrayList<>(n);
        for (int i = 0; i < n; i++) {
            out.add(SdkFloor.request(table, "floor#v" + variant, step[variant]++, data));
        }
        return out;
    }

    /** The SDK's default timer pool ({@code SdkDefaultClientBuilder}: 5 threads, daemon) under the given name. */
    private static ScheduledExecutorService sdkDefaultPool(String name) {
        return Executors.newScheduledThreadPool(5, threads(name));
    }

    private static ThreadFactory threads(String name) {
        return new ThreadFactoryBuilder().threadNamePrefix(name).daemonThreads(true).build();
    }

    /**
     * The store's executor ({@code DynamoDbCallLimits.timers}: cancelled timers dropped) without its tick: the tick,
     * the only task queued at the start, is cancelled, which removes it.
     */
    private static ScheduledExecutorService withoutTick(DynamoDbCallLimits limits, String name) {
        ScheduledThreadPoolExecutor executor = limits.timers(STORE_TIMER_THREADS, name + "-");
        for (Runnable tick : executor.getQueue().toArray(new Runnable[0])) {
            ((Future<?>) tick).cancel(false);
        }
        return executor;
    }

    /**
     * What the store's client got before session 33 in production: the quarkus-amazon-dynamodb extension puts
     * Quarkus's main executor on its shared builder ({@code quarkus.dynamodb.advanced.use-quarkus-scheduled-executor-service},
     * default true; {@code AmazonClientCommonRecorder}). Built as quarkus-core 3.33's {@code ExecutorRecorder.createExecutor}
     * builds it with the {@code quarkus.thread-pool.*} defaults (core 1, max max(8 × CPUs, 200), unbounded queue,
     * growth resistance 0, keep-alive 30 s, no MBean, rejecting handoff, daemon threads), under this variant's name.
     * Not copied: Quarkus's context handler and its no-op-shutdown wrapper (neither touches scheduling). Its scheduler
     * runs as a task on the pool's own threads, so its CPU is charged to this variant's name.
     */
    private static ScheduledExecutorService quarkusExecutor(String name) {
        return new EnhancedQueueExecutor.Builder().setRegisterMBean(false)
                .setHandoffExecutor(JBossExecutors.rejectingExecutor())
                .setThreadFactory(JBossExecutors.resettingThreadFactory(new JBossThreadFactory(
                        new ThreadGroup(name), Boolean.TRUE, null, name + "-%t", null, null)))
                .setCorePoolSize(1).setMaximumPoolSize(Math.max(8 * Runtime.getRuntime().availableProcessors(), 200))
                .setMaximumQueueSize(Integer.MAX_VALUE).setQueueLimited(false).setGrowthResistance(0f)
                .setKeepAliveTime(Duration.ofSeconds(30)).build();
    }

    private static DynamoDbClientBuilder builder(URI endpoint, SdkHttpClient http) {
        return DynamoDbClient.builder().endpointOverride(endpoint).region(Region.US_EAST_1)
                .credentialsProvider(StaticCredentialsProvider.create(AwsBasicCredentials.create("local", "local")))
                .httpClient(http);
    }

    private static SdkHttpClient url() {
        return UrlConnectionHttpClient.builder().connectionTimeout(Duration.ofSeconds(2)).socketTimeout(Duration.ofSeconds(2)).build();
    }

    /** The Apache client when its jar is on the class path (bench/run adds it for this mode only). */
    private static Supplier<SdkHttpClient> apache() {
        try {
            Class.forName("software.amazon.awssdk.http.apache.ApacheHttpClient");
        } catch (ClassNotFoundException e) {
            return null;
        }
        return () -> ApacheHttpClient.builder().connectionTimeout(Duration.ofSeconds(2))
                .socketTimeout(Duration.ofSeconds(2)).build();
    }
}
