package io.threadline.state;

import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * Folds field updates into a state through each field's channel: the one way state changes
 * ({@link StateSchema#apply}). Lists and maps are copied at most once per fold, however many updates touch them.
 *
 * @param <S> the state record type
 */
final class UpdateFold<S> {

    private final RecordShape<S> shape;
    private final Channel<S, ?>[] channels;

    UpdateFold(RecordShape<S> shape, Channel<S, ?>[] channels) {
        this.shape = shape;
        this.channels = channels;
    }

    AppliedUpdate<S> apply(S state, List<FieldUpdate<S>> updates) {
        if (updates.isEmpty()) {
            return new AppliedUpdate<>(state, List.of());
        }
        Object[] values = shape.values(state);
        boolean[] listCopied = new boolean[values.length];
        List<AppliedChange> changes = new ArrayList<>(updates.size());
        for (FieldUpdate<S> update : updates) {
            int i = shape.index(update.channel().name());
            if (!channels[i].equals(update.channel())) {
                throw new IllegalArgumentException(update.channel() + " does not belong to " + shape.type().getSimpleName());
            }
            applyOne(update, i, values, listCopied, changes);
        }
        if (changes.isEmpty()) {
            return new AppliedUpdate<>(state, List.of());
        }
        for (int i = 0; i < values.length; i++) {
            if (listCopied[i]) {
                values[i] = values[i] instanceof List<?> l ? Collections.unmodifiableList(l)
                        : Collections.unmodifiableMap((Map<?, ?>) values[i]);
            }
        }
        return new AppliedUpdate<>(shape.construct(values), changes);
    }

    @SuppressWarnings({"unchecked", "rawtypes"})
    private void applyOne(FieldUpdate<S> update, int i, Object[] values, boolean[] copied, List<AppliedChange> changes) {
        String name = shape.name(i);
        if (update instanceof FieldUpdate.Set<S> set) {
            Object value = frozen(shape.checkType(i, set.value()));
            if (!Objects.equals(values[i], value)) {
                values[i] = value;
                copied[i] = false;
                changes.add(new AppliedChange.Replaced(name, value));
            }
        } else if (update instanceof FieldUpdate.Append<S> append) {
            if (append.items().isEmpty()) {
                return;
            }
            List current = (List) values[i];
            List next;
            if (copied[i]) {
                next = current;
            } else {
                next = new ArrayList<>((current == null ? 0 : current.size()) + append.items().size() + 4);
                if (current != null) {
                    next.addAll(current);
                }
                copied[i] = true;
            }
            int from = next.size();
            next.addAll(append.items());
            values[i] = next;
            if (current == null) {
                // A null list has no JSON array to append into: store the whole (new) value.
                changes.add(new AppliedChange.Replaced(name, Collections.unmodifiableList(new ArrayList<>(next))));
            } else {
                changes.add(new AppliedChange.Appended(name, from, append.items()));
            }
        } else if (update instanceof FieldUpdate.Put<S> put) {
            if (put.entries().isEmpty()) {
                return;
            }
            boolean wasNull = values[i] == null;
            Map next = mutableMap(values, copied, i);
            Map<String, Object> changed = new LinkedHashMap<>();
            for (Map.Entry<String, ?> e : put.entries().entrySet()) {
                Objects.requireNonNull(e.getKey(), "map keys cannot be null");
                if (!next.containsKey(e.getKey()) || !Objects.equals(next.get(e.getKey()), e.getValue())) {
                    next.put(e.getKey(), e.getValue());
                    changed.put(e.getKey(), e.getValue());
                }
            }
            if (wasNull) {
                // A null map has no JSON object to put into: store the whole (new) value.
                changes.add(new AppliedChange.Replaced(name, Collections.unmodifiableMap(new LinkedHashMap<>(next))));
            } else if (!changed.isEmpty()) {
                changes.add(new AppliedChange.Put(name, changed));
            }
        } else if (update instanceof FieldUpdate.Remove<S> remove) {
            Map current = (Map) values[i];
            List<String> present = new ArrayList<>();
            for (String key : remove.keys()) {
                if (current != null && current.containsKey(key)) {
                    present.add(key);
                }
            }
            if (!present.isEmpty()) {
                Map next = mutableMap(values, copied, i);
                present.forEach(next::remove);
                changes.add(new AppliedChange.Removed(name, List.copyOf(present)));
            }
        } else if (update instanceof FieldUpdate.Reduce<S> reduce) {
            Reducer reducer = reduce.channel().reducer();
            Object value = frozen(shape.checkType(i, reducer.reduce(values[i], reduce.value())));
            if (!Objects.equals(values[i], value)) {
                values[i] = value;
                copied[i] = false;
                changes.add(new AppliedChange.Replaced(name, value));
            }
        }
    }

    /** A read-only copy of a list or map value, so the new state cannot be changed through it. */
    private static Object frozen(Object value) {
        if (value instanceof List<?> list) {
            return Collections.unmodifiableList(new ArrayList<>(list));
        }
        if (value instanceof Map<?, ?> map) {
            return Collections.unmodifiableMap(new LinkedHashMap<>(map));
        }
        return value;
    }

    @SuppressWarnings({"unchecked", "rawtypes"})
    private static Map mutableMap(Object[] values, boolean[] copied, int i) {
        if (!copied[i]) {
            Map current = (Map) values[i];
            values[i] = current == null ? new LinkedHashMap<>() : new LinkedHashMap<>(current);
            copied[i] = true;
        }
        return (Map) values[i];
    }

}
