package io.threadline.runtime;

import io.threadline.ThreadlineException;
import io.threadline.checkpoint.Checkpoint;

import java.util.List;

/**
 * The steps one {@code run} committed, the final state, and why it stopped.
 *
 * @param duplicate whether the run's first step was answered from an earlier request with the same
 *                  idempotency key (nothing of it ran again)
 * @param stoppedBy for {@link StopReason#CONFLICT} and {@link StopReason#ERROR}: what refused the step after
 *                  the last one committed; {@code null} otherwise
 */
public record RunResult<S>(List<Checkpoint> steps, S state, StopReason stopReason, boolean duplicate,
                           ThreadlineException stoppedBy) {

    /** Why a run stopped. */
    public enum StopReason {
        DONE, INTERRUPTED, FAILED, MAX_STEPS, DEADLINE,
        /** Another writer moved the thread after this run's last committed step; the run did not follow it. */
        CONFLICT,
        /** A later step was refused or a dependency failed after this run had committed steps ({@code stoppedBy}). */
        ERROR
    }

    public RunResult {
        steps = List.copyOf(steps);
    }

    public RunResult(List<Checkpoint> steps, S state, StopReason stopReason) {
        this(steps, state, stopReason, false, null);
    }
}
