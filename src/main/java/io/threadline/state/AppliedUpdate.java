package io.threadline.state;

import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;

/**
 * The result of folding updates into a state: the new state and, in order, what changed.
 *
 * @param <S> the state record type
 */
public record AppliedUpdate<S>(S state, List<AppliedChange> changes) {

    public AppliedUpdate {
        changes = List.copyOf(changes);
    }

    public boolean isEmpty() {
        return changes.isEmpty();
    }

    /** Names of the fields that changed, in first-change order. */
    public Set<String> changedFields() {
        Set<String> fields = new LinkedHashSet<>();
        for (AppliedChange change : changes) {
            fields.add(change.field());
        }
        return fields;
    }
}
