package io.threadline.state;

import java.util.Objects;

/** A field folded by a custom {@link Reducer}. See {@link Channel#reducing}. */
public final class ReducingChannel<S, V> extends Channel<S, V> {

    private final Reducer<V> reducer;

    ReducingChannel(String name, Reducer<V> reducer) {
        super(name);
        this.reducer = Objects.requireNonNull(reducer, "reducer");
    }

    public FieldUpdate<S> update(V value) {
        return new FieldUpdate.Reduce<>(this, value);
    }

    Reducer<V> reducer() {
        return reducer;
    }

    @Override
    public Kind kind() {
        return Kind.CUSTOM;
    }
}
