package io.threadline.bench;

import dev.langchain4j.model.embedding.EmbeddingModel;
import io.threadline.memory.Embeddings;
import io.threadline.memory.MemoryHit;
import io.threadline.memory.MemoryQuery;
import io.threadline.memory.MemorySettings;
import io.threadline.memory.opensearch.MemoryDocument;
import io.threadline.memory.opensearch.OpenSearchClients;
import io.threadline.memory.opensearch.OpenSearchMemorySettings;
import io.threadline.memory.opensearch.OpenSearchMemoryStore;
import org.opensearch.client.opensearch.OpenSearchClient;
import org.opensearch.client.opensearch.core.BulkResponse;
import org.opensearch.client.opensearch.core.bulk.BulkOperation;
import org.opensearch.client.opensearch.core.bulk.BulkResponseItem;

import java.net.URI;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.stream.IntStream;

/**
 * {@code bench/run W2 opensearch}: W2 — memory recall, corpus B (../shared/bench-workload.md) on the
 * OpenSearch memory store against a local node that {@code bench/run} starts.
 *
 * <p>Corpus B is vectors, not text, and {@code MemoryStore.put} embeds text; so the memories are indexed
 * with the bulk API straight into the index {@link OpenSearchMemoryStore#ensureIndex()} creates (same
 * mapping, documents of {@link MemoryDocument}'s shape, {@code _id} {@code <tenant>/<id>} as the store
 * writes them), and searched through {@link OpenSearchMemoryStore#search} — the path measured.
 *
 * <p>Tenants: the workload's {@code t/0}, {@code t/1} become {@code t-0}, {@code t-1} ('/' is not in the
 * tenant alphabet). The store always filters by tenant, so the "unfiltered" queries run within tenant
 * {@code t-0} (no namespace filter) and their ground truth is brute force over {@code t-0}'s vectors.
 */
public final class W2OpenSearch {

    static final int K = 10;
    static final int REPETITIONS = 3;

    private W2OpenSearch() {
    }

    static String tenant(int i) {
        return "t-" + (i % 2);
    }

    static String namespace(int i) {
        return "ns/" + (i % 100);
    }

    /** One repetition of one query set. */
    record Run(double recall, double p50, double p95, double mean, int shortAnswers) {}

    /** A query set: the query vectors, each query's tenant and namespace prefix (or null), and its exact top 10. */
    record QuerySet(String name, float[][] vectors, String[] tenants, String[] prefixes, int[][] truth) {}

    public static void main(String[] args) throws Exception {
        URI endpoint = URI.create(System.getProperty("threadline.bench.opensearch", "http://127.0.0.1:9200"));
        int n = W2CorpusB.SIZE;
        int batch = 1000;
        int candidates = 4;
        int warmup = 50;
        Duration timeout = Duration.ofSeconds(60);
        Path corpusFile = null;
        Path queriesFile = null;
        Path writeCorpus = null;
        Path writeQueries = null;
        for (int a = 0; a < args.length; a++) {
            switch (args[a]) {
                case "--endpoint" -> endpoint = URI.create(args[++a]);
                case "--n" -> n = Integer.parseInt(args[++a]);
                case "--batch" -> batch = Integer.parseInt(args[++a]);
                case "--candidates" -> candidates = Integer.parseInt(args[++a]);
                case "--warmup" -> warmup = Integer.parseInt(args[++a]);
                case "--corpus" -> corpusFile = Path.of(args[++a]);
                case "--queries" -> queriesFile = Path.of(args[++a]);
                case "--write-corpus" -> writeCorpus = Path.of(args[++a]);
                case "--write-queries" -> writeQueries = Path.of(args[++a]);
                default -> throw new IllegalArgumentException("unknown argument " + args[a]
                        + "; use --n N --batch B --candidates C --warmup W --corpus F --queries F --write-corpus F --write-queries F");
            }
        }
        if ((corpusFile == null) != (queriesFile == null)) {
            throw new IllegalArgumentException("--corpus and --queries go together");
        }

        System.out.println("W2 memory recall, corpus B, OpenSearch memory store (OpenSearchMemoryStore.search end to end)");
        System.out.println(Machine.describe());

        long g0 = System.nanoTime();
        W2CorpusB corpus = corpusFile != null ? W2CorpusB.read(corpusFile, queriesFile, n) : W2CorpusB.generate(n);
        n = corpus.vectors.length;
        System.out.printf(Locale.ROOT, "corpus: %s; %d vectors, %d queries, dimension %d (%.1f s)%n", corpus.source, n,
                corpus.queries.length, W2CorpusB.DIMENSION, (System.nanoTime() - g0) / 1e9);
        System.out.println("corpus fingerprint: " + W2CorpusB.fingerprint(corpus.vectors));
        System.out.println("queries fingerprint: " + W2CorpusB.fingerprint(corpus.queries));
        if (writeCorpus != null) {
            W2CorpusB.write(corpus.vectors, writeCorpus);
            System.out.println("wrote the corpus to " + writeCorpus);
        }
        if (writeQueries != null) {
            W2CorpusB.write(corpus.queries, writeQueries);
            System.out.println("wrote the queries to " + writeQueries);
        }

        OpenSearchClient client = OpenSearchClients.create(endpoint, timeout);
        String version = client.info().version().number();
        String indexName = "w2-corpus-b";
        OpenSearchMemorySettings indexSettings = new OpenSearchMemorySettings(indexName, "lucene", W2CorpusB.DIMENSION, candidates);
        // Corpus B never embeds text: searches pass vectors, and memories are bulk-indexed with their vectors.
        EmbeddingModel noModel = segments -> {
            throw new IllegalStateException("corpus B is vectors only; nothing may be embedded");
        };
        OpenSearchMemoryStore store = new OpenSearchMemoryStore(client, new Embeddings(noModel), MemorySettings.DEFAULT,
                indexSettings);

        System.out.printf(Locale.ROOT, "settings: OpenSearch %s at %s (single node, 1 shard, 0 replicas), index %s, engine lucene, "
                        + "hnsw cosinesimil (plugin defaults m=16, ef_construction=100), k=%d, candidates=%d (k-NN k=%d, re-ranked by "
                        + "MemoryScoring.DEFAULT), bulk batches of %d (one request at a time), client timeout %d s, "
                        + "warm-up %d queries per set, %d repetitions of %d queries per set%n",
                version, endpoint, indexName, K, candidates, K * candidates, batch, timeout.toSeconds(), warmup, REPETITIONS,
                corpus.queries.length);
        System.out.println("tenants: the workload's t/0 and t/1 are t-0 and t-1 here ('/' is outside the tenant alphabet); "
                + "namespaces ns/<i mod 100> as specified. The store always filters by tenant: 'unfiltered' = tenant t-0, "
                + "no namespace filter, recall against brute force over t-0's " + (n + 1) / 2 + " vectors.");

        if (client.indices().exists(e -> e.index(indexName)).value()) {
            client.indices().delete(d -> d.index(indexName));
        }
        store.ensureIndex();
        // Every memory is written "now": equal recency and importance, so the hybrid score orders hits by similarity.
        Instant now = Instant.now().truncatedTo(ChronoUnit.MILLIS);
        double indexSeconds = index(client, indexName, corpus.vectors, batch, now);
        long count = client.count(c -> c.index(indexName)).count();
        if (count != n) {
            throw new IllegalStateException("the index holds " + count + " memories, expected " + n);
        }
        double perSecond = n / indexSeconds;
        var primaries = client.indices().stats(s -> s.index(indexName)).indices().get(indexName).primaries();
        System.out.printf(Locale.ROOT, "indexing: %,d memories in %.1f s (bulk + final refresh) = %,.0f memories/s; "
                        + "%d segments, %,d MiB on disk%n", n, indexSeconds, perSecond, primaries.segments().count(),
                primaries.store().sizeInBytes() >> 20);

        long t0 = System.nanoTime();
        List<QuerySet> sets = List.of(unfiltered(corpus), filtered(corpus));
        System.out.printf(Locale.ROOT, "ground truth (exact cosine, brute force): %.1f s%n", (System.nanoTime() - t0) / 1e9);

        for (QuerySet set : sets) {
            for (int q = 0; q < Math.min(warmup, set.vectors.length); q++) {
                search(store, set, q, now);
            }
        }
        Map<String, List<Run>> runs = Map.of(sets.get(0).name, new ArrayList<>(), sets.get(1).name, new ArrayList<>());
        for (int rep = 1; rep <= REPETITIONS; rep++) {
            System.out.printf("repetition %d:%n", rep);
            for (QuerySet set : sets) {
                Run r = run(store, set, now);
                runs.get(set.name).add(r);
                System.out.printf(Locale.ROOT, "  %-10s recall@10 %.4f  p50 %6.2f ms  p95 %6.2f ms  mean %6.2f ms%s%n", set.name,
                        r.recall, r.p50, r.p95, r.mean, r.shortAnswers == 0 ? "" : "  (" + r.shortAnswers + " answers had < 10 hits)");
            }
        }

        System.out.println();
        System.out.printf(Locale.ROOT, "| W2 corpus B, OpenSearch %s, N = %,d | recall@10 | p50 (ms) | p95 (ms) |%n", version, n);
        System.out.println("|---|---|---|---|");
        for (QuerySet set : sets) {
            List<Run> r = runs.get(set.name);
            System.out.printf(Locale.ROOT, "| %s | %.4f %s | %.2f %s | %.2f %s |%n", label(set.name),
                    median(r, Run::recall), each(r, Run::recall, "%.4f"), median(r, Run::p50), each(r, Run::p50, "%.2f"),
                    median(r, Run::p95), each(r, Run::p95, "%.2f"));
        }
        System.out.printf(Locale.ROOT, "| indexing | %,.0f memories/s (%,d in %.1f s) | | |%n", perSecond, n, indexSeconds);
        System.out.println();
        String p = "w2.opensearch.B";
        System.out.printf(Locale.ROOT, "RESULT %s.index_per_s %.0f%n", p, perSecond);
        for (QuerySet set : sets) {
            List<Run> r = runs.get(set.name);
            System.out.printf(Locale.ROOT, "RESULT %s.%s.recall10 %.4f%n", p, set.name, median(r, Run::recall));
            System.out.printf(Locale.ROOT, "RESULT %s.%s.p50_ms %.2f%n", p, set.name, median(r, Run::p50));
            System.out.printf(Locale.ROOT, "RESULT %s.%s.p95_ms %.2f%n", p, set.name, median(r, Run::p95));
        }
    }

    private static String label(String name) {
        return name.equals("unfiltered") ? "unfiltered (tenant t-0 only)" : "filtered (tenant + namespace ns/j)";
    }

    /** Bulk-indexes the vectors as memories m-i, in order, then refreshes; returns the seconds it took. */
    private static double index(OpenSearchClient client, String indexName, float[][] vectors, int batch, Instant now)
            throws java.io.IOException {
        String at = now.toString();
        long start = System.nanoTime();
        for (int from = 0; from < vectors.length; from += batch) {
            List<BulkOperation> ops = new ArrayList<>(batch);
            for (int i = from; i < Math.min(from + batch, vectors.length); i++) {
                String id = "m-" + i;
                String content = "vector " + i;
                MemoryDocument doc = new MemoryDocument(id, tenant(i), namespace(i), content, vectors[i], "fact", 0.5, at, at,
                        null, null, null, Embeddings.sha256(content), Map.of());
                String docId = tenant(i) + "/" + id;
                ops.add(BulkOperation.of(o -> o.index(x -> x.index(indexName).id(docId).document(doc))));
            }
            BulkResponse response = client.bulk(b -> b.index(indexName).operations(ops));
            if (response.errors()) {
                for (BulkResponseItem item : response.items()) {
                    if (item.error() != null) {
                        throw new IllegalStateException("bulk indexing failed for " + item.id() + ": " + item.error().reason());
                    }
                }
            }
        }
        client.indices().refresh(r -> r.index(indexName));
        return (System.nanoTime() - start) / 1e9;
    }

    private static QuerySet unfiltered(W2CorpusB corpus) {
        int q = corpus.queries.length;
        String[] tenants = new String[q];
        Arrays.fill(tenants, "t-0");
        int[] members = IntStream.range(0, corpus.vectors.length).filter(i -> i % 2 == 0).toArray();
        int[][] truth = IntStream.range(0, q).parallel().mapToObj(i -> exactTop(corpus, corpus.queries[i], members))
                .toArray(int[][]::new);
        return new QuerySet("unfiltered", corpus.queries, tenants, new String[q], truth);
    }

    /** Query q: namespace ns/j, j = (37·q) mod 100, and the only tenant that namespace holds, t-(j mod 2). */
    private static QuerySet filtered(W2CorpusB corpus) {
        int q = corpus.queries.length;
        String[] tenants = new String[q];
        String[] prefixes = new String[q];
        int[][] truth = new int[q][];
        for (int i = 0; i < q; i++) {
            int j = (37 * i) % 100;
            tenants[i] = "t-" + (j % 2);
            prefixes[i] = "ns/" + j;
            int[] members = IntStream.range(0, corpus.vectors.length).filter(m -> m % 100 == j).toArray();
            truth[i] = exactTop(corpus, corpus.queries[i], members);
        }
        return new QuerySet("filtered", corpus.queries, tenants, prefixes, truth);
    }

    /** The K members most similar to the query (cosine of unit vectors, as the store computes it). */
    private static int[] exactTop(W2CorpusB corpus, float[] query, int[] members) {
        int[] top = new int[K];
        double[] sims = new double[K];
        Arrays.fill(sims, Double.NEGATIVE_INFINITY);
        Arrays.fill(top, -1);
        for (int m : members) {
            double s = Embeddings.cosine(corpus.vectors[m], query);
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

    private static List<MemoryHit> search(OpenSearchMemoryStore store, QuerySet set, int q, Instant now) {
        return store.search(new MemoryQuery(set.tenants[q], null, set.vectors[q], K, set.prefixes[q], Map.of(), 0), now);
    }

    private static Run run(OpenSearchMemoryStore store, QuerySet set, Instant now) {
        int queries = set.vectors.length;
        double[] millis = new double[queries];
        double recall = 0;
        int shortAnswers = 0;
        for (int q = 0; q < queries; q++) {
            long t0 = System.nanoTime();
            List<MemoryHit> hits = search(store, set, q, now);
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
        double[] sorted = millis.clone();
        Arrays.sort(sorted);
        return new Run(recall / queries, percentile(sorted, 0.50), percentile(sorted, 0.95), Arrays.stream(millis).average().orElse(0),
                shortAnswers);
    }

    /** Nearest rank on sorted values. */
    static double percentile(double[] sorted, double p) {
        return sorted[Math.max(0, (int) Math.ceil(p * sorted.length) - 1)];
    }

    private static double median(List<Run> runs, java.util.function.ToDoubleFunction<Run> f) {
        return Machine.median(runs.stream().mapToDouble(f).toArray());
    }

    private static String each(List<Run> runs, java.util.function.ToDoubleFunction<Run> f, String format) {
        StringBuilder b = new StringBuilder("(");
        for (Run r : runs) {
            b.append(b.length() > 1 ? " " : "").append(String.format(Locale.ROOT, format, f.applyAsDouble(r)));
        }
        return b.append(")").toString();
    }
}
