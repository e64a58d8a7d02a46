package io.threadline.checkpoint.dynamodb.internal;

import software.amazon.awssdk.services.dynamodb.model.AttributeValue;

import java.util.BitSet;
import java.util.Map;

/**
 * The distinct steps a run of checkpoint and pack items holds, for what a prune or a delete reports: a pack and the items
 * of its deltas its deletes left (or another pack over the same steps) count each checkpoint once, as a thread holds one
 * checkpoint a step.
 */
final class CheckpointSteps {

    private final BitSet steps = new BitSet();
    /** Checkpoints whose steps the set cannot hold (beyond an int, or not said): counted as they come. */
    private long uncounted;

    void add(Map<String, AttributeValue> item) {
        if (!item.containsKey(Keys.STEP)) {
            uncounted++;
            return;
        }
        long from = CheckpointItems.stepOf(item);
        long to = CheckpointItems.lastStepOf(item);
        if (from < 0 || to >= Integer.MAX_VALUE || to < from) {
            uncounted += Math.max(1, to - from + 1);
            return;
        }
        steps.set((int) from, (int) to + 1);
    }

    long count() {
        return steps.cardinality() + uncounted;
    }
}
