package io.threadline.memory.opensearch;

import io.threadline.memory.Embeddings;
import io.threadline.memory.MemorySettings;
import io.threadline.memory.MemoryWrite;
import org.junit.jupiter.api.Test;

import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

/** Where a batch is cut into runs: a run never holds two writes that the node's check could see as near-duplicates. */
class BulkPutsRunsTest {

    private static final double THRESHOLD = MemorySettings.DEFAULT.mergeThreshold();

    /** Two unit vectors whose cosine, as this client computes it, is {@code cosine}. */
    private static float[][] pairAt(double cosine) {
        float[] a = new float[8];
        float[] b = new float[8];
        a[0] = 1;
        b[0] = (float) cosine;
        b[1] = (float) Math.sqrt(1 - cosine * cosine);
        return new float[][] {a, b};
    }

    private static List<BulkPuts.Run> runsOf(float[][] vectors) {
        return BulkPuts.runs(List.of(MemoryWrite.of("t", "ns", "one"), MemoryWrite.of("t", "ns", "two")), vectors, THRESHOLD);
    }

    @Test
    void aPairJustBelowTheThresholdOnThisClientGoesToSeparateRunsForTheNodeToDecide() {
        // The node's cosine of this pair may be at or above the threshold in its last digits: in one run it would be two memories.
        float[][] vectors = pairAt(THRESHOLD - 1e-6);
        assertThat(Embeddings.cosine(vectors[0], vectors[1])).isLessThan(THRESHOLD);
        assertThat(runsOf(vectors)).hasSize(2);
    }

    @Test
    void aPairAtTheThresholdGoesToSeparateRuns() {
        assertThat(runsOf(pairAt(THRESHOLD))).hasSize(2);
    }

    @Test
    void aPairClearlyBelowTheThresholdStaysInOneRun() {
        float[][] vectors = pairAt(THRESHOLD - 10 * BulkPuts.CUT_MARGIN);
        assertThat(runsOf(vectors)).hasSize(1);
        assertThat(runsOf(vectors).get(0).items()).extracting(BulkPuts.Item::position).containsExactly(0, 1);
    }
}
