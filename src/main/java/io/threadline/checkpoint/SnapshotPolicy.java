package io.threadline.checkpoint;

/**
 * When a checkpoint stores the whole state instead of a delta: once the deltas written since the
 * last snapshot reach {@code ratio} times that snapshot's size.
 *
 * <p>For a growing state this places snapshots at geometrically spaced steps, so all snapshots
 * together stay within {@code (1 + ratio) / ratio} times the final state and all deltas within about
 * one final state: storage grows linearly with the work. Loading the latest state reads one snapshot
 * plus at most {@code ratio} times its size in deltas. A larger ratio stores less and reads more.
 */
public record SnapshotPolicy(double ratio) {

    /** The default (configured as {@code threadline.checkpoint.snapshot-ratio}). */
    public static final SnapshotPolicy DEFAULT = new SnapshotPolicy(2.0);

    public SnapshotPolicy {
        if (!(ratio > 0) || Double.isInfinite(ratio)) {
            throw new IllegalArgumentException("snapshot ratio must be a positive number, got " + ratio);
        }
    }

    /**
     * @param snapshotBytes       size of the latest snapshot
     * @param deltaBytesWithNext  size of the deltas since it, including the one about to be written
     */
    public boolean snapshotDue(long snapshotBytes, long deltaBytesWithNext) {
        return deltaBytesWithNext >= ratio * snapshotBytes;
    }
}
