package io.threadline.checkpoint;

import java.time.Duration;

/**
 * When a checkpoint stores the whole state instead of a delta: once the deltas written since the
 * last snapshot reach {@code ratio} times that snapshot's size, or once the last snapshot is older
 * than {@code maxAge} (when set) — so that with expiring checkpoints (DynamoDB TTL) an active
 * thread always has a snapshot younger than its deltas' expiry.
 *
 * <p>For a growing state this places snapshots at geometrically spaced steps, so all snapshots
 * together stay within {@code (1 + ratio) / ratio} times the final state and all deltas within about
 * one final state: storage grows linearly with the work. Loading the latest state reads one snapshot
 * plus at most {@code ratio} times its size in deltas. A larger ratio stores less and reads more.
 */
public record SnapshotPolicy(double ratio, Duration maxAge) {

    /** The default (configured as {@code threadline.checkpoint.snapshot-ratio}); no age limit. */
    public static final SnapshotPolicy DEFAULT = new SnapshotPolicy(2.0);

    public SnapshotPolicy {
        if (!(ratio > 0) || Double.isInfinite(ratio)) {
            throw new IllegalArgumentException("snapshot ratio must be a positive number, got " + ratio);
        }
        if (maxAge != null && (maxAge.isNegative() || maxAge.isZero())) {
            maxAge = null;
        }
    }

    public SnapshotPolicy(double ratio) {
        this(ratio, null);
    }

    public SnapshotPolicy withMaxAge(Duration age) {
        return new SnapshotPolicy(ratio, age);
    }

    /**
     * @param snapshotBytes       size of the latest snapshot
     * @param deltaBytesWithNext  size of the deltas since it, including the one about to be written
     * @param snapshotAge         how long ago the latest snapshot was written
     */
    public boolean snapshotDue(long snapshotBytes, long deltaBytesWithNext, Duration snapshotAge) {
        return deltaBytesWithNext >= ratio * snapshotBytes || maxAge != null && snapshotAge.compareTo(maxAge) >= 0;
    }
}
