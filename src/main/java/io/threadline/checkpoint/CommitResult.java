package io.threadline.checkpoint;

/**
 * The outcome of a commit that did not conflict.
 *
 * @param checkpoint  the stored checkpoint: the new one, or for a duplicate the one first committed
 *                    with the same idempotency key
 * @param duplicate   true when nothing was written because the key had been seen
 * @param storedBytes what the store wrote for the checkpoint as a read of it fetches it (on DynamoDB its items'
 *                    sizes, after compression), or {@link #UNKNOWN} when the store does not say (and for a duplicate).
 *                    The snapshot policy's read bound counts this instead of its own estimate.
 */
public record CommitResult(Checkpoint checkpoint, boolean duplicate, long storedBytes) {

    /** {@link #storedBytes} of a store that does not report what it wrote. */
    public static final long UNKNOWN = -1;

    public CommitResult {
        if (storedBytes < 0) {
            storedBytes = UNKNOWN;
        }
    }

    /** A result without the stored size ({@link #UNKNOWN}). */
    public CommitResult(Checkpoint checkpoint, boolean duplicate) {
        this(checkpoint, duplicate, UNKNOWN);
    }

    /** Whether the store said how many bytes it wrote. */
    public boolean storedBytesKnown() {
        return storedBytes != UNKNOWN;
    }
}
