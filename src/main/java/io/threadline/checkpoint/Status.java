package io.threadline.checkpoint;

/** Where a thread stands after a checkpoint. */
public enum Status {
    /** More nodes are scheduled; the next step runs them. */
    RUNNING,
    /** A node asked for outside input; the thread waits for a resume. */
    INTERRUPTED,
    /** Nothing is scheduled; new input starts the next turn. */
    DONE,
    /** The step failed; the checkpoint keeps its input state and the error. */
    FAILED
}
