package io.threadline.runtime.internal;

import io.threadline.checkpoint.Checkpoint;

import java.time.Instant;

/**
 * A thread's latest checkpoint with its decoded state, and what the snapshot policy needs: the size
 * and time of the latest snapshot, the size and count of the deltas written since, and what a cold read fetches for
 * the snapshot and for those deltas — as the store said it keeps them ({@code CommitResult.storedBytes},
 * {@code CheckpointChain.storedBytes}), else as {@code SnapshotPolicy.readBytes} estimates them.
 */
public record Head<S>(Checkpoint checkpoint, S state, long snapshotBytes, long deltaBytesSinceSnapshot, long readBytesSinceSnapshot,
                      Instant snapshotAt, long snapshotReadBytes, long deltasSinceSnapshot) {}
