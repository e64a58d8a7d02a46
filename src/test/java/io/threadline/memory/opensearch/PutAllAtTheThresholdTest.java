package io.threadline.memory.opensearch;

import dev.langchain4j.data.embedding.Embedding;
import dev.langchain4j.data.segment.TextSegment;
import dev.langchain4j.model.embedding.EmbeddingModel;
import dev.langchain4j.model.output.Response;
import io.threadline.memory.Embeddings;
import io.threadline.memory.MemoryHit;
import io.threadline.memory.MemoryQuery;
import io.threadline.memory.MemorySettings;
import io.threadline.memory.MemoryWrite;
import io.threadline.memory.PutResult;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.time.Instant;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.UUID;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * A batch decides a pair at the merge threshold as one {@code put} after another does: on the node's cosine. The node
 * computes it in float, in its own order, and answers it as a float score, so it can differ from this client's in the
 * last digits; a pair this client puts just below the threshold and the node at it must still merge in a batch.
 */
class PutAllAtTheThresholdTest {

    private static final Instant T0 = Instant.parse("2026-06-01T12:00:00Z");
    private static final int DIMENSION = 64;
    private static final double THRESHOLD = MemorySettings.DEFAULT.mergeThreshold();

    /** Each text's vector, as the test set it. */
    private record FixedModel(Map<String, float[]> vectors) implements EmbeddingModel {
        @Override
        public Response<List<Embedding>> embedAll(List<TextSegment> segments) {
            return Response.from(segments.stream().map(s -> Embedding.from(vectors.get(s.text()))).toList());
        }

        @Override
        public int dimension() {
            return DIMENSION;
        }
    }

    @Test
    void aPairThisClientPutsJustBelowTheThresholdAndTheNodeAtItMergesInABatch() {
        Map<String, float[]> vectors = new HashMap<>();
        OpenSearchMemorySettings index = new OpenSearchMemorySettings("memories-" + UUID.randomUUID(), "lucene", DIMENSION, 4);
        OpenSearchMemoryStore store = new OpenSearchMemoryStore(OpenSearchClients.create(OpenSearchNode.get().endpoint(),
                Duration.ofSeconds(30)), new Embeddings(new FixedModel(vectors)), MemorySettings.DEFAULT, index);
        store.ensureIndex();
        // Pairs just below the threshold on this client, until the node puts one at or above it (about one in two does).
        Random random = new Random(7);
        float[][] found = null;
        for (int attempt = 0; attempt < 40 && found == null; attempt++) {
            float[][] pair = justBelow(random);
            vectors.put("probe " + attempt, pair[0]);
            store.put(MemoryWrite.of("probe", "ns-" + attempt, "probe " + attempt), T0);
            List<MemoryHit> hits = store.search(new MemoryQuery("probe", null, pair[1], 1, "ns-" + attempt, Map.of(), 0), T0);
            if (hits.get(0).similarity() >= THRESHOLD) {
                found = pair;
            }
        }
        assertThat(found).as("a pair below the threshold here and at or above it on the node").isNotNull();
        vectors.put("first", found[0]);
        vectors.put("second", found[1]);

        List<PutResult> results = store.putAll(List.of(MemoryWrite.of("batch", "ns", "first"), MemoryWrite.of("batch", "ns", "second")), T0);

        assertThat(results).extracting(PutResult::merged).as("merged, as put after put merges it").containsExactly(false, true);
        assertThat(results.get(1).memory().id()).isEqualTo(results.get(0).memory().id());
        assertThat(store.search(new MemoryQuery("batch", null, found[0], 10, "ns", Map.of(), 0), T0)).hasSize(1);
    }

    /** Two unit vectors (as the store normalizes them) whose cosine here is within 3e-7 below the threshold. */
    private static float[][] justBelow(Random random) {
        double[] a = gaussian(random);
        double[] u = gaussian(random);
        double dot = 0;
        for (int i = 0; i < DIMENSION; i++) {
            dot += a[i] * u[i];
        }
        double norm = 0;
        for (int i = 0; i < DIMENSION; i++) {
            u[i] -= dot * a[i]; // orthogonal to a (a is a unit vector)
            norm += u[i] * u[i];
        }
        float[] first = Embeddings.normalized(toFloats(a, 1, u, 0));
        for (int step = 1; ; step++) {
            double c = THRESHOLD - step * 1e-8;
            float[] second = Embeddings.normalized(toFloats(a, c, u, Math.sqrt(1 - c * c) / Math.sqrt(norm)));
            double here = Embeddings.cosine(Embeddings.normalized(first), Embeddings.normalized(second));
            if (here < THRESHOLD && here >= THRESHOLD - 3e-7) {
                return new float[][] {first, second};
            }
            if (here < THRESHOLD - 3e-7) {
                return justBelow(random);
            }
        }
    }

    private static double[] gaussian(Random random) {
        double[] v = new double[DIMENSION];
        double norm = 0;
        for (int i = 0; i < DIMENSION; i++) {
            v[i] = random.nextGaussian();
            norm += v[i] * v[i];
        }
        for (int i = 0; i < DIMENSION; i++) {
            v[i] /= Math.sqrt(norm);
        }
        return v;
    }

    private static float[] toFloats(double[] a, double x, double[] u, double y) {
        float[] out = new float[DIMENSION];
        for (int i = 0; i < DIMENSION; i++) {
            out[i] = (float) (x * a[i] + y * u[i]);
        }
        return out;
    }
}
