package io.threadline.checkpoint;

/**
 * Which checkpoints a thread keeps.
 *
 * @param keepLast how many of the newest checkpoints stay addressable (at least 1); older ones go,
 *                 except the snapshot and deltas the oldest kept checkpoint is materialised from
 */
public record RetentionPolicy(int keepLast) {
    public RetentionPolicy {
        if (keepLast < 1) {
            throw new IllegalArgumentException("keepLast must be at least 1");
        }
    }
}
