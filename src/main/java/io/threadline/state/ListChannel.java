package io.threadline.state;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.List;

/**
 * A list field whose updates append. Checkpoints store only the appended items, so a list that
 * grows by one item a step costs one item of storage a step. See {@link Channel#appending}.
 */
public final class ListChannel<S, E> extends Channel<S, List<E>> {

    ListChannel(String name) {
        super(name);
    }

    @SafeVarargs
    public final FieldUpdate<S> append(E... items) {
        return new FieldUpdate.Append<>(this, Collections.unmodifiableList(Arrays.asList(items.clone())));
    }

    public FieldUpdate<S> appendAll(List<? extends E> items) {
        return new FieldUpdate.Append<>(this, Collections.unmodifiableList(new ArrayList<>(items)));
    }

    /** Replaces the whole list (e.g. to trim a conversation); stored as a full value. */
    public FieldUpdate<S> replace(List<E> items) {
        return new FieldUpdate.Set<>(this, items);
    }

    @Override
    public Kind kind() {
        return Kind.APPEND;
    }
}
