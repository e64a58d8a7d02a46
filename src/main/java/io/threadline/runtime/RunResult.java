package io.threadline.runtime;

import java.util.List;

/** The steps one {@code run} committed, the final state, and why it stopped. */
public record RunResult<S>(List<CheckpointSummary> steps, S state, StopReason stopReason) {

    /** Why a run stopped. */
    public enum StopReason { DONE, INTERRUPTED, FAILED, MAX_STEPS, DEADLINE }

    public RunResult {
        steps = List.copyOf(steps);
    }
}
