package io.threadline.checkpoint;

import java.util.Objects;

/**
 * Why a step failed, as its FAILED checkpoint keeps it.
 *
 * @param node    the node that failed ({@code "<node>:router"} when its router threw)
 * @param type    the exception's class name (for a recorded failure thrown again: the original's)
 * @param message the exception's message, or {@code null}
 * @param stack   the stack trace, cut to the runtime's configured number of frames
 */
public record StepError(String node, String type, String message, String stack) {
    public StepError {
        Objects.requireNonNull(node, "node");
        Objects.requireNonNull(type, "type");
    }
}
