package io.threadline.runtime.internal;

import io.threadline.checkpoint.Checkpoint;

import java.time.Instant;

/**
 * A thread's latest checkpoint with its decoded state, and what the snapshot policy needs: the size
 * and time of the latest snapshot, the size of the deltas written since, and what a cold read fetches for
 * those deltas ({@code SnapshotPolicy.readBytes}).
 */
public record Head<S>(Checkpoint checkpoint, S state, long snapshotBytes, long deltaBytesSinceSnapshot, long readBytesSinceSnapshot,
                      Instant snapshotAt) {}
