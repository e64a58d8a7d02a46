package io.threadline.checkpoint;

import java.util.List;

/**
 * The checkpoints needed to materialise the last one: a snapshot first, then each following delta
 * in step order. Consecutive steps, no gaps.
 */
public record CheckpointChain(List<Checkpoint> checkpoints) {

    public CheckpointChain {
        checkpoints = List.copyOf(checkpoints);
        if (checkpoints.isEmpty() || !checkpoints.get(0).isSnapshot()) {
            throw new IllegalArgumentException("a chain starts with a snapshot");
        }
        for (int i = 1; i < checkpoints.size(); i++) {
            if (checkpoints.get(i).step() != checkpoints.get(i - 1).step() + 1) {
                throw new IllegalArgumentException("a chain has consecutive steps");
            }
        }
    }

    public Checkpoint target() {
        return checkpoints.get(checkpoints.size() - 1);
    }

    public Checkpoint snapshot() {
        return checkpoints.get(0);
    }

    /** Bytes of the snapshot. */
    public long snapshotBytes() {
        return snapshot().change().size();
    }

    /** Bytes of the deltas after the snapshot. */
    public long deltaBytes() {
        long sum = 0;
        for (int i = 1; i < checkpoints.size(); i++) {
            sum += checkpoints.get(i).change().size();
        }
        return sum;
    }

    /** What a cold read fetches for the deltas after the snapshot ({@link SnapshotPolicy#readBytes} of each). */
    public long deltaReadBytes() {
        long sum = 0;
        for (int i = 1; i < checkpoints.size(); i++) {
            sum += SnapshotPolicy.readBytes(checkpoints.get(i));
        }
        return sum;
    }
}
