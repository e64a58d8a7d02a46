package io.threadline.runs;

import io.threadline.ErrorCode;
import io.threadline.ThreadlineException;

import java.util.Locale;
import java.util.Map;

/**
 * What a request does to a thread whose background run is in progress ("double texting"), per request
 * ({@code multitask}) or by {@code threadline.runs.double-texting}. Decided on the run's stored record by a
 * conditional write, never in a process's memory, so concurrent callers on any instance get one answer.
 */
public enum DoubleTexting {
    /** Refused with {@code RUN_IN_PROGRESS} (409); nothing changes. */
    REJECT,
    /** {@code start} only: the input joins the run's queue of inputs, applied in order where the thread is DONE. */
    ENQUEUE,
    /** The run stops at its next step boundary and the request goes on from there; history keeps everything. */
    INTERRUPT,
    /** Like {@link #INTERRUPT}, after the thread returns to the checkpoint before the run (as {@code rewind}). */
    ROLLBACK;

    /** {@code fallback} when {@code name} is null; otherwise the policy named (any case), or {@code INVALID_INPUT}. */
    public static DoubleTexting parse(String name, DoubleTexting fallback) {
        if (name == null) {
            return fallback;
        }
        try {
            return valueOf(name.toUpperCase(Locale.ROOT));
        } catch (IllegalArgumentException e) {
            throw new ThreadlineException(ErrorCode.INVALID_INPUT,
                    "multitask must be one of reject, enqueue, interrupt, rollback; got '" + name + "'", Map.of("field", "multitask"));
        }
    }

    public String wireName() {
        return name().toLowerCase(Locale.ROOT);
    }
}
