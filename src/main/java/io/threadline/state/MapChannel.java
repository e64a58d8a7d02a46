package io.threadline.state;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * A {@code Map<String, V>} field whose updates put and remove entries; checkpoints store only the
 * entries that changed. See {@link Channel#merging}.
 */
public final class MapChannel<S, V> extends Channel<S, Map<String, V>> {

    MapChannel(String name) {
        super(name);
    }

    public FieldUpdate<S> put(String key, V value) {
        Map<String, Object> entry = new LinkedHashMap<>();
        entry.put(key, value);
        return new FieldUpdate.Put<>(this, entry);
    }

    public FieldUpdate<S> putAll(Map<String, ? extends V> entries) {
        return new FieldUpdate.Put<>(this, new LinkedHashMap<>(entries));
    }

    public FieldUpdate<S> remove(String... keys) {
        return new FieldUpdate.Remove<>(this, List.of(keys));
    }

    @Override
    public Kind kind() {
        return Kind.MERGE;
    }
}
