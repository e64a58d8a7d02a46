package io.threadline.bench;

import dev.langchain4j.model.embedding.onnx.allminilml6v2.AllMiniLmL6V2EmbeddingModel;
import io.threadline.memory.Embeddings;
import io.threadline.memory.MemorySettings;
import io.threadline.memory.opensearch.OpenSearchClients;
import io.threadline.memory.opensearch.OpenSearchMemorySettings;
import io.threadline.memory.opensearch.OpenSearchMemoryStore;
import org.opensearch.client.opensearch.OpenSearchClient;

import java.net.URI;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * {@code bench/run W2 opensearch --corpus-a}: W2 — memory recall, corpus A (Debian package descriptions,
 * ../shared/bench-workload.md) on the OpenSearch memory store, embedded with the default in-process model
 * (MiniLM L6 v2 through langchain4j, 384 dimensions).
 *
 * <p>Indexing: each memory's text is embedded one at a time through {@link Embeddings#embed} — what
 * {@code MemoryStore.put} does — then the vectors are bulk-indexed in the store's document shape (as for
 * corpus B; {@code put} would merge the many near-identical Debian synopses, e.g. a library and its
 * {@code -dev} package, and change the corpus). Throughput = N / (embedding + bulk + refresh).
 * Search: {@code MemoryStore.search} by text, so each measured search includes embedding the query.
 */
final class W2OpenSearchText {

    private W2OpenSearchText() {
    }

    /** The command line's settings, after {@code --corpus-a}. */
    record Options(URI endpoint, Path dump, int n, int batch, int candidates, int warmup, Duration touchAfter) {
        static Options parse(String[] args) {
            BenchArgs cli = new BenchArgs("W2 opensearch --corpus-a",
                    "bench/run W2 opensearch --corpus-a [--index DUMPAVAIL_FILE] [--n N] [--batch B]"
                            + " [--candidates C] [--warmup W] [--touch-after D] [--endpoint URL]");
            // bench/run dumps the machine's package index there unless --index names a dump
            var dump = cli.option("--index", Path.of(System.getProperty("threadline.bench.dumpavail", "target/w2-dumpavail.txt")),
                    "a file", Path::of);
            var n = cli.intOption("--n", W2CorpusA.SIZE);
            var batch = cli.intOption("--batch", 1000);
            var candidates = cli.intOption("--candidates", 4);
            var warmup = cli.intOption("--warmup", 50);
            var touchAfter = cli.option("--touch-after", (Duration) null, "an ISO-8601 duration (PT10M)", Duration::parse);
            var endpoint = cli.option("--endpoint", URI.create(System.getProperty("threadline.bench.opensearch",
                    "http://127.0.0.1:9200")), "a URL", URI::create);
            cli.read(args);
            return new Options(endpoint.get(), dump.get(), n.get(), batch.get(), candidates.get(), warmup.get(), touchAfter.get());
        }
    }

    public static void main(String[] args) throws Exception {
        Options o = BenchArgs.parseOrExit(args, Options::parse);
        Duration timeout = Duration.ofSeconds(60);

        System.out.println("W2 memory recall, corpus A (Debian package descriptions, MiniLM L6 v2), OpenSearch memory store "
                + "(OpenSearchMemoryStore.search by text, end to end)");
        System.out.println(Machine.describe());
        W2CorpusA corpus = W2CorpusA.read(o.dump(), o.n());
        System.out.println("corpus: " + corpus.source);
        System.out.println("memory 0: '" + corpus.contents[0] + "'; query 0: '" + corpus.queries[0] + "'");

        long m0 = System.nanoTime();
        Embeddings embeddings = new Embeddings(new AllMiniLmL6V2EmbeddingModel());
        embeddings.embed("warm up the model");
        System.out.printf(Locale.ROOT, "model: langchain4j AllMiniLmL6V2EmbeddingModel (in process, ONNX), dimension %d, loaded in %.1f s%n",
                embeddings.dimension(), (System.nanoTime() - m0) / 1e9);

        OpenSearchClient client = OpenSearchClients.create(o.endpoint(), timeout);
        String version = client.info().version().number();
        String indexName = "w2-corpus-a";
        OpenSearchMemorySettings indexSettings = new OpenSearchMemorySettings(indexName, "lucene", embeddings.dimension(), o.candidates());
        // Default: searches run at the instant the memories were written, so no access time moves. --touch-after D:
        // searches run at the wall clock with that touch-after (PT0S: every hit of every search is touched).
        MemorySettings settings = o.touchAfter() == null ? MemorySettings.DEFAULT
                : new MemorySettings(MemorySettings.DEFAULT.mergeThreshold(), MemorySettings.DEFAULT.scoring(), o.touchAfter());
        OpenSearchMemoryStore store = new OpenSearchMemoryStore(client, embeddings, settings, indexSettings);
        System.out.printf(Locale.ROOT, "settings: OpenSearch %s at %s (single node, 1 shard, 0 replicas), index %s, engine lucene, "
                        + "hnsw cosinesimil (plugin defaults m=16, ef_construction=100), k=%d, candidates=%d (k-NN k=%d, re-ranked by "
                        + "MemoryScoring.DEFAULT), embedding one text at a time, bulk batches of %d, client timeout %d s, "
                        + "warm-up %d queries per set, %d repetitions of %d queries per set, %s%n",
                version, o.endpoint(), indexName, W2Recall.K, o.candidates(), W2Recall.K * o.candidates(), o.batch(), timeout.toSeconds(), o.warmup(),
                W2Recall.REPETITIONS, corpus.queries.length, o.touchAfter() == null
                        ? "searches at the write instant (no access-time touches)" : "touch-after " + o.touchAfter() + ", searches at the wall clock");
        System.out.println("tenants t-0/t-1 (the workload's t/0, t/1), namespaces ns/<i mod 100>; 'unfiltered' = tenant t-0, "
                + "no namespace filter (the store always filters by tenant)");

        if (client.indices().exists(e -> e.index(indexName)).value()) {
            client.indices().delete(d -> d.index(indexName));
        }
        store.ensureIndex();
        Instant now = Instant.now().truncatedTo(ChronoUnit.MILLIS);
        long e0 = System.nanoTime();
        float[][] vectors = new float[o.n()][];
        for (int i = 0; i < o.n(); i++) {
            vectors[i] = embeddings.embed(corpus.contents[i]);
        }
        double embedSeconds = (System.nanoTime() - e0) / 1e9;
        double bulkSeconds = W2OpenSearch.index(client, indexName, vectors, corpus.contents, o.batch(), now);
        long count = client.count(c -> c.index(indexName)).count();
        if (count != o.n()) {
            throw new IllegalStateException("the index holds " + count + " memories, expected " + o.n());
        }
        double indexSeconds = embedSeconds + bulkSeconds;
        double perSecond = o.n() / indexSeconds;
        System.out.printf(Locale.ROOT, "indexing: %,d memories in %.1f s = %,.0f memories/s (embedding %.1f s = %,.0f texts/s; "
                        + "bulk + refresh %.1f s = %,.0f memories/s)%n", o.n(), indexSeconds, perSecond, embedSeconds, o.n() / embedSeconds,
                bulkSeconds, o.n() / bulkSeconds);

        long q0 = System.nanoTime();
        float[][] queryVectors = Arrays.stream(corpus.queries).map(embeddings::embed).toArray(float[][]::new);
        System.out.printf(Locale.ROOT, "query embedding alone: %.2f ms per query (mean of %d)%n",
                (System.nanoTime() - q0) / 1e6 / corpus.queries.length, corpus.queries.length);
        List<W2Recall.QuerySet> sets = List.of(W2Recall.unfiltered(vectors, queryVectors, corpus.queries),
                W2Recall.filtered(vectors, queryVectors, corpus.queries));
        Map<String, List<W2Recall.Run>> runs = W2Recall.measure(store, sets, o.warmup(), o.touchAfter() == null ? () -> now : Instant::now);
        W2Recall.report(String.format(Locale.ROOT, "W2 corpus A, OpenSearch %s, MiniLM, N = %,d", version, o.n()), "w2.A", runs,
                String.format(Locale.ROOT, "%,.0f memories/s incl. embedding (%,d in %.1f s: embedding %.1f s, bulk %.1f s)", perSecond,
                        o.n(), indexSeconds, embedSeconds, bulkSeconds), perSecond);
    }
}
