package io.threadline.checkpoint;

/** The latest checkpoint of a thread: enough to tell whether a cached copy is current. */
public record ThreadHead(CheckpointId checkpointId, long step) {}
