package io.threadline.bench;

import io.threadline.memory.Embeddings;
import io.threadline.memory.MemoryQuery;
import io.threadline.memory.MemorySettings;
import io.threadline.memory.opensearch.MemoryIndexMaintenance;
import io.threadline.memory.opensearch.OpenSearchClients;
import io.threadline.memory.opensearch.OpenSearchMemorySettings;
import io.threadline.memory.opensearch.OpenSearchMemoryStore;
import io.threadline.memory.opensearch.SearchShapes;
import org.opensearch.client.opensearch.OpenSearchClient;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.lang.management.ManagementFactory;
import java.net.URI;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.logging.Level;
import java.util.logging.Logger;

/**
 * Session 36 (bench only): where a W2 search's time goes, request shapes interleaved against one node's index.
 * {@code java ... SearchShapesMain --endpoint URL [--n N] [--ef-search E] [--rounds R] [--only store]}.
 */
public final class SearchShapesMain {

    static final Instant NOW = Instant.parse("2026-12-07T12:00:00Z");

    /** The command line's settings. */
    record Options(URI endpoint, int n, int ef, int rounds, String only, String set) {
        static Options parse(String[] args) {
            BenchArgs cli = new BenchArgs("SearchShapesMain",
                    "java ... io.threadline.bench.SearchShapesMain --endpoint URL [--n N] [--ef-search E] [--rounds R]"
                            + " [--only NAME] [--set unfiltered|filtered]");
            var endpoint = cli.option("--endpoint", URI.create("http://127.0.0.1:9200"), "a URL", URI::create);
            var n = cli.intOption("--n", W2CorpusB.SIZE);
            var ef = cli.intOption("--ef-search", 200);
            var rounds = cli.intOption("--rounds", 3);
            // null: every shape; else the shapes whose name contains it
            var only = cli.stringOption("--only", null);
            var set = cli.choiceOption("--set", "unfiltered", "unfiltered", "filtered");
            cli.read(args);
            return new Options(endpoint.get(), n.get(), ef.get(), rounds.get(), only.get(), set.get());
        }
    }

    public static void main(String[] args) throws Exception {
        if (!Boolean.getBoolean("search.all-levels")) {
            Logger.getLogger("").setLevel(Level.INFO);
        }
        Options o = BenchArgs.parseOrExit(args, Options::parse);
        W2CorpusB corpus = W2CorpusB.generate(o.n());
        OpenSearchClient client = OpenSearchClients.create(o.endpoint(), SearchShapes.timeout());
        String index = "w2-ab-" + o.n();
        OpenSearchMemorySettings settings = new OpenSearchMemorySettings(index, "lucene", W2CorpusB.DIMENSION, 4, o.ef(), 16, 100);
        OpenSearchMemoryStore store = new OpenSearchMemoryStore(client, new Embeddings(new CorpusModel(corpus.vectors)),
                MemorySettings.DEFAULT, settings);
        if (!client.indices().exists(e -> e.index(index)).value()) {
            store.ensureIndex();
            double s = W2OpenSearch.index(client, index, corpus.vectors, null, 1000, NOW);
            System.out.printf(Locale.ROOT, "indexed %d in %.1f s%n", o.n(), s);
            MemoryIndexMaintenance maintenance = new MemoryIndexMaintenance(client, index);
            MemoryIndexMaintenance.Compaction c = maintenance.compact(1);
            while (!maintenance.compacted(c)) {
                Thread.sleep(500);
            }
            System.out.println("compacted: " + c.segmentsBefore() + " -> " + maintenance.segments());
        }
        W2Recall.QuerySet qs = o.set().equals("filtered") ? W2Recall.filtered(corpus.vectors, corpus.queries, null)
                : W2Recall.unfiltered(corpus.vectors, corpus.queries, null);
        int queries = qs.vectors().length;
        List<MemoryQuery> mq = new ArrayList<>();
        for (int q = 0; q < queries; q++) {
            mq.add(new MemoryQuery(qs.tenants()[q], null, qs.vectors()[q], 10, qs.prefixes()[q], Map.of(), 0));
        }
        SearchShapes shapes = new SearchShapes(o.endpoint(), index, client, store, o.ef());
        String noEmbedding = "{\"excludes\":[\"embedding\",\"metadataTerms\",\"expiry\"]}";
        String rescore = "\"rescore\":{\"window_size\":40,\"query\":{\"score_mode\":\"total\",\"query_weight\":1.6,"
                + "\"rescore_query_weight\":1.0,\"rescore_query\":{\"script_score\":{\"query\":{\"match_all\":{}},\"script\":{"
                + "\"source\":\"double age = Math.max(0, Math.floor((params.now - doc['accessedAt'].value.toInstant().toEpochMilli()) / 1000.0));"
                + " return params.wr * Math.pow(0.5, age / params.h) + params.wi * doc['importance'].value;\","
                + "\"params\":{\"now\":" + NOW.toEpochMilli() + ",\"h\":2592000.0,\"wr\":0.1,\"wi\":0.1}}}}}}";
        String sort = "\"track_scores\":true,\"sort\":[{\"_script\":{\"type\":\"number\",\"order\":\"desc\",\"script\":{"
                + "\"source\":\"double age = Math.max(0, Math.floor((params.now - doc['accessedAt'].value.toInstant().toEpochMilli()) / 1000.0));"
                + " return params.ws * (2 * _score - 1) + params.wr * Math.pow(0.5, age / params.h) + params.wi * doc['importance'].value;\","
                + "\"params\":{\"now\":" + NOW.toEpochMilli() + ",\"h\":2592000.0,\"ws\":0.8,\"wr\":0.1,\"wi\":0.1}}}}]";
        List<byte[]> storeBody = bodies(shapes, mq, 40, 40, noEmbedding, null);
        List<byte[]> noSource = bodies(shapes, mq, 40, 40, "false", null);
        List<byte[]> ten = bodies(shapes, mq, 10, 40, noEmbedding, null);
        List<byte[]> rescored = bodies(shapes, mq, 12, 40, noEmbedding, rescore);
        List<byte[]> sorted = bodies(shapes, mq, 12, 40, noEmbedding, sort);
        List<SearchShapes.Shape> all = new ArrayList<>();
        OpenSearchMemoryStore asyncStore = new OpenSearchMemoryStore(SearchShapes.asyncOnly(client),
                new Embeddings(new CorpusModel(corpus.vectors)), MemorySettings.DEFAULT, settings);
        all.add(new SearchShapes.Shape("store.search, async transport (main)", q -> {
            asyncStore.search(mq.get(q), NOW);
            return null;
        }));
        all.add(new SearchShapes.Shape("store.search, blocking (this branch)", q -> {
            store.search(mq.get(q), NOW);
            return null;
        }));
        {
            all.add(new SearchShapes.Shape("store's body, JDK HttpClient", q -> shapes.viaJdk(storeBody.get(q))));
            all.add(new SearchShapes.Shape("store's body, Apache classic", q -> shapes.viaClassic(storeBody.get(q))));
            all.add(new SearchShapes.Shape("store's body, Apache classic 64K buffer", q -> shapes.viaClassicBig(storeBody.get(q))));
            all.add(new SearchShapes.Shape("store's body, HttpURLConnection", q -> shapes.viaUrlConnection(storeBody.get(q))));
            all.add(new SearchShapes.Shape("rescore window 40, size 12, Apache classic", q -> shapes.viaClassic(rescored.get(q))));
            all.add(new SearchShapes.Shape("store's body, blocking socket", q -> shapes.viaSocket(storeBody.get(q))));
            all.add(new SearchShapes.Shape("no _source, socket", q -> shapes.viaSocket(noSource.get(q))));
            all.add(new SearchShapes.Shape("size 10 (10 sources), socket", q -> shapes.viaSocket(ten.get(q))));
            all.add(new SearchShapes.Shape("rescore window 40, size 12, socket", q -> shapes.viaSocket(rescored.get(q))));

        }
        if (o.only() != null) {
            all.removeIf(sh -> !sh.name().contains(o.only()));
        }
        System.out.println(new String(rescored.get(0), 0, 200) + " ...");
        // warm-up
        shapes.interleaved(all, queries, 1);
        double load0 = ManagementFactory.getOperatingSystemMXBean().getSystemLoadAverage();
        List<SearchShapes.Figures> figures = shapes.interleaved(all, queries, o.rounds());
        double load1 = ManagementFactory.getOperatingSystemMXBean().getSystemLoadAverage();
        System.out.printf(Locale.ROOT, "%s, N = %d, ef_search %d, %d rounds x %d queries interleaved, load %.2f -> %.2f%n", o.set(), o.n(), o.ef(),
                o.rounds(), queries, load0, load1);
        System.out.println("| shape | p50 ms | mean ms | p95 ms | calling thread CPU us | took mean ms | answer KiB |");
        System.out.println("|---|---|---|---|---|---|---|");
        for (SearchShapes.Figures f : figures) {
            System.out.printf(Locale.ROOT, "| %s | %.2f | %.2f | %.2f | %.0f | %.2f | %.1f |%n", f.name(), f.p50(), f.mean(), f.p95(),
                    f.threadCpuUs(), f.tookMean(), f.kb());
        }
        System.exit(0);
    }

    private static List<byte[]> bodies(SearchShapes shapes, List<MemoryQuery> mq, int size, int k, String source, String extra) {
        List<byte[]> out = new ArrayList<>();
        for (MemoryQuery q : mq) {
            try {
                out.add(shapes.body(q, NOW, size, k, source, extra));
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }
        return out;
    }
}
