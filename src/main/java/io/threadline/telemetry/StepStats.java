package io.threadline.telemetry;

import io.opentelemetry.context.ContextKey;

/**
 * What one step measured, gathered while it runs (by the store wrappers, found through the OpenTelemetry
 * context) and written as one EMF line when it ends. Confined to the step's Java thread.
 */
final class StepStats {

    static final ContextKey<StepStats> KEY = ContextKey.named("threadline.step-stats");

    long checkpointBytes;
    /** Size of the state when it was last measured whole (a snapshot written or loaded), or -1. */
    long stateBytes = -1;
    /** Deltas after the snapshot of the chain this step loaded, or -1 when it loaded none. */
    long deltasSinceSnapshot = -1;
    long retries;
    long conflicts;
    long memoryWrites;
    long memoriesMerged;
    long modelCalls;
    long toolCalls;
    long inputTokens;
    long outputTokens;
}
