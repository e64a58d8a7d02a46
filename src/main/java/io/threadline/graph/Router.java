package io.threadline.graph;

/**
 * Chooses where the graph goes after a node, from the state that node's step produced, and says
 * why. The reason is stored with the checkpoint, traced and shown in history: routing is never a
 * black box.
 *
 * @param <S> the state record type
 */
@FunctionalInterface
public interface Router<S> {
    Route route(S state);
}
