package io.threadline.graph;

/**
 * When the effects a node consumes (model replies, tool results, clock, ids, recalls) become durable.
 */
public enum Durability {
    /**
     * With the step's checkpoint: nothing extra is written while the step runs. A step that dies
     * half way is retried from the start and calls everything again.
     */
    EXIT,
    /**
     * As each effect completes, as a pending write of the step in progress: a retry of the step —
     * in the same invocation, after a FAILED checkpoint, or after the process was killed — reuses
     * the results it already has, in order, so a tool is not called twice and the model is not
     * asked again. Costs one store write per effect.
     */
    SYNC
}
