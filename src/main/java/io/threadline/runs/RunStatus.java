package io.threadline.runs;

/** Where a thread's background run stands: {@link #ACTIVE} while it advances, else how it ended. */
public enum RunStatus {
    /** Advancing through the queue, one step per message (or waiting for its wake time). */
    ACTIVE,
    /** The thread reached DONE and no input was queued behind it. */
    DONE,
    /** A node asked for outside input; a {@code resume} continues the run in the background. */
    INTERRUPTED,
    /** A node failed: the thread's FAILED checkpoint says why (not a redelivery loop). */
    FAILED,
    /** Stopped at a step boundary by {@code cancel}; {@link Run#cancelledBy()} says who, and when. */
    CANCELLED,
    /** Its step budget ({@code maxSteps}) is spent; the thread stays where the last step left it. */
    MAX_STEPS,
    /** A later request on the thread took over (double texting {@code interrupt} or {@code rollback}). */
    SUPERSEDED,
    /** Its next step could not run where it expected the thread (another writer moved it). */
    STOPPED,
    /**
     * The message of its next step failed on every delivery the queue allows ({@code maxReceiveCount}: a dependency
     * down for that long, a defect) and went to the dead-letter queue; the reason names the step and the last error.
     */
    DEAD_LETTERED;

    public boolean ended() {
        return this != ACTIVE;
    }
}
