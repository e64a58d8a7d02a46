package io.threadline.state;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;

/**
 * A partial update a node returns: the changes to apply, in order. Fields it does not mention keep
 * their value. Immutable.
 *
 * @param <S> the state record type
 */
public final class Update<S> {

    private static final Update<?> NONE = new Update<>(List.of());

    private final List<FieldUpdate<S>> changes;

    private Update(List<FieldUpdate<S>> changes) {
        this.changes = changes;
    }

    @SafeVarargs
    public static <S> Update<S> of(FieldUpdate<S>... changes) {
        return new Update<>(List.of(changes));
    }

    public static <S> Update<S> of(List<FieldUpdate<S>> changes) {
        return new Update<>(List.copyOf(changes));
    }

    @SuppressWarnings("unchecked")
    public static <S> Update<S> none() {
        return (Update<S>) NONE;
    }

    /** This update followed by more changes. */
    @SafeVarargs
    public final Update<S> and(FieldUpdate<S>... more) {
        List<FieldUpdate<S>> all = new ArrayList<>(changes.size() + more.length);
        all.addAll(changes);
        Collections.addAll(all, more);
        return new Update<>(List.copyOf(all));
    }

    public List<FieldUpdate<S>> changes() {
        return changes;
    }

    public boolean isEmpty() {
        return changes.isEmpty();
    }

    @Override
    public String toString() {
        return "Update" + changes;
    }
}
