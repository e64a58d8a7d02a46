package io.threadline.state;

/**
 * Folds an update into the current value of a field. Must be a pure function: it runs again when
 * a step is replayed, and must not mutate either argument.
 *
 * @param <V> the field type
 */
@FunctionalInterface
public interface Reducer<V> {
    V reduce(V current, V update);
}
