package io.threadline.checkpoint;

/**
 * The outcome of a commit that did not conflict.
 *
 * @param checkpoint the stored checkpoint: the new one, or for a duplicate the one first committed
 *                   with the same idempotency key
 * @param duplicate  true when nothing was written because the key had been seen
 */
public record CommitResult(Checkpoint checkpoint, boolean duplicate) {}
