package io.threadline.bench;

import io.threadline.checkpoint.dynamodb.CachedEndpoints;
import io.threadline.checkpoint.dynamodb.DynamoDbCallLimits;
import io.threadline.checkpoint.dynamodb.DynamoDbTables;
import software.amazon.awssdk.auth.credentials.AwsBasicCredentials;
import software.amazon.awssdk.auth.credentials.StaticCredentialsProvider;
import software.amazon.awssdk.core.client.config.ClientOverrideConfiguration;
import software.amazon.awssdk.http.SdkHttpClient;
import software.amazon.awssdk.http.urlconnection.UrlConnectionHttpClient;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.services.dynamodb.DynamoDbClient;
import software.amazon.awssdk.services.dynamodb.DynamoDbClientBuilder;
import software.amazon.awssdk.services.dynamodb.model.TransactWriteItemsRequest;

import java.lang.management.ManagementFactory;
import java.lang.management.ThreadMXBean;
import java.net.URI;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Random;
import java.util.function.Supplier;

/**
 * {@code bench/run sdk-floor dynamodb [calls per round] [rounds]}: what the SDK's public configuration changes in the
 * client CPU of one W1-shaped {@code TransactWriteItems} (the {@link SdkFloor} request), client by client, in
 * interleaved rounds against one DynamoDB Local so every variant sees the same moments of a shared machine. Two CPU
 * figures per call: the calling thread's, and the whole client process's (every thread: the SDK's timer threads, GC,
 * JIT; this JVM runs nothing else), so work moved to another thread is not counted as a gain.
 */
public final class SdkFloorVariants {

    private SdkFloorVariants() {
    }

    public static void main(String[] args) throws Exception {
        java.util.logging.Logger.getLogger("").setLevel(java.util.logging.Level.INFO);
        int calls = args.length > 0 ? Integer.parseInt(args[0]) : 1000;
        int rounds = args.length > 1 ? Integer.parseInt(args[1]) : 6;
        System.out.println(Machine.describe());
        DynamoDbLocalServer server = DynamoDbLocalServer.start("-Xmx2g");
        URI endpoint = URI.create("http://127.0.0.1:" + server.port);
        DynamoDbClient admin = builder(endpoint, UrlConnectionHttpClient.create()).build();
        String table = "sdk-floor-variants";
        DynamoDbTables.createIfMissing(admin, table);

        // The store's client as DynamoDbStoreProducer builds it (the application's limits), and variants of it.
        DynamoDbCallLimits limits = new DynamoDbCallLimits(4, Duration.ofSeconds(2), Duration.ofSeconds(8));
        Map<String, Supplier<DynamoDbClient>> variants = new LinkedHashMap<>();
        variants.put("store client (url-connection, limits, cached endpoints)", () -> builder(endpoint, url())
                .overrideConfiguration(limits.applyTo(ClientOverrideConfiguration.builder().build(), Clock.systemUTC()))
                .endpointProvider(CachedEndpoints.ofDefaultRules()).build());
        variants.put("  + the bench's counting interceptor (W1's client)", () -> builder(endpoint, url())
                .overrideConfiguration(limits.applyTo(ClientOverrideConfiguration.builder()
                        .addExecutionInterceptor(new W1DynamoDb.Counter()).build(), Clock.systemUTC()))
                .endpointProvider(CachedEndpoints.ofDefaultRules()).build());
        variants.put("  - both timers", () -> builder(endpoint, url())
                .overrideConfiguration(ClientOverrideConfiguration.builder()
                        .retryStrategy(software.amazon.awssdk.awscore.retry.AwsRetryStrategy.standardRetryStrategy().toBuilder().maxAttempts(4).build())
                        .addExecutionInterceptor(new io.threadline.clients.InvocationDeadlineInterceptor(Duration.ofSeconds(8), Clock.systemUTC()))
                        .build())
                .endpointProvider(CachedEndpoints.ofDefaultRules()).build());
        variants.put("  timers on an executor that drops cancelled tasks", () -> builder(endpoint, url())
                .overrideConfiguration(limits.applyTo(ClientOverrideConfiguration.builder()
                        .scheduledExecutorService(removingOnCancel()).build(), Clock.systemUTC()))
                .endpointProvider(CachedEndpoints.ofDefaultRules()).build());
        variants.put("  timers on one thread (the SDK's default pool has 5)", () -> builder(endpoint, url())
                .overrideConfiguration(limits.applyTo(ClientOverrideConfiguration.builder()
                        .scheduledExecutorService(java.util.concurrent.Executors.newSingleThreadScheduledExecutor(r -> {
                            Thread t = new Thread(r, "probe-timer");
                            t.setDaemon(true);
                            return t;
                        })).build(), Clock.systemUTC()))
                .endpointProvider(CachedEndpoints.ofDefaultRules()).build());
        variants.put("  - the endpoint cache (rules evaluated per call)", () -> builder(endpoint, url())
                .overrideConfiguration(limits.applyTo(ClientOverrideConfiguration.builder().build(), Clock.systemUTC())).build());
        Supplier<SdkHttpClient> apache = apache();
        if (apache != null) {
            variants.put("  with the Apache HTTP client", () -> builder(endpoint, apache.get())
                    .overrideConfiguration(limits.applyTo(ClientOverrideConfiguration.builder().build(), Clock.systemUTC()))
                    .endpointProvider(CachedEndpoints.ofDefaultRules()).build());
        }
        variants.put("bare SDK client (url-connection, defaults)", () -> builder(endpoint, url()).build());

        // -Dsdk.floor.only=a,b keeps the variants whose names contain one of these (a short sitting).
        String only = System.getProperty("sdk.floor.only");
        if (only != null) {
            variants.keySet().removeIf(name -> java.util.Arrays.stream(only.split(",")).noneMatch(name::contains));
        }
        List<String> names = new ArrayList<>(variants.keySet());
        List<DynamoDbClient> clients = new ArrayList<>();
        for (Supplier<DynamoDbClient> s : variants.values()) {
            clients.add(s.get());
        }
        byte[] data = new byte[600];
        new Random(5).nextBytes(data);
        ThreadMXBean threads = ManagementFactory.getThreadMXBean();
        com.sun.management.OperatingSystemMXBean os = (com.sun.management.OperatingSystemMXBean) ManagementFactory.getOperatingSystemMXBean();
        int[] step = new int[clients.size()];
        // Warm every client (JIT, connections) before the first measured round.
        for (int v = 0; v < clients.size(); v++) {
            for (int i = 0; i < 2000; i++) {
                call(clients.get(v), table, v, step, data);
            }
        }
        double[][] thread = new double[clients.size()][rounds];
        double[][] process = new double[clients.size()][rounds];
        double[][] all = new double[clients.size()][rounds];
        double[][] wall = new double[clients.size()][rounds];
        for (int r = 0; r < rounds; r++) {
            for (int v = 0; v < clients.size(); v++) {
                System.gc(); // each block starts from an empty young generation, so a GC a block causes is its own
                long t0 = threads.getCurrentThreadCpuTime();
                long p0 = os.getProcessCpuTime();
                long o0 = Machine.otherThreadsCpu();
                long w0 = System.nanoTime();
                for (int i = 0; i < calls; i++) {
                    call(clients.get(v), table, v, step, data);
                }
                wall[v][r] = (System.nanoTime() - w0) / 1000.0 / calls;
                process[v][r] = (os.getProcessCpuTime() - p0) / 1000.0 / calls;
                long self = threads.getCurrentThreadCpuTime() - t0;
                thread[v][r] = self / 1000.0 / calls;
                all[v][r] = (self + Machine.otherThreadsCpu() - o0) / 1000.0 / calls;
            }
        }
        System.out.printf(Locale.ROOT, "%d rounds of %d calls per variant, interleaved; median of the rounds' means (µs per call)%n", rounds, calls);
        System.out.println("| client | calling thread CPU | all Java threads CPU | process CPU (with JIT, GC) | wall |");
        System.out.println("|---|---|---|---|---|");
        for (int v = 0; v < clients.size(); v++) {
            System.out.printf(Locale.ROOT, "| %s | %.1f | %.1f | %.1f | %.1f |%n", names.get(v).trim(), Machine.median(thread[v]),
                    Machine.median(all[v]), Machine.median(process[v]), Machine.median(wall[v]));
            System.out.printf(Locale.ROOT, "RESULT sdk_floor.%d.thread_cpu_us %.1f%nRESULT sdk_floor.%d.process_cpu_us %.1f%n",
                    v, Machine.median(thread[v]), v, Machine.median(process[v]));
        }
        for (DynamoDbClient c : clients) {
            c.close();
        }
        admin.close();
        server.stop();
    }

    private static void call(DynamoDbClient client, String table, int variant, int[] step, byte[] data) {
        TransactWriteItemsRequest request = SdkFloor.request(table, "floor#v" + variant, step[variant]++, data);
        client.transactWriteItems(request);
    }

    private static java.util.concurrent.ScheduledExecutorService removingOnCancel() {
        java.util.concurrent.ScheduledThreadPoolExecutor executor = new java.util.concurrent.ScheduledThreadPoolExecutor(1, r -> {
            Thread t = new Thread(r, "probe-timers");
            t.setDaemon(true);
            return t;
        });
        executor.setRemoveOnCancelPolicy(true);
        return executor;
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
        return () -> software.amazon.awssdk.http.apache.ApacheHttpClient.builder().connectionTimeout(Duration.ofSeconds(2))
                .socketTimeout(Duration.ofSeconds(2)).build();
    }
}
