package io.threadline.memory;

/**
 * What a write did.
 *
 * @param memory the stored memory (for a merge, the existing one, updated)
 * @param merged true when the write was close enough to an existing memory to be merged into it
 */
public record PutResult(MemoryRecord memory, boolean merged) {}
