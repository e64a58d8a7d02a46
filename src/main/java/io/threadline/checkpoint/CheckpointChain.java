package io.threadline.checkpoint;

import java.util.List;

/**
 * The checkpoints needed to materialise the last one: a snapshot first, then each following delta
 * in step order. Consecutive steps, no gaps.
 *
 * @param checkpoints the snapshot, then its deltas
 * @param storedBytes for each checkpoint, in the same order, what the store read for it as it keeps it (on DynamoDB
 *                    its items' sizes, after compression); empty when the store does not say
 */
public record CheckpointChain(List<Checkpoint> checkpoints, List<Long> storedBytes) {

    public CheckpointChain {
        checkpoints = List.copyOf(checkpoints);
        storedBytes = List.copyOf(storedBytes);
        if (checkpoints.isEmpty() || !checkpoints.get(0).isSnapshot()) {
            throw new IllegalArgumentException("a chain starts with a snapshot");
        }
        for (int i = 1; i < checkpoints.size(); i++) {
            if (checkpoints.get(i).step() != checkpoints.get(i - 1).step() + 1) {
                throw new IllegalArgumentException("a chain has consecutive steps");
            }
        }
        if (!storedBytes.isEmpty() && storedBytes.size() != checkpoints.size()) {
            throw new IllegalArgumentException("a chain's stored sizes are one per checkpoint or none, got "
                    + storedBytes.size() + " for " + checkpoints.size());
        }
    }

    /** A chain whose store does not say what it read. */
    public CheckpointChain(List<Checkpoint> checkpoints) {
        this(checkpoints, List.of());
    }

    /** This chain's checkpoints replaced one for one (opened, say), keeping what the store said it read. */
    public CheckpointChain withCheckpoints(List<Checkpoint> replaced) {
        return new CheckpointChain(replaced, storedBytes);
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

    /** Whether the store said what it read for each checkpoint ({@link #storedBytes}). */
    public boolean storedBytesKnown() {
        return !storedBytes.isEmpty();
    }

    /** What a cold read fetches for the snapshot: as stored when the store says, else its state's bytes. */
    public long snapshotReadBytes() {
        return storedBytesKnown() ? storedBytes.get(0) : snapshotBytes();
    }

    /** Bytes of the deltas after the snapshot. */
    public long deltaBytes() {
        long sum = 0;
        for (int i = 1; i < checkpoints.size(); i++) {
            sum += checkpoints.get(i).change().size();
        }
        return sum;
    }

    /**
     * What a cold read fetches for the deltas after the snapshot: as stored when the store says, else
     * {@link SnapshotPolicy#readBytes} of each.
     */
    public long deltaReadBytes() {
        long sum = 0;
        for (int i = 1; i < checkpoints.size(); i++) {
            sum += storedBytesKnown() ? storedBytes.get(i) : SnapshotPolicy.readBytes(checkpoints.get(i));
        }
        return sum;
    }
}
