package io.threadline.graph;

import io.threadline.state.Update;

/**
 * A unit of agent work: reads the state, returns a partial {@link Update}. Everything
 * non-deterministic (time, ids, and later models and tools) comes through the {@link StepContext},
 * so a step can be replayed. Nodes scheduled in the same step see the same input state.
 *
 * @param <S> the state record type
 */
@FunctionalInterface
public interface Node<S> {
    Update<S> apply(S state, StepContext context);
}
