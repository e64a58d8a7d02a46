package io.threadline.graph.internal;

import io.threadline.graph.Durability;
import io.threadline.graph.StepContext;

import java.time.Duration;

/**
 * What {@link GraphSteps#execute} needs from whoever runs a step (the runtime, a live step or a replay): a context for each attempt of
 * each node (so effects are recorded per node and attempt), and a way to wait between attempts
 * (a replay does not wait).
 */
public interface StepEnvironment {

    /** The context attempt {@code attempt} (1-based) of {@code node} runs with. */
    StepContext contextFor(String node, int attempt, Durability durability);

    /**
     * The number of a node's first attempt in this step: 1, unless attempts of this very step were
     * already made elsewhere (a process that died half way) or, in a replay, cannot be run again.
     */
    default int firstAttempt(String node) {
        return 1;
    }

    /**
     * An attempt returned ({@code failure == null}) or threw. Throwing from here fails the step
     * with that exception, unretried (a replay that found a divergence does).
     */
    default void attemptEnded(String node, int attempt, Throwable failure) {
    }

    /** Whether this step resumes an interrupt (so an interrupt-before on the scheduled nodes has been answered). */
    default boolean resuming() {
        return false;
    }

    /** Waits before the next attempt of a node. */
    void pause(Duration backoff);
}
