package io.threadline.runtime;

import io.threadline.checkpoint.Checkpoint;

/** A thread's state at one checkpoint. */
public record ThreadState<S>(Checkpoint checkpoint, S state) {}
