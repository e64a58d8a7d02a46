package io.threadline.runtime.internal;

import io.threadline.checkpoint.Checkpoint;

/**
 * A thread's latest checkpoint with its decoded state, and the byte counts the snapshot policy
 * needs: the size of the latest snapshot and of the deltas written since.
 */
public record Head<S>(Checkpoint checkpoint, S state, long snapshotBytes, long deltaBytesSinceSnapshot) {}
