package io.threadline.graph;

/**
 * Where a step stopped to wait for a human, relative to the node it names: inside the node (its
 * {@link StepContext#interrupt} call), or before or after it ({@link StateGraph#interruptBefore},
 * {@link StateGraph#interruptAfter}).
 */
public enum InterruptPoint { INSIDE, BEFORE, AFTER }
