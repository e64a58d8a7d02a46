package io.threadline.runtime.internal;

import io.threadline.checkpoint.StepError;
import io.threadline.effects.CallFailure;
import io.threadline.effects.EffectError;
import io.threadline.graph.internal.StepFailedException;

import java.io.StringWriter;

/** What a FAILED checkpoint keeps of the error that failed its step, for a live step and its replay alike. */
final class StepErrors {

    private StepErrors() {
    }

    /** The node, the error's type and message, and its stack cut to {@code frames} frames (a deep stack must not bloat the thread). */
    static StepError of(StepFailedException failure, int frames) {
        Throwable cause = failure.getCause();
        EffectError recorded = EffectError.of(cause);
        StringWriter stack = new StringWriter();
        // A failed call's own exception (live only) shows where it failed; the CallFailure, where the node called.
        Throwable origin = cause instanceof CallFailure && cause.getCause() != null ? cause.getCause() : cause;
        StackTraceElement[] trace = origin.getStackTrace();
        int shown = Math.min(trace.length, frames);
        stack.append(cause.toString()).append('\n');
        for (int i = 0; i < shown; i++) {
            stack.append("\tat ").append(trace[i].toString()).append('\n');
        }
        if (shown < trace.length) {
            stack.append("\t... ").append(Integer.toString(trace.length - shown)).append(" more\n");
        }
        return new StepError(failure.node(), recorded.type(), recorded.message(), stack.toString());
    }
}
