package io.threadline.runtime;

/** A thread's state at one checkpoint. */
public record ThreadState<S>(CheckpointSummary checkpoint, S state) {}
