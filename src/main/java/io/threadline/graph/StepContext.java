package io.threadline.graph;

import java.time.Instant;

/**
 * What a node may ask of the world during a step. Only through here, so that what it got can be
 * recorded and replayed.
 */
public interface StepContext {

    String tenant();

    String threadId();

    /** The step being computed (the new checkpoint's step number). */
    long step();

    /** The current time, from the runtime's clock. */
    Instant now();

    /** A fresh unique, time-ordered id. */
    String newId();

    /** Whether this step can recall and remember (the runtime has a memory store). */
    default boolean hasMemory() {
        return false;
    }

    /**
     * Long-term memories of this thread's tenant under {@code namespace}, most relevant to
     * {@code query} first. A memory service that is down fails the step with
     * {@code DEPENDENCY_UNAVAILABLE}; nothing is committed.
     */
    default java.util.List<Recollection> recall(String namespace, String query, int k) {
        throw new IllegalStateException("this runtime has no long-term memory");
    }

    /**
     * Like {@link #recall}, for a node whose policy is to go on without memories when the memory
     * service is down: answers nothing instead of failing, and the step's checkpoint records that
     * it ran degraded ({@code metadata.degraded = recall}).
     */
    default java.util.List<Recollection> recallIfAvailable(String namespace, String query, int k) {
        return recall(namespace, query, k);
    }

    /**
     * Remembers {@code content} under {@code namespace} once the step commits — written with the
     * checkpoint (its outbox), applied to the memory store after the commit, exactly once. A step
     * that fails leaves no memory behind.
     */
    default void remember(String namespace, String content, String kind, double importance) {
        throw new IllegalStateException("this runtime has no long-term memory");
    }
}
