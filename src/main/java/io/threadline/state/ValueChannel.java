package io.threadline.state;

/** A field whose update replaces its value. See {@link Channel#overwriting}. */
public final class ValueChannel<S, V> extends Channel<S, V> {

    ValueChannel(String name) {
        super(name);
    }

    public FieldUpdate<S> set(V value) {
        return new FieldUpdate.Set<>(this, value);
    }

    @Override
    public Kind kind() {
        return Kind.OVERWRITE;
    }
}
