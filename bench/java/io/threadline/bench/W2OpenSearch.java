package io.threadline.bench;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.langchain4j.model.embedding.EmbeddingModel;
import io.threadline.memory.Embeddings;
import io.threadline.memory.MemoryRecord;
import io.threadline.memory.MemorySettings;
import io.threadline.memory.opensearch.MemoryDocument;
import io.threadline.memory.opensearch.OpenSearchClients;
import io.threadline.memory.opensearch.OpenSearchMemorySettings;
import io.threadline.memory.opensearch.MemoryIndexMaintenance;
import io.threadline.memory.opensearch.OpenSearchMemoryStore;
import org.opensearch.client.opensearch.OpenSearchClient;
import org.opensearch.client.opensearch.core.BulkResponse;
import org.opensearch.client.opensearch.core.bulk.BulkOperation;
import org.opensearch.client.opensearch.core.bulk.BulkResponseItem;

import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.function.LongSupplier;

/**
 * {@code bench/run W2 opensearch}: W2 — memory recall, corpus B (../shared/bench-workload.md) on the
 * OpenSearch memory store against a local node that {@code bench/run} starts.
 *
 * <p>Corpus B is vectors, not text, and {@code MemoryStore.put} embeds text; so memory {@code m-i} is written with the
 * content {@code "vector i"} and an embedding model that looks the vector up ({@link CorpusModel}), through
 * {@link OpenSearchMemoryStore#putAll} (bulk writes with the put semantics: near-duplicate checks, idempotent ids) —
 * or, with {@code --indexing bulk}, with the raw bulk API straight into the index the store creates (same mapping,
 * documents of {@link MemoryDocument}'s shape), as before {@code putAll} existed. {@code --compare-indexing N} first
 * writes the first N vectors into a scratch index each way, and one {@code put} after another for the first N/10, in
 * the same sitting. Searches go through {@link OpenSearchMemoryStore#search} — the path measured.
 *
 * <p>Tenants: the workload's {@code t/0}, {@code t/1} become {@code t-0}, {@code t-1} ('/' is not in the
 * tenant alphabet). The store always filters by tenant, so the "unfiltered" queries run within tenant
 * {@code t-0} (no namespace filter) and their ground truth is brute force over {@code t-0}'s vectors.
 */
public final class W2OpenSearch {

    private W2OpenSearch() {
    }

    /** The command line's settings (corpus B; {@code --corpus-a} goes to {@link W2OpenSearchText}). */
    record Options(URI endpoint, int n, int batch, int bulkSize, int candidates, int warmup, Duration touchAfter, Path corpusFile,
                   Path queriesFile, Path writeCorpus, Path writeQueries, boolean breakdown, boolean compact, String indexing,
                   int compareIndexing, int m, int efConstruction, List<Integer> efSearches) {
        static Options parse(String[] args) {
            BenchArgs cli = new BenchArgs("W2 opensearch",
                    "bench/run W2 opensearch [--n N] [--corpus FILE --queries FILE] [--write-corpus FILE --write-queries FILE]"
                            + " [--batch B] [--bulk-size B] [--candidates C] [--warmup W] [--ef-search E1,E2,..] [--no-breakdown]"
                            + " [--indexing putAll|bulk] [--compare-indexing N] [--compact] [--m M] [--ef-construction E] [--touch-after D]"
                            + " [--endpoint URL] | bench/run W2 opensearch --corpus-a [...]");
            var endpoint = cli.option("--endpoint", URI.create(System.getProperty("threadline.bench.opensearch",
                    "http://127.0.0.1:9200")), "a URL", URI::create);
            var n = cli.intOption("--n", W2CorpusB.SIZE);
            var batch = cli.intOption("--batch", 1000);
            var bulkSize = cli.intOption("--bulk-size", 0); // 0: as --batch
            var candidates = cli.intOption("--candidates", 4);
            var warmup = cli.intOption("--warmup", 50);
            var touchAfter = cli.option("--touch-after", (Duration) null, "an ISO-8601 duration (PT10M)", Duration::parse);
            var corpusFile = cli.option("--corpus", (Path) null, "a file", Path::of);
            var queriesFile = cli.option("--queries", (Path) null, "a file", Path::of);
            var writeCorpus = cli.option("--write-corpus", (Path) null, "a file", Path::of);
            var writeQueries = cli.option("--write-queries", (Path) null, "a file", Path::of);
            var noBreakdown = cli.flag("--no-breakdown");
            var compact = cli.flag("--compact");
            var indexing = cli.choiceOption("--indexing", "putAll", "putAll", "bulk");
            var compareIndexing = cli.intOption("--compare-indexing", 0);
            // The HNSW graph's build parameters of the index the run creates: the application's defaults
            // (threadline.memory.opensearch.m, ...ef-construction) unless given.
            var m = cli.intOption("--m", 16);
            var efConstruction = cli.intOption("--ef-construction", 100);
            // ef_search values to measure, each over the same index in the same sitting (0 = the engine's default, k).
            var efSearches = cli.intListOption("--ef-search", List.of(0));
            cli.read(args);
            cli.refuseUnless(corpusFile.given() == queriesFile.given(), "--corpus and --queries go together");
            return new Options(endpoint.get(), n.get(), batch.get(), bulkSize.get(), candidates.get(), warmup.get(), touchAfter.get(),
                    corpusFile.get(), queriesFile.get(), writeCorpus.get(), writeQueries.get(), !noBreakdown.get(), compact.get(),
                    indexing.get(), compareIndexing.get(), m.get(), efConstruction.get(), efSearches.get());
        }
    }

    public static void main(String[] args) throws Exception {
        if (args.length > 0 && args[0].equals("--corpus-a")) {
            W2OpenSearchText.main(Arrays.copyOfRange(args, 1, args.length));
            return;
        }
        Options o = BenchArgs.parseOrExit(args, Options::parse);
        Duration timeout = Duration.ofSeconds(60);

        System.out.println("W2 memory recall, corpus B, OpenSearch memory store (OpenSearchMemoryStore.search end to end)");
        System.out.println(Machine.describe());
        System.out.printf(Locale.ROOT, "load average at the start: %.2f%n", ManagementFactory.getOperatingSystemMXBean()
                .getSystemLoadAverage());

        long g0 = System.nanoTime();
        W2CorpusB corpus = o.corpusFile() != null ? W2CorpusB.read(o.corpusFile(), o.queriesFile(), o.n()) : W2CorpusB.generate(o.n());
        int n = corpus.vectors.length;
        System.out.printf(Locale.ROOT, "corpus: %s; %d vectors, %d queries, dimension %d (%.1f s)%n", corpus.source, n,
                corpus.queries.length, W2CorpusB.DIMENSION, (System.nanoTime() - g0) / 1e9);
        System.out.println("corpus fingerprint: " + W2CorpusB.fingerprint(corpus.vectors));
        System.out.println("queries fingerprint: " + W2CorpusB.fingerprint(corpus.queries));
        if (o.writeCorpus() != null) {
            W2CorpusB.write(corpus.vectors, o.writeCorpus());
            System.out.println("wrote the corpus to " + o.writeCorpus());
        }
        if (o.writeQueries() != null) {
            W2CorpusB.write(corpus.queries, o.writeQueries());
            System.out.println("wrote the queries to " + o.writeQueries());
        }

        OpenSearchClient client = OpenSearchClients.create(o.endpoint(), timeout);
        String version = client.info().version().number();
        String indexName = "w2-corpus-b";
        // putAll's bulk requests hold --batch writes, as the raw bulk's do, unless --bulk-size says fewer: then one putAll
        // call is several runs, each run's near-duplicate check overlapping the previous run's write.
        int bulk = o.bulkSize() > 0 ? o.bulkSize() : o.batch();
        OpenSearchMemorySettings indexSettings = new OpenSearchMemorySettings(indexName, "lucene", W2CorpusB.DIMENSION, o.candidates(), 0, o.m(),
                o.efConstruction(), bulk, OpenSearchMemorySettings.DEFAULT_SWEEP_PAGE);
        // Corpus B never embeds text: searches pass vectors, and a memory's "embedding" is its corpus vector, looked up.
        EmbeddingModel noModel = new CorpusModel(corpus.vectors);
        // Default: searches run at the instant the memories were written, so no access time moves. --touch-after D:
        // searches run at the wall clock with that touch-after (PT0S: every hit of every search is touched).
        MemorySettings settings = o.touchAfter() == null ? MemorySettings.DEFAULT
                : new MemorySettings(MemorySettings.DEFAULT.mergeThreshold(), MemorySettings.DEFAULT.scoring(), o.touchAfter());
        OpenSearchMemoryStore store = new OpenSearchMemoryStore(client, new Embeddings(noModel), settings,
                indexSettings);

        System.out.printf(Locale.ROOT, "settings: OpenSearch %s at %s (single node, 1 shard, 0 replicas), index %s, engine lucene, "
                        + "hnsw cosinesimil (m=%d, ef_construction=%d), k=%d, candidates=%d (k-NN k=%d, re-ranked by "
                        + "MemoryScoring.DEFAULT), indexing " + o.indexing() + " in batches of %d (bulk-size " + bulk + "; one call at a time), client timeout %d s, "
                        + "warm-up %d queries per set, %d repetitions of %d queries per set, %s%n",
                version, o.endpoint(), indexName, o.m(), o.efConstruction(), W2Recall.K, o.candidates(), W2Recall.K * o.candidates(), o.batch(),
                timeout.toSeconds(), o.warmup(), W2Recall.REPETITIONS, corpus.queries.length, o.touchAfter() == null
                        ? "searches at the write instant (no access-time touches)" : "touch-after " + o.touchAfter() + ", searches at the wall clock");
        System.out.println("tenants: the workload's t/0 and t/1 are t-0 and t-1 here ('/' is outside the tenant alphabet); "
                + "namespaces ns/<i mod 100> as specified. The store always filters by tenant: 'unfiltered' = tenant t-0, "
                + "no namespace filter, recall against brute force over t-0's " + (n + 1) / 2 + " vectors.");

        // Every memory is written "now": equal recency and importance, so the hybrid score orders hits by similarity.
        Instant now = Instant.now().truncatedTo(ChronoUnit.MILLIS);
        if (o.compareIndexing() > 0) {
            IndexingComparison.run(client, corpus.vectors, Math.min(o.compareIndexing(), n), o.batch(), o.candidates(), o.m(),
                    o.efConstruction(), noModel, settings, now);
        }
        if (client.indices().exists(e -> e.index(indexName)).value()) {
            client.indices().delete(d -> d.index(indexName));
        }
        store.ensureIndex();
        // What the node holds, not what was asked: the figures below are of this graph.
        System.out.println("index mapping (GET /" + indexName + "/_mapping): embedding method "
                + graphMethod(o.endpoint(), indexName, o.m(), o.efConstruction()));
        // putAll's requests timed by kind (RequestTimes): where the import's time goes, on the node and here.
        RequestTimes times = new RequestTimes(client._transport(), o.endpoint());
        OpenSearchMemoryStore importing = new OpenSearchMemoryStore(new OpenSearchClient(times), new Embeddings(noModel), settings,
                indexSettings);
        double indexSeconds = o.indexing().equals("bulk") ? index(client, indexName, corpus.vectors, null, o.batch(), now)
                : IndexingComparison.putAll(importing, corpus.vectors, n, o.batch(), now).seconds();
        if (o.indexing().equals("putAll")) {
            times.report(String.format(Locale.ROOT, "W2 import by putAll, N = %,d, batches of %d", n, o.batch()), indexSeconds, n);
        }
        long count = W2OpenSearch.memories(client, indexName);
        if (count != n) {
            throw new IllegalStateException("the index holds " + count + " memories, expected " + n);
        }
        double perSecond = n / indexSeconds;
        var primaries = client.indices().stats(s -> s.index(indexName)).indices().get(indexName).primaries();
        System.out.printf(Locale.ROOT, "indexing (" + o.indexing() + "): %,d memories in %.1f s = %,.0f memories/s; "
                        + "%d segments, %,d MiB on disk%n", n, indexSeconds, perSecond, primaries.segments().count(),
                primaries.store().sizeInBytes() >> 20);

        long t0 = System.nanoTime();
        List<W2Recall.QuerySet> sets = List.of(W2Recall.unfiltered(corpus.vectors, corpus.queries, null),
                W2Recall.filtered(corpus.vectors, corpus.queries, null));
        System.out.printf(Locale.ROOT, "ground truth (exact cosine, brute force): %.1f s%n", (System.nanoTime() - t0) / 1e9);
        // The node's CPU over each repetition of searches (RequestTimes finds the node's process by its port).
        LongSupplier nodeCpu = RequestTimes.nodeCpuNanos(o.endpoint());
        String imported = String.format(Locale.ROOT, "%,.0f memories/s (%,d in %.1f s)", perSecond, n, indexSeconds);
        // By default the index is measured as the import left it: nothing in Threadline compacts (README, "Keeping
        // searches fast"), and the published tables are of such an index.
        searches(client, store, noModel, settings, indexName, o, sets, nodeCpu, now,
                String.format(Locale.ROOT, "W2 corpus B, OpenSearch %s, N = %,d", version, n), "w2.opensearch.B", imported, perSecond);
        if (o.breakdown()) {
            W2Breakdown.report(o.endpoint(), indexName, o.candidates(), sets, now.toEpochMilli(), o.warmup());
        }
        // --compact: what an operator's compact(1) after the import gives — the same searches again on the merged index.
        if (o.compact()) {
            long c0 = System.nanoTime();
            MemoryIndexMaintenance maintenance = new MemoryIndexMaintenance(client, indexName);
            MemoryIndexMaintenance.Compaction compaction = maintenance.compact(1);
            while (!maintenance.compacted(compaction)) {
                Thread.sleep(500);
            }
            double mergeSeconds = (System.nanoTime() - c0) / 1e9;
            System.out.printf(Locale.ROOT, "compact(1): %d segments -> %d in %.1f s (load average now %.2f)%n", compaction.segmentsBefore(),
                    maintenance.segments(), mergeSeconds, ManagementFactory.getOperatingSystemMXBean().getSystemLoadAverage());
            System.out.printf(Locale.ROOT, "RESULT w2.opensearch.B.compacted.merge_s %.1f%n", mergeSeconds);
            searches(client, store, noModel, settings, indexName, o, sets, nodeCpu, now,
                    String.format(Locale.ROOT, "W2 corpus B, OpenSearch %s, N = %,d, compacted", version, n), "w2.opensearch.B.compacted",
                    imported, perSecond);
        }
        System.out.printf(Locale.ROOT, "load average at the end: %.2f%n", ManagementFactory.getOperatingSystemMXBean()
                .getSystemLoadAverage());
    }

    /** The query sets at each ef_search, one table and its RESULT lines (under {@code prefix}.ef<E>) each. */
    private static void searches(OpenSearchClient client, OpenSearchMemoryStore store, EmbeddingModel noModel, MemorySettings settings,
            String indexName, Options o, List<W2Recall.QuerySet> sets, LongSupplier nodeCpu, Instant now, String title, String prefix,
            String indexing, double perSecond) {
        for (int efSearch : o.efSearches()) {
            OpenSearchMemoryStore measured = efSearch == 0 ? store : new OpenSearchMemoryStore(client, new Embeddings(noModel), settings,
                    new OpenSearchMemorySettings(indexName, "lucene", W2CorpusB.DIMENSION, o.candidates(), efSearch, o.m(), o.efConstruction()));
            System.out.printf(Locale.ROOT, "ef_search = %s (load average now %.2f)%n", efSearch == 0 ? "engine default (k-NN k)" : efSearch,
                    ManagementFactory.getOperatingSystemMXBean().getSystemLoadAverage());
            Map<String, List<W2Recall.Run>> runs = W2Recall.measure(measured, sets, o.warmup(), o.touchAfter() == null ? () -> now : Instant::now,
                    nodeCpu);
            W2Recall.report(String.format(Locale.ROOT, "%s, ef_search %d", title, efSearch), prefix + ".ef" + efSearch, runs, indexing,
                    perSecond);
        }
    }

    /**
     * The embedding field's {@code method} as the node's mapping holds it (JSON); fails unless its {@code m} and
     * {@code ef_construction} are the ones asked for.
     */
    static String graphMethod(URI endpoint, String indexName, int m, int efConstruction)
            throws IOException, InterruptedException {
        HttpRequest get = HttpRequest.newBuilder(endpoint.resolve("/" + indexName + "/_mapping")).GET().build();
        HttpResponse<String> response = HttpClient.newHttpClient().send(get, HttpResponse.BodyHandlers.ofString());
        if (response.statusCode() != 200) {
            throw new IOException("GET /" + indexName + "/_mapping answered HTTP " + response.statusCode() + ": " + response.body());
        }
        JsonNode method = new ObjectMapper().readTree(response.body()).path(indexName).path("mappings").path("properties")
                .path("embedding").path("method");
        JsonNode parameters = method.path("parameters");
        if (parameters.path("m").asInt(-1) != m || parameters.path("ef_construction").asInt(-1) != efConstruction) {
            throw new IllegalStateException("the index's graph is not m=" + m + ", ef_construction=" + efConstruction + ": " + method);
        }
        return method.toString();
    }

    /** The memories in the index: documents with a tenant (the store's writer marks have none). */
    static long memories(OpenSearchClient client, String indexName) throws IOException {
        return client.count(c -> c.index(indexName).query(q -> q.exists(e -> e.field("tenant")))).count();
    }

    /**
     * Bulk-indexes the vectors as memories m-i, in order, with the given contents (or "vector i"), in the store's
     * document shape, then refreshes; returns the seconds it took.
     */
    static double index(OpenSearchClient client, String indexName, float[][] vectors, String[] contents, int batch, Instant now)
            throws IOException {
        long start = System.nanoTime();
        for (int from = 0; from < vectors.length; from += batch) {
            List<BulkOperation> ops = new ArrayList<>(batch);
            for (int i = from; i < Math.min(from + batch, vectors.length); i++) {
                String id = "m-" + i;
                String content = contents != null ? contents[i] : "vector " + i;
                MemoryDocument doc = MemoryDocument.of(new MemoryRecord(id, W2Recall.tenant(i), W2Recall.namespace(i), content,
                        vectors[i], "fact", 0.5, now, now, null, null, null, Embeddings.sha256(content), Map.of()));
                String docId = W2Recall.tenant(i) + "/" + id;
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
}
