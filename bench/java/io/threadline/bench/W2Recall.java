package io.threadline.bench;

import com.sun.management.OperatingSystemMXBean;
import io.threadline.memory.Embeddings;
import io.threadline.memory.MemoryHit;
import io.threadline.memory.MemoryQuery;
import io.threadline.memory.MemoryStore;

import java.lang.management.ManagementFactory;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.function.LongSupplier;
import java.util.function.Supplier;
import java.util.function.ToDoubleFunction;
import java.util.stream.IntStream;

/**
 * What W2 measures on either corpus (../shared/bench-workload.md): the two query sets (unfiltered,
 * and tenant + one namespace), their exact top 10 by brute-force cosine over the same filtered set,
 * recall@10 and latency of {@link MemoryStore#search} end to end, repeated, with the median.
 *
 * <p>Memory i is {@code m-<i>} in tenant {@code t-<i mod 2>} (the workload's {@code t/<i mod 2>}: '/' is
 * outside the tenant alphabet) and namespace {@code ns/<i mod 100>}. The store always filters by tenant,
 * so "unfiltered" means tenant {@code t-0} with no namespace filter, against brute force over t-0's memories.
 */
final class W2Recall {

    static final int K = 10;
    static final int REPETITIONS = 3;

    private W2Recall() {
    }

    static String tenant(int i) {
        return "t-" + (i % 2);
    }

    static String namespace(int i) {
        return "ns/" + (i % 100);
    }

    /** One repetition of one query set. */
    /** One repetition of a query set; {@code nodeCpuMsPerSearch} is NaN when the node's CPU is not measured. */
    record Run(double recall, double p50, double p95, double mean, int shortAnswers, double cpuMsPerSearch, double nodeCpuMsPerSearch) {}

    /**
     * A query set: each query's vector (for the ground truth), its text (searched by text, so the store embeds
     * it) or null (searched by vector), its tenant and namespace prefix (or null), and its exact top 10.
     */
    record QuerySet(String name, float[][] vectors, String[] texts, String[] tenants, String[] prefixes, int[][] truth) {}

    static QuerySet unfiltered(float[][] corpus, float[][] queries, String[] texts) {
        int q = queries.length;
        String[] tenants = new String[q];
        Arrays.fill(tenants, "t-0");
        int[] members = IntStream.range(0, corpus.length).filter(i -> i % 2 == 0).toArray();
        int[][] truth = IntStream.range(0, q).parallel().mapToObj(i -> exactTop(corpus, queries[i], members)).toArray(int[][]::new);
        return new QuerySet("unfiltered", queries, texts, tenants, new String[q], truth);
    }

    /** Query q: namespace ns/j, j = (37·q) mod 100, and the only tenant that namespace holds, t-(j mod 2). */
    static QuerySet filtered(float[][] corpus, float[][] queries, String[] texts) {
        int q = queries.length;
        String[] tenants = new String[q];
        String[] prefixes = new String[q];
        int[][] truth = new int[q][];
        for (int i = 0; i < q; i++) {
            int j = (37 * i) % 100;
            tenants[i] = "t-" + (j % 2);
            prefixes[i] = "ns/" + j;
            int[] members = IntStream.range(0, corpus.length).filter(m -> m % 100 == j).toArray();
            truth[i] = exactTop(corpus, queries[i], members);
        }
        return new QuerySet("filtered", queries, texts, tenants, prefixes, truth);
    }

    /** The K members most similar to the query (cosine of unit vectors, as the stores compute it). */
    static int[] exactTop(float[][] corpus, float[] query, int[] members) {
        int[] top = new int[K];
        double[] sims = new double[K];
        Arrays.fill(sims, Double.NEGATIVE_INFINITY);
        Arrays.fill(top, -1);
        for (int m : members) {
            double s = Embeddings.cosine(corpus[m], query);
            if (s > sims[K - 1]) {
                int at = K - 1;
                while (at > 0 && sims[at - 1] < s) {
                    sims[at] = sims[at - 1];
                    top[at] = top[at - 1];
                    at--;
                }
                sims[at] = s;
                top[at] = m;
            }
        }
        return Arrays.stream(top).filter(i -> i >= 0).toArray();
    }

    static List<MemoryHit> search(MemoryStore store, QuerySet set, int q, Instant now) {
        return store.search(set.texts != null
                ? new MemoryQuery(set.tenants[q], set.texts[q], null, K, set.prefixes[q], Map.of(), 0)
                : new MemoryQuery(set.tenants[q], null, set.vectors[q], K, set.prefixes[q], Map.of(), 0), now);
    }

    static Run run(MemoryStore store, QuerySet set, Supplier<Instant> clock, LongSupplier nodeCpu) {
        int queries = set.vectors.length;
        double[] millis = new double[queries];
        double recall = 0;
        int shortAnswers = 0;
        long cpu = processCpuNanos();
        long node = nodeCpu == null ? 0 : nodeCpu.getAsLong();
        for (int q = 0; q < queries; q++) {
            long t0 = System.nanoTime();
            List<MemoryHit> hits = search(store, set, q, clock.get());
            millis[q] = (System.nanoTime() - t0) / 1e6;
            if (hits.size() < K) {
                shortAnswers++;
            }
            Set<Integer> found = new HashSet<>();
            for (MemoryHit hit : hits) {
                if (!hit.memory().tenant().equals(set.tenants[q]) || !set.name.equals("unfiltered")
                        && !hit.memory().namespace().equals(set.prefixes[q])) {
                    throw new IllegalStateException("query " + q + " returned " + hit.memory() + " outside its filter");
                }
                found.add(Integer.parseInt(hit.memory().id().substring(2)));
            }
            int[] truth = set.truth[q];
            int match = 0;
            for (int t : truth) {
                if (found.contains(t)) {
                    match++;
                }
            }
            recall += (double) match / truth.length;
        }
        double cpuMs = (processCpuNanos() - cpu) / 1e6 / queries;
        double nodeMs = nodeCpu == null ? Double.NaN : (nodeCpu.getAsLong() - node) / 1e6 / queries;
        double[] sorted = millis.clone();
        Arrays.sort(sorted);
        return new Run(recall / queries, percentile(sorted, 0.50), percentile(sorted, 0.95), Arrays.stream(millis).average().orElse(0),
                shortAnswers, cpuMs, nodeMs);
    }

    /**
     * This process's CPU time (all its threads: the HTTP client's I/O threads too, and the recall check, which is
     * small): the client's cost of a search, which the machine's load does not stretch as it stretches latency.
     */
    private static long processCpuNanos() {
        return ((OperatingSystemMXBean) ManagementFactory.getOperatingSystemMXBean())
                .getProcessCpuTime();
    }

    /**
     * Warm-up (discarded), then the repetitions of every set, each printed; returns the runs per set. Searches run
     * at {@code clock}'s time: the instant the memories were written (no access-time touches), or the wall clock
     * with {@code --touch-after PT0S} (every hit of every search touched: the worst case of that write).
     */
    static Map<String, List<Run>> measure(MemoryStore store, List<QuerySet> sets, int warmup, Supplier<Instant> clock) {
        return measure(store, sets, warmup, clock, null);
    }

    /** As {@link #measure(MemoryStore, List, int, Supplier)}, each repetition also with the node's CPU per search. */
    static Map<String, List<Run>> measure(MemoryStore store, List<QuerySet> sets, int warmup, Supplier<Instant> clock,
            LongSupplier nodeCpu) {
        for (QuerySet set : sets) {
            for (int q = 0; q < Math.min(warmup, set.vectors.length); q++) {
                search(store, set, q, clock.get());
            }
        }
        Map<String, List<Run>> runs = new LinkedHashMap<>();
        sets.forEach(s -> runs.put(s.name, new ArrayList<>()));
        for (int rep = 1; rep <= REPETITIONS; rep++) {
            System.out.printf("repetition %d:%n", rep);
            for (QuerySet set : sets) {
                Run r = run(store, set, clock, nodeCpu);
                runs.get(set.name).add(r);
                System.out.printf(Locale.ROOT, "  %-10s recall@10 %.4f  p50 %6.2f ms  p95 %6.2f ms  mean %6.2f ms  client CPU %.3f ms/search%s%s%n",
                        set.name, r.recall, r.p50, r.p95, r.mean, r.cpuMsPerSearch,
                        Double.isNaN(r.nodeCpuMsPerSearch) ? "" : String.format(Locale.ROOT, "  node CPU %.3f ms/search", r.nodeCpuMsPerSearch),
                        r.shortAnswers == 0 ? "" : "  (" + r.shortAnswers + " answers had < 10 hits)");
            }
        }
        return runs;
    }

    /** The table (median and every repetition) and the RESULT lines under {@code prefix}. */
    static void report(String title, String prefix, Map<String, List<Run>> runs, String indexing, double perSecond) {
        System.out.println();
        System.out.printf(Locale.ROOT, "| %s | recall@10 | p50 (ms) | p95 (ms) |%n", title);
        System.out.println("|---|---|---|---|");
        runs.forEach((name, r) -> System.out.printf(Locale.ROOT, "| %s | %.4f %s | %.2f %s | %.2f %s |%n", label(name),
                median(r, Run::recall), each(r, Run::recall, "%.4f"), median(r, Run::p50), each(r, Run::p50, "%.2f"),
                median(r, Run::p95), each(r, Run::p95, "%.2f")));
        System.out.printf(Locale.ROOT, "| indexing | %s | | |%n", indexing);
        System.out.println();
        System.out.printf(Locale.ROOT, "RESULT %s.index_per_s %.0f%n", prefix, perSecond);
        runs.forEach((name, r) -> {
            System.out.printf(Locale.ROOT, "RESULT %s.%s.recall10 %.4f%n", prefix, name, median(r, Run::recall));
            System.out.printf(Locale.ROOT, "RESULT %s.%s.p50_ms %.2f%n", prefix, name, median(r, Run::p50));
            System.out.printf(Locale.ROOT, "RESULT %s.%s.p95_ms %.2f%n", prefix, name, median(r, Run::p95));
            if (!Double.isNaN(r.get(0).nodeCpuMsPerSearch)) {
                System.out.printf(Locale.ROOT, "RESULT %s.%s.node_cpu_ms %.3f%n", prefix, name, median(r, Run::nodeCpuMsPerSearch));
            }
        });
    }

    private static String label(String name) {
        return name.equals("unfiltered") ? "unfiltered (tenant t-0 only)" : "filtered (tenant + namespace ns/j)";
    }

    /** Nearest rank on sorted values. */
    static double percentile(double[] sorted, double p) {
        return sorted[Math.max(0, (int) Math.ceil(p * sorted.length) - 1)];
    }

    private static double median(List<Run> runs, ToDoubleFunction<Run> f) {
        return Machine.median(runs.stream().mapToDouble(f).toArray());
    }

    private static String each(List<Run> runs, ToDoubleFunction<Run> f, String format) {
        StringBuilder b = new StringBuilder("(");
        for (Run r : runs) {
            b.append(b.length() > 1 ? " " : "").append(String.format(Locale.ROOT, format, f.applyAsDouble(r)));
        }
        return b.append(")").toString();
    }
}
