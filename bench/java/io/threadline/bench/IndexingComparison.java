package io.threadline.bench;

import com.sun.management.OperatingSystemMXBean;
import dev.langchain4j.model.embedding.EmbeddingModel;
import io.threadline.memory.Embeddings;
import io.threadline.memory.MemorySettings;
import io.threadline.memory.MemoryWrite;
import io.threadline.memory.PutResult;
import io.threadline.memory.opensearch.OpenSearchMemorySettings;
import io.threadline.memory.opensearch.OpenSearchMemoryStore;
import org.opensearch.client.opensearch.OpenSearchClient;

import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * W2's indexing, three ways over the same first N vectors in one sitting, each into a fresh scratch index: the raw
 * bulk API (no put semantics: what W2 measured before {@code putAll}), {@code putAll} in batches (bulk writes with the
 * put semantics), and one {@code put} after another (N/10 of them). Wall time, and the client's CPU time (this
 * process; the node is another process), per way.
 */
final class IndexingComparison {

    /** One way's figures: wall seconds, this process's CPU nanoseconds, writes merged into another memory. */
    record Measured(double seconds, long cpuNanos, int merged) {}

    private static final String SCRATCH = "w2-indexing-compare";

    private IndexingComparison() {
    }

    static Measured putAll(OpenSearchMemoryStore store, float[][] vectors, int n, int batch, Instant now) {
        long cpu = cpu();
        long start = System.nanoTime();
        int merged = 0;
        for (int from = 0; from < n; from += batch) {
            List<MemoryWrite> writes = new ArrayList<>(batch);
            for (int i = from; i < Math.min(n, from + batch); i++) {
                writes.add(write(i));
            }
            for (PutResult r : store.putAll(writes, now)) {
                merged += r.merged() ? 1 : 0;
            }
        }
        return new Measured((System.nanoTime() - start) / 1e9, cpu() - cpu, merged);
    }

    static Measured putEach(OpenSearchMemoryStore store, int n, Instant now) {
        long cpu = cpu();
        long start = System.nanoTime();
        int merged = 0;
        for (int i = 0; i < n; i++) {
            merged += store.put(write(i), now).merged() ? 1 : 0;
        }
        return new Measured((System.nanoTime() - start) / 1e9, cpu() - cpu, merged);
    }

    private static MemoryWrite write(int i) {
        return new MemoryWrite("m-" + i, W2Recall.tenant(i), W2Recall.namespace(i), CorpusModel.content(i), "fact", 0.5, null, null, null,
                Map.of());
    }

    static void run(OpenSearchClient client, float[][] vectors, int n, int batch, int candidates, int graphM, int efConstruction,
                    EmbeddingModel model, MemorySettings settings, Instant now) throws IOException {
        OpenSearchMemoryStore store = new OpenSearchMemoryStore(client, new Embeddings(model), settings,
                new OpenSearchMemorySettings(SCRATCH, "lucene", W2CorpusB.DIMENSION, candidates, 0, graphM, efConstruction, batch,
                        OpenSearchMemorySettings.DEFAULT_SWEEP_PAGE));
        List<String> rows = new ArrayList<>();
        for (String way : List.of("raw _bulk (no put semantics)", "putAll (bulk, put semantics)", "put, one after another")) {
            if (client.indices().exists(e -> e.index(SCRATCH)).value()) {
                client.indices().delete(d -> d.index(SCRATCH));
            }
            store.ensureIndex();
            // Under load the new index's shard may start after the create returns: wait, or the first write meets a 503.
            client.cluster().health(h -> h.index(SCRATCH).waitForStatus(org.opensearch.client.opensearch._types.HealthStatus.Yellow)
                    .timeout(t -> t.time("120s")));
            double load = ManagementFactory.getOperatingSystemMXBean().getSystemLoadAverage();
            int count = way.startsWith("put,") ? Math.max(1, n / 10) : n;
            Measured m;
            if (way.startsWith("raw")) {
                long cpu = cpu();
                double seconds = W2OpenSearch.index(client, SCRATCH, Arrays.copyOf(vectors, count), null, batch, now);
                m = new Measured(seconds, cpu() - cpu, 0);
            } else if (way.startsWith("putAll")) {
                m = putAll(store, vectors, count, batch, now);
            } else {
                m = putEach(store, count, now);
            }
            long stored = W2OpenSearch.memories(client, SCRATCH);
            rows.add(String.format(Locale.ROOT, "| %s | %,d | %.1f | %,.0f | %.1f | %.2f | %d | %,d | %.1f |", way, count, m.seconds(),
                    count / m.seconds(), m.cpuNanos() / 1e9, m.cpuNanos() / 1e6 / count, m.merged(), stored, load));
            System.out.println("indexing comparison: " + rows.get(rows.size() - 1));
        }
        client.indices().delete(d -> d.index(SCRATCH));
        System.out.printf(Locale.ROOT, "%n| W2 corpus B indexing, first %,d vectors, batches of %d | memories | wall (s) | memories/s "
                + "| client CPU (s) | client CPU per memory (ms) | merged | stored | load average at its start |%n"
                + "|---|---|---|---|---|---|---|---|---|%n", n, batch);
        rows.forEach(System.out::println);
        System.out.println();
    }

    /** This process's CPU time (all threads), in nanoseconds: the client's, the node being another process. */
    private static long cpu() {
        return ((OperatingSystemMXBean) ManagementFactory.getOperatingSystemMXBean()).getProcessCpuTime();
    }
}
