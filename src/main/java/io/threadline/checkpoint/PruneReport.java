package io.threadline.checkpoint;

/**
 * What a prune removed.
 *
 * @param removed       checkpoints deleted
 * @param removedBytes  their stored bytes
 * @param oldestKeptStep the oldest step still stored (kept because retained, or needed by one)
 */
public record PruneReport(int removed, long removedBytes, long oldestKeptStep) {}
