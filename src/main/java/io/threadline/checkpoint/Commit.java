package io.threadline.checkpoint;

import java.time.Instant;
import java.util.Objects;

/**
 * A request to append one checkpoint.
 *
 * @param expectedStep   the step of the head the checkpoint was computed from; 0 for a new thread
 * @param chainStartedAt when the snapshot this checkpoint is materialised from was written (the
 *                       checkpoint's own time if it is a snapshot); a store with expiring items lets a
 *                       chain expire as a whole, from its snapshot's time, never leaving deltas behind
 *                       a vanished snapshot. {@code null} when unknown.
 * @param tags           the tags of a thread this commit creates (stored on its head with it, atomically, so a
 *                       thread is never seen without them); none for a thread that exists — its tags change
 *                       through {@link CheckpointStore#retag}
 * @param runGuard       for a background run's commit: the run whose record must still be the thread's, checked
 *                       atomically with the commit ({@link RunGuard}); {@code null} for none
 */
public record Commit(Checkpoint checkpoint, long expectedStep, Instant chainStartedAt, ThreadTags tags, RunGuard runGuard) {

    public Commit(Checkpoint checkpoint, long expectedStep, Instant chainStartedAt, ThreadTags tags) {
        this(checkpoint, expectedStep, chainStartedAt, tags, null);
    }

    public Commit(Checkpoint checkpoint, long expectedStep) {
        this(checkpoint, expectedStep, checkpoint != null && checkpoint.isSnapshot() ? checkpoint.createdAt() : null);
    }

    public Commit(Checkpoint checkpoint, long expectedStep, Instant chainStartedAt) {
        this(checkpoint, expectedStep, chainStartedAt, ThreadTags.none());
    }

    /** This commit, creating its thread with {@code tags}. */
    public Commit withTags(ThreadTags tags) {
        return new Commit(checkpoint, expectedStep, chainStartedAt, tags, runGuard);
    }

    /** This commit, conditional on {@code guard} as well (a background run's step); {@code null} keeps it as it is. */
    public Commit guardedBy(RunGuard guard) {
        return guard == null ? this : new Commit(checkpoint, expectedStep, chainStartedAt, tags, guard);
    }

    public Commit {
        tags = tags == null ? ThreadTags.none() : tags;
        if (expectedStep > 0 && !tags.isEmpty()) {
            throw new IllegalArgumentException("tags come with a thread's first commit only; retag an existing thread");
        }
        Objects.requireNonNull(checkpoint, "checkpoint");
        if (checkpoint.step() != expectedStep + 1) {
            throw new IllegalArgumentException("checkpoint step " + checkpoint.step()
                    + " does not follow the expected head step " + expectedStep);
        }
        if (expectedStep == 0 && !checkpoint.isSnapshot()) {
            throw new IllegalArgumentException("a thread's first checkpoint must be a snapshot");
        }
    }

    public ThreadKey thread() {
        return checkpoint.thread();
    }
}
