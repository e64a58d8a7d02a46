package io.threadline.checkpoint;

import java.time.Duration;

/**
 * When a checkpoint stores the whole state instead of a delta: once the deltas written since the
 * last snapshot reach {@code ratio} times that snapshot's size, once the last snapshot is older
 * than {@code maxAge} (when set) — so that with expiring checkpoints (DynamoDB TTL) an active
 * thread always has a snapshot younger than its deltas' expiry — or once a cold read of the latest state
 * would fetch more than {@code maxReadBytes} (when set).
 *
 * <p>For a growing state the ratio places snapshots at geometrically spaced steps, so all snapshots
 * together stay within {@code (1 + ratio) / ratio} times the final state and all deltas within about
 * one final state: storage grows linearly with the work. Loading the latest state reads one snapshot
 * plus at most {@code ratio} times its size in deltas. A larger ratio stores less and reads more.
 *
 * <p>The read bound counts what a cold read fetches as a store keeps it: the snapshot, and each delta
 * checkpoint with everything its envelope carries ({@link #readBytes}: the change, the step's input where the
 * change does not already hold it, effects and outbox, its header) — on DynamoDB a delta checkpoint is about twice its change. When the
 * snapshot and the deltas since it would pass {@code maxReadBytes}, the next checkpoint is a snapshot,
 * but never before the deltas since the last one hold at least as many bytes as it: a state near the bound
 * would otherwise be written whole at every step (with {@code readBytesPerDelta}, the deltas' bytes plus that charge
 * each). So a cold read fetches at most {@code maxReadBytes}
 * while the snapshot is under half of it, and at most two snapshots' worth beyond that.
 *
 * <p>{@code readBytesPerDelta} charges each delta checkpoint that many bytes more in the read bound's count, for what
 * a cold read pays per delta whatever its size (decoding its envelope and applying its change; on DynamoDB, an item
 * or a packed member). A large state changed a little at each step otherwise waits for thousands of small deltas
 * before its next snapshot: their bytes are few, the work of applying them is not. With it, such a thread takes
 * snapshots sooner, so a cold read applies fewer deltas, at the price of more snapshots stored and written. 0 (the
 * default) counts bytes only; it has no effect when {@code maxReadBytes} is 0, and must stay under half of it (a delta
 * would otherwise count as much as a snapshot near the bound, and such a snapshot be written at every step).
 */
public record SnapshotPolicy(double ratio, Duration maxAge, long maxReadBytes, long readBytesPerDelta) {

    /**
     * The default read bound ({@code threadline.checkpoint.snapshot-read-bytes}): under DynamoDB's 1 MiB Query page
     * (1,048,576 bytes), with room for the HEAD item and for a delta's size estimated before it is stored.
     */
    public static final long DEFAULT_MAX_READ_BYTES = 1_000_000;

    /**
     * The default (configured as {@code threadline.checkpoint.snapshot-ratio} and {@code snapshot-read-bytes}); no age
     * limit, and a cold read bound to {@link #DEFAULT_MAX_READ_BYTES}.
     */
    public static final SnapshotPolicy DEFAULT = new SnapshotPolicy(2.0, null, DEFAULT_MAX_READ_BYTES, 0);

    /** Bytes a delta checkpoint's envelope adds to what it carries: ids, nodes, decisions, status, keys. */
    static final int HEADER_BYTES = 256;

    public SnapshotPolicy {
        if (!(ratio > 0) || Double.isInfinite(ratio)) {
            throw new IllegalArgumentException("snapshot ratio must be a positive number, got " + ratio);
        }
        if (maxAge != null && (maxAge.isNegative() || maxAge.isZero())) {
            maxAge = null;
        }
        if (maxReadBytes < 0) {
            throw new IllegalArgumentException("snapshot read bytes must be 0 (no bound) or positive, got " + maxReadBytes);
        }
        if (readBytesPerDelta < 0) {
            throw new IllegalArgumentException("snapshot read bytes per delta must be 0 or positive, got " + readBytesPerDelta);
        }
        if (maxReadBytes > 0 && readBytesPerDelta >= maxReadBytes / 2) {
            // one delta would then count as much as half the bound: a snapshot at every step once the snapshot is that large
            throw new IllegalArgumentException("snapshot read bytes per delta must be under half of snapshot read bytes ("
                    + maxReadBytes / 2 + "), got " + readBytesPerDelta);
        }
    }

    public SnapshotPolicy(double ratio, Duration maxAge, long maxReadBytes) {
        this(ratio, maxAge, maxReadBytes, 0);
    }

    public SnapshotPolicy(double ratio, Duration maxAge) {
        this(ratio, maxAge, 0);
    }

    public SnapshotPolicy(double ratio) {
        this(ratio, null, 0);
    }

    public SnapshotPolicy withMaxAge(Duration age) {
        return new SnapshotPolicy(ratio, age, maxReadBytes, readBytesPerDelta);
    }

    /** This policy with a bound on what a cold read of the latest state fetches (0: none). */
    public SnapshotPolicy withMaxReadBytes(long bytes) {
        return new SnapshotPolicy(ratio, maxAge, bytes, readBytesPerDelta);
    }

    /** This policy charging each delta {@code bytes} more in the read bound's count (0: bytes only). */
    public SnapshotPolicy withReadBytesPerDelta(long bytes) {
        return new SnapshotPolicy(ratio, maxAge, maxReadBytes, bytes);
    }

    /**
     * @param snapshotBytes       size of the latest snapshot
     * @param deltaBytesWithNext  size of the deltas since it, including the one about to be written
     * @param snapshotAge         how long ago the latest snapshot was written
     */
    public boolean snapshotDue(long snapshotBytes, long deltaBytesWithNext, Duration snapshotAge) {
        return deltaBytesWithNext >= ratio * snapshotBytes || maxAge != null && snapshotAge.compareTo(maxAge) >= 0;
    }

    /**
     * @param readBytesWithNext what a cold read fetches for the delta checkpoints since the snapshot, including the
     *                          one about to be written ({@link #readBytes} of each)
     */
    public boolean snapshotDue(long snapshotBytes, long deltaBytesWithNext, long readBytesWithNext, Duration snapshotAge) {
        return snapshotDue(snapshotBytes, snapshotBytes, deltaBytesWithNext, readBytesWithNext, snapshotAge);
    }

    /**
     * @param snapshotReadBytes what a cold read fetches for the latest snapshot: as the store keeps it (compressed,
     *                          with its item's attributes) when the store said, else {@code snapshotBytes}
     * @param readBytesWithNext what a cold read fetches for the delta checkpoints since the snapshot, including the
     *                          one about to be written (as stored where the store said, else {@link #readBytes})
     */
    public boolean snapshotDue(long snapshotBytes, long snapshotReadBytes, long deltaBytesWithNext, long readBytesWithNext,
                               Duration snapshotAge) {
        return snapshotDue(snapshotBytes, snapshotReadBytes, deltaBytesWithNext, readBytesWithNext, 0, snapshotAge);
    }

    /**
     * @param deltasWithNext the delta checkpoints since the snapshot, the one about to be written included: each adds
     *                       {@code readBytesPerDelta} to {@code readBytesWithNext} (the overloads without it count none)
     */
    public boolean snapshotDue(long snapshotBytes, long snapshotReadBytes, long deltaBytesWithNext, long readBytesWithNext,
                               long deltasWithNext, Duration snapshotAge) {
        long read = saturatedSum(readBytesWithNext, saturatedProduct(readBytesPerDelta, deltasWithNext));
        return snapshotDue(snapshotBytes, deltaBytesWithNext, snapshotAge)
                || maxReadBytes > 0 && read > maxReadBytes - snapshotReadBytes && read >= snapshotReadBytes;
    }

    private static long saturatedProduct(long a, long b) {
        long high = Math.multiplyHigh(a, b);
        long low = a * b;
        return high == 0 && low >= 0 ? low : Long.MAX_VALUE; // both are never negative here
    }

    private static long saturatedSum(long a, long b) {
        long sum = a + b;
        return sum < 0 ? Long.MAX_VALUE : sum;
    }

    /**
     * What a cold read fetches for one delta checkpoint, estimated without encoding it: its change, the payloads
     * its envelope carries, and {@link #HEADER_BYTES} for the rest.
     */
    public static long readBytes(Checkpoint checkpoint) {
        long bytes = HEADER_BYTES + checkpoint.change().size();
        bytes += CheckpointCodec.storedInputBytes(checkpoint); // none when the delta carries it
        bytes += checkpoint.effects() == null ? 0 : checkpoint.effects().json().length();
        bytes += checkpoint.outbox() == null ? 0 : checkpoint.outbox().json().length();
        bytes += checkpoint.interrupt() == null ? 0 : checkpoint.interrupt().json().length();
        if (checkpoint.error() != null) {
            bytes += length(checkpoint.error().message()) + length(checkpoint.error().stack());
        }
        return bytes;
    }

    private static int length(String s) {
        return s == null ? 0 : s.length();
    }
}
