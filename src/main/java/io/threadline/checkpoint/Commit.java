package io.threadline.checkpoint;

import java.util.Objects;

/**
 * A request to append one checkpoint.
 *
 * @param expectedStep the step of the head the checkpoint was computed from; 0 for a new thread
 */
public record Commit(Checkpoint checkpoint, long expectedStep) {

    public Commit {
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
