package io.threadline.runtime;

import java.time.Instant;

/**
 * How far a {@code run} may go: at most {@code maxSteps} steps, and no step started after
 * {@code deadline} (the caller subtracts its own safety margin, e.g. from a Lambda's remaining time).
 */
public record RunBudget(int maxSteps, Instant deadline) {

    public RunBudget {
        if (maxSteps < 1) {
            throw new IllegalArgumentException("maxSteps must be at least 1");
        }
    }

    public static RunBudget steps(int maxSteps) {
        return new RunBudget(maxSteps, null);
    }
}
