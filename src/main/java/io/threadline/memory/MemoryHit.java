package io.threadline.memory;

/** A search result: the memory, its cosine similarity to the query, and its combined score. */
public record MemoryHit(MemoryRecord memory, double similarity, double score) {}
