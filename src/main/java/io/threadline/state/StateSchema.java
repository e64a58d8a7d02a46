package io.threadline.state;

import io.threadline.ErrorCode;
import io.threadline.ThreadlineException;

import java.lang.reflect.Constructor;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Method;
import java.lang.reflect.Modifier;
import java.lang.reflect.ParameterizedType;
import java.lang.reflect.RecordComponent;
import java.lang.reflect.Type;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.function.Supplier;

/**
 * The schema of a state record: its fields, the channel (reducer) of each, its version and its
 * initial value. Built once per state type; {@link #apply} is the only way state changes.
 *
 * <p>Reflection happens here, once, at construction; a native image needs the state record and
 * its components registered for reflection (the application does that at build time).
 *
 * @param <S> the state record type
 */
public final class StateSchema<S> {

    private final Class<S> type;
    private final int version;
    private final String[] names;
    private final Class<?>[] rawTypes;
    private final Method[] accessors;
    private final Channel<S, ?>[] channels;
    private final Map<String, Integer> indexByName;
    private final Constructor<S> constructor;
    private final Supplier<S> initial;
    private final java.util.Set<String> sensitive;

    private StateSchema(Class<S> type, Supplier<S> initial) {
        if (!type.isRecord()) {
            throw new IllegalArgumentException(type.getName() + " is not a record; state types are records");
        }
        this.type = type;
        SchemaVersion sv = type.getAnnotation(SchemaVersion.class);
        this.version = sv == null ? 1 : sv.value();
        if (version < 1) {
            throw new IllegalArgumentException("@SchemaVersion of " + type.getName() + " must be >= 1");
        }
        RecordComponent[] components = type.getRecordComponents();
        int n = components.length;
        names = new String[n];
        rawTypes = new Class<?>[n];
        accessors = new Method[n];
        indexByName = new LinkedHashMap<>();
        Class<?>[] parameterTypes = new Class<?>[n];
        for (int i = 0; i < n; i++) {
            names[i] = components[i].getName();
            rawTypes[i] = components[i].getType();
            accessors[i] = components[i].getAccessor();
            accessors[i].setAccessible(true);
            parameterTypes[i] = rawTypes[i];
            indexByName.put(names[i], i);
        }
        try {
            constructor = type.getDeclaredConstructor(parameterTypes);
            constructor.setAccessible(true);
        } catch (NoSuchMethodException e) {
            throw new IllegalStateException("record without canonical constructor: " + type.getName(), e);
        }
        @SuppressWarnings("unchecked")
        Channel<S, ?>[] declared = new Channel[n];
        collectDeclaredChannels(components, declared);
        for (int i = 0; i < n; i++) {
            if (declared[i] == null) {
                declared[i] = Channel.overwriting(names[i]);
            }
        }
        channels = declared;
        this.initial = initial != null ? initial : this::zeroState;
        java.util.Set<String> marked = new java.util.LinkedHashSet<>();
        for (RecordComponent c : components) {
            if (c.isAnnotationPresent(Sensitive.class)) {
                marked.add(c.getName());
            }
        }
        this.sensitive = java.util.Collections.unmodifiableSet(marked);
    }

    /** The fields marked {@link Sensitive}: redacted in history views, never recorded by telemetry. */
    public java.util.Set<String> sensitiveFields() {
        return sensitive;
    }

    /** The schema of a record type whose initial state has empty lists and maps, zero and null. */
    public static <S extends Record> StateSchema<S> of(Class<S> type) {
        return new StateSchema<>(type, null);
    }

    /** The schema of a record type with an explicit initial state for new threads. */
    public static <S extends Record> StateSchema<S> of(Class<S> type, Supplier<S> initial) {
        return new StateSchema<>(type, Objects.requireNonNull(initial, "initial"));
    }

    private void collectDeclaredChannels(RecordComponent[] components, Channel<S, ?>[] into) {
        List<String> problems = new ArrayList<>();
        for (java.lang.reflect.Field f : type.getDeclaredFields()) {
            if (!Modifier.isStatic(f.getModifiers()) || !Channel.class.isAssignableFrom(f.getType())) {
                continue;
            }
            Channel<S, ?> channel;
            try {
                f.setAccessible(true);
                @SuppressWarnings("unchecked")
                Channel<S, ?> c = (Channel<S, ?>) f.get(null);
                channel = c;
            } catch (IllegalAccessException e) {
                throw new IllegalStateException("cannot read channel " + f, e);
            }
            if (channel == null) {
                problems.add("channel constant " + f.getName() + " is null");
                continue;
            }
            Integer index = indexByName.get(channel.name());
            if (index == null) {
                problems.add(f.getName() + " names '" + channel.name() + "', which is not a component of "
                        + type.getSimpleName() + " " + indexByName.keySet());
                continue;
            }
            if (into[index] != null) {
                problems.add("component '" + channel.name() + "' has two channels");
                continue;
            }
            String mismatch = typeMismatch(channel, components[index], f.getGenericType());
            if (mismatch != null) {
                problems.add(f.getName() + ": " + mismatch);
                continue;
            }
            into[index] = channel;
        }
        if (!problems.isEmpty()) {
            throw new IllegalStateException("invalid state schema " + type.getName() + ": " + String.join("; ", problems));
        }
    }

    private static String typeMismatch(Channel<?, ?> channel, RecordComponent component, Type channelFieldType) {
        Class<?> raw = component.getType();
        switch (channel.kind()) {
            case APPEND:
                if (!List.class.isAssignableFrom(raw)) {
                    return "an append channel needs a List component, '" + component.getName() + "' is " + raw.getSimpleName();
                }
                break;
            case MERGE:
                if (!Map.class.isAssignableFrom(raw)) {
                    return "a merge channel needs a Map component, '" + component.getName() + "' is " + raw.getSimpleName();
                }
                if (component.getGenericType() instanceof ParameterizedType pt
                        && pt.getActualTypeArguments()[0] != String.class) {
                    return "a merge channel needs Map<String, V>; '" + component.getName() + "' has keys of "
                            + pt.getActualTypeArguments()[0].getTypeName();
                }
                break;
            default:
                break;
        }
        // Channel<S, V>: V must match the component's generic type where the constant spells it out.
        if (channelFieldType instanceof ParameterizedType pt && pt.getActualTypeArguments().length >= 2
                && channel.kind() == Channel.Kind.OVERWRITE) {
            Type declaredValue = pt.getActualTypeArguments()[1];
            Type componentType = component.getGenericType();
            if (declaredValue instanceof Class<?> c && !boxed(component.getType()).equals(c)
                    && !componentType.equals(c)) {
                return "declared as " + c.getSimpleName() + " but '" + component.getName() + "' is "
                        + componentType.getTypeName();
            }
        }
        return null;
    }

    public Class<S> type() {
        return type;
    }

    public int version() {
        return version;
    }

    /** The field names in record order. */
    public List<String> fieldNames() {
        return List.of(names);
    }

    public boolean hasField(String name) {
        return indexByName.containsKey(name);
    }

    /** The channel of a field; {@code INVALID_INPUT} naming the known fields when there is none. */
    public Channel<S, ?> channel(String field) {
        return channels[index(field)];
    }

    /** The erased Java type of a field. */
    public Class<?> fieldType(String field) {
        return rawTypes[index(field)];
    }

    /** The generic Java type of a field (for decoding inputs). */
    public Type fieldGenericType(String field) {
        return accessors[index(field)].getGenericReturnType();
    }

    public S initial() {
        return initial.get();
    }

    public Object get(S state, String field) {
        return read(state, index(field));
    }

    private int index(String field) {
        Integer i = indexByName.get(field);
        if (i == null) {
            throw new ThreadlineException(ErrorCode.INVALID_INPUT,
                    "'" + field + "' is not a field of " + type.getSimpleName() + "; fields are " + indexByName.keySet(),
                    Map.of("field", field, "fields", List.copyOf(indexByName.keySet())));
        }
        return i;
    }

    /**
     * Folds updates into a state, in order, through each field's channel. Returns the new state and
     * what changed; the given state is not modified. A change that breaks the field's Java type fails
     * with {@code VALIDATION_FAILED}.
     */
    public AppliedUpdate<S> apply(S state, List<FieldUpdate<S>> updates) {
        if (updates.isEmpty()) {
            return new AppliedUpdate<>(state, List.of());
        }
        Object[] values = new Object[names.length];
        for (int i = 0; i < values.length; i++) {
            values[i] = read(state, i);
        }
        boolean[] listCopied = new boolean[names.length];
        List<AppliedChange> changes = new ArrayList<>(updates.size());
        for (FieldUpdate<S> update : updates) {
            int i = index(update.channel().name());
            if (!channels[i].equals(update.channel())) {
                throw new IllegalArgumentException(update.channel() + " does not belong to " + type.getSimpleName());
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
        return new AppliedUpdate<>(construct(values), changes);
    }

    @SuppressWarnings({"unchecked", "rawtypes"})
    private void applyOne(FieldUpdate<S> update, int i, Object[] values, boolean[] copied, List<AppliedChange> changes) {
        String name = names[i];
        if (update instanceof FieldUpdate.Set<S> set) {
            Object value = frozen(checkType(name, i, set.value()));
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
            Object value = frozen(checkType(name, i, reducer.reduce(values[i], reduce.value())));
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

    /**
     * The same state with its top-level lists and maps wrapped read-only, so that a node cannot
     * change a stored state behind its channels' back (used on states decoded from storage).
     */
    public S readOnly(S state) {
        Object[] values = new Object[names.length];
        for (int i = 0; i < values.length; i++) {
            Object v = read(state, i);
            if (v instanceof List<?> list) {
                v = Collections.unmodifiableList(list);
            } else if (v instanceof Map<?, ?> map) {
                v = Collections.unmodifiableMap(map);
            }
            values[i] = v;
        }
        return construct(values);
    }

    private Object checkType(String name, int i, Object value) {
        Class<?> expected = rawTypes[i];
        if (value == null) {
            if (expected.isPrimitive()) {
                throw violation(name, "must not be null (" + expected.getName() + " field)");
            }
            return null;
        }
        if (!boxed(expected).isInstance(value)) {
            throw violation(name, "expects " + expected.getSimpleName() + " but the update holds "
                    + value.getClass().getSimpleName());
        }
        return value;
    }

    private ThreadlineException violation(String field, String message) {
        return ThreadlineException.withViolations(ErrorCode.VALIDATION_FAILED,
                type.getSimpleName() + "." + field + " " + message,
                List.of(Map.of("path", field, "message", message)));
    }

    private Object read(S state, int i) {
        try {
            return accessors[i].invoke(state);
        } catch (IllegalAccessException | InvocationTargetException e) {
            throw new IllegalStateException("cannot read " + names[i] + " of " + type.getName(), e);
        }
    }

    private S construct(Object[] values) {
        try {
            return constructor.newInstance(values);
        } catch (InvocationTargetException e) {
            // The record's own compact constructor rejected the values: an invalid state.
            Throwable cause = e.getCause();
            throw new ThreadlineException(ErrorCode.VALIDATION_FAILED,
                    type.getSimpleName() + " rejected the new state: " + cause.getMessage(),
                    Map.of("violations", List.of(Map.of("path", "", "message", String.valueOf(cause.getMessage())))),
                    cause);
        } catch (InstantiationException | IllegalAccessException e) {
            throw new IllegalStateException("cannot construct " + type.getName(), e);
        }
    }

    private S zeroState() {
        Object[] values = new Object[names.length];
        for (int i = 0; i < values.length; i++) {
            Class<?> t = rawTypes[i];
            if (List.class.isAssignableFrom(t)) {
                values[i] = List.of();
            } else if (Map.class.isAssignableFrom(t)) {
                values[i] = Map.of();
            } else if (t.isPrimitive()) {
                values[i] = zero(t);
            }
        }
        return construct(values);
    }

    private static Object zero(Class<?> primitive) {
        if (primitive == boolean.class) return false;
        if (primitive == char.class) return '\0';
        if (primitive == long.class) return 0L;
        if (primitive == double.class) return 0d;
        if (primitive == float.class) return 0f;
        if (primitive == short.class) return (short) 0;
        if (primitive == byte.class) return (byte) 0;
        return 0;
    }

    static Class<?> boxed(Class<?> t) {
        if (!t.isPrimitive()) return t;
        if (t == int.class) return Integer.class;
        if (t == long.class) return Long.class;
        if (t == boolean.class) return Boolean.class;
        if (t == double.class) return Double.class;
        if (t == float.class) return Float.class;
        if (t == short.class) return Short.class;
        if (t == byte.class) return Byte.class;
        return Character.class;
    }

    @Override
    public String toString() {
        return "StateSchema[" + type.getSimpleName() + " v" + version + " " + indexByName.keySet() + "]";
    }
}
