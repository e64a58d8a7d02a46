package io.threadline.graph;

/** A long-term memory recalled for a step: its id, namespace, content and ranking score. */
public record Recollection(String id, String namespace, String content, double score) {}
