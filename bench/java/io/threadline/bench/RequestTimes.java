package io.threadline.bench;

import com.sun.management.OperatingSystemMXBean;
import org.opensearch.client.json.JsonpMapper;
import org.opensearch.client.transport.Endpoint;
import org.opensearch.client.transport.OpenSearchTransport;
import org.opensearch.client.transport.TransportOptions;

import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.LongSupplier;
import java.util.stream.Stream;

/**
 * Where an import's time goes: a transport that times every request the store sends, by kind (the near-duplicate
 * {@code _msearch}, the refreshed data {@code _bulk}, the writer marks' {@code _bulk}, the realtime {@code _mget}, ...),
 * as wall time of the calls, the node's CPU over them (its JVM's utime + stime from /proc, found by the node's config
 * folder, which holds its HTTP port) and this process's CPU. Requests that overlap (a pipelined import) are each
 * counted whole, so the shares can add up to more than the import's wall time; {@link #report} says so.
 */
final class RequestTimes implements OpenSearchTransport {

    private static final double TICK_NANOS = 1e9 / 100; // USER_HZ, 100 on Linux

    /** One kind's totals. */
    private static final class Totals {
        final AtomicLong count = new AtomicLong();
        final AtomicLong wallNanos = new AtomicLong();
        final AtomicLong nodeTicks = new AtomicLong();
        final AtomicLong clientNanos = new AtomicLong();
    }

    private final OpenSearchTransport delegate;
    private final Path nodeStat;
    private final Map<String, Totals> totals = new TreeMap<>();

    RequestTimes(OpenSearchTransport delegate, URI endpoint) {
        this.delegate = delegate;
        this.nodeStat = nodeStat(endpoint.getPort());
    }

    /** /proc/PID/stat of the node whose config folder names {@code port} (infra/opensearch/start), or null. */
    private static Path nodeStat(int port) {
        try (Stream<Path> procs = Files.list(Path.of("/proc"))) {
            return procs.filter(p -> p.getFileName().toString().chars().allMatch(Character::isDigit))
                    .filter(p -> {
                        try {
                            String cmd = new String(Files.readAllBytes(p.resolve("cmdline"))).replace('\0', ' ');
                            return cmd.contains("-Dopensearch.path.conf=") && cmd.contains("/nodes/" + port + "/config");
                        } catch (IOException | RuntimeException e) {
                            return false;
                        }
                    })
                    .map(p -> p.resolve("stat")).findFirst().orElse(null);
        } catch (IOException e) {
            return null;
        }
    }

    /**
     * The CPU time the node started for {@code endpoint} has used so far, in nanoseconds (10 ms steps), or always 0 when
     * that node's process is not found: what a search costs the node, which load stretches less than its latency.
     */
    static LongSupplier nodeCpuNanos(URI endpoint) {
        Path stat = nodeStat(endpoint.getPort());
        return () -> (long) (ticks(stat) * TICK_NANOS);
    }

    private long nodeTicks() {
        return ticks(nodeStat);
    }

    private static long ticks(Path nodeStat) {
        if (nodeStat == null) {
            return 0;
        }
        try {
            String stat = Files.readString(nodeStat);
            String[] f = stat.substring(stat.lastIndexOf(')') + 2).split(" ");
            return Long.parseLong(f[11]) + Long.parseLong(f[12]); // utime, stime (fields 14 and 15)
        } catch (IOException | RuntimeException e) {
            return 0;
        }
    }

    private static long clientCpu() {
        return ((OperatingSystemMXBean) ManagementFactory.getOperatingSystemMXBean()).getProcessCpuTime();
    }

    private static <RequestT> String kind(RequestT request, Endpoint<RequestT, ?, ?> endpoint) {
        String url = endpoint.requestUrl(request);
        Map<String, String> params = endpoint.queryParameters(request);
        String last = url.substring(url.lastIndexOf('/') + 1);
        if (last.equals("_bulk")) {
            return params.containsKey("refresh") ? "_bulk (data, refresh)" : "_bulk (writer marks)";
        }
        if (last.startsWith("_")) {
            return endpoint.method(request) + " " + last;
        }
        return endpoint.method(request) + " (document)";
    }

    private Totals totals(String kind) {
        synchronized (totals) {
            return totals.computeIfAbsent(kind, k -> new Totals());
        }
    }

    @Override
    public <RequestT, ResponseT, ErrorT> ResponseT performRequest(RequestT request, Endpoint<RequestT, ResponseT, ErrorT> endpoint,
                                                                TransportOptions options) throws IOException {
        Totals t = totals(kind(request, endpoint));
        long ticks = nodeTicks();
        long cpu = clientCpu();
        long start = System.nanoTime();
        try {
            return delegate.performRequest(request, endpoint, options);
        } finally {
            t.wallNanos.addAndGet(System.nanoTime() - start);
            t.clientNanos.addAndGet(clientCpu() - cpu);
            t.nodeTicks.addAndGet(nodeTicks() - ticks);
            t.count.incrementAndGet();
        }
    }

    @Override
    public <RequestT, ResponseT, ErrorT> CompletableFuture<ResponseT> performRequestAsync(
            RequestT request, Endpoint<RequestT, ResponseT, ErrorT> endpoint, TransportOptions options) {
        Totals t = totals(kind(request, endpoint) + " (async)");
        long start = System.nanoTime();
        return delegate.performRequestAsync(request, endpoint, options).whenComplete((r, e) -> {
            t.wallNanos.addAndGet(System.nanoTime() - start);
            t.count.incrementAndGet();
        });
    }

    /** Forgets what was counted (before the part to measure). */
    void reset() {
        synchronized (totals) {
            totals.clear();
        }
    }

    /** The table of what was counted since the last reset, against {@code wallSeconds} of the part measured. */
    void report(String title, double wallSeconds, int memories) {
        System.out.printf(Locale.ROOT, "%n| %s: request kind | requests | wall (s) | share of the import's %.1f s | node CPU (s) | "
                + "node CPU / wall | client CPU (s, all threads) | per memory: wall / node CPU (ms) |%n|---|---|---|---|---|---|---|---|%n",
                title, wallSeconds);
        if (nodeStat == null) {
            System.out.println("(the node's process was not found: node CPU is 0)");
        }
        synchronized (totals) {
            totals.forEach((kind, t) -> {
                double wall = t.wallNanos.get() / 1e9;
                double node = t.nodeTicks.get() * TICK_NANOS / 1e9;
                System.out.printf(Locale.ROOT, "| %s | %,d | %.2f | %.0f%% | %.2f | %.2f | %.2f | %.3f / %.3f |%n", kind, t.count.get(), wall,
                        100 * wall / wallSeconds, node, wall == 0 ? 0 : node / wall, t.clientNanos.get() / 1e9,
                        1e3 * wall / memories, 1e3 * node / memories);
            });
        }
        System.out.println("(async requests are not waited for and carry no CPU figures; requests that overlap are each counted whole)");
        System.out.println();
    }

    @Override
    public JsonpMapper jsonpMapper() {
        return delegate.jsonpMapper();
    }

    @Override
    public TransportOptions options() {
        return delegate.options();
    }

    @Override
    public void close() throws IOException {
        delegate.close();
    }
}
