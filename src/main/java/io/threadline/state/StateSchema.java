package io.threadline.state;

import java.lang.reflect.Field;
import java.lang.reflect.Modifier;
import java.lang.reflect.ParameterizedType;
import java.lang.reflect.RecordComponent;
import java.lang.reflect.Type;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.function.Supplier;

/**
 * The schema of a state record: its fields, the channel (reducer) of each, its version and its
 * initial value. Built once per state type; {@link #apply} is the only way state changes.
 *
 * <p>Reflection happens once, at construction (here for the channel constants, in {@code RecordShape} for the
 * components); a native image needs the state record and its components registered for reflection (the
 * application does that at build time). {@code UpdateFold} does the folding.
 *
 * @param <S> the state record type
 */
public final class StateSchema<S> {

    private final Class<S> type;
    private final int version;
    private final RecordShape<S> shape;
    private final Channel<S, ?>[] channels;
    private final UpdateFold<S> fold;
    private final Supplier<S> initial;
    private final Set<String> sensitive;

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
        this.shape = new RecordShape<>(type, components);
        @SuppressWarnings("unchecked")
        Channel<S, ?>[] declared = new Channel[components.length];
        collectDeclaredChannels(components, declared);
        for (int i = 0; i < declared.length; i++) {
            if (declared[i] == null) {
                declared[i] = Channel.overwriting(shape.name(i));
            }
        }
        this.channels = declared;
        this.fold = new UpdateFold<>(shape, channels);
        this.initial = initial != null ? initial : shape::zeroState;
        Set<String> marked = new LinkedHashSet<>();
        for (RecordComponent c : components) {
            if (c.isAnnotationPresent(Sensitive.class)) {
                marked.add(c.getName());
            }
        }
        this.sensitive = Collections.unmodifiableSet(marked);
    }

    /** The fields marked {@link Sensitive}: redacted in history views, never recorded by telemetry. */
    public Set<String> sensitiveFields() {
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
        for (Field f : type.getDeclaredFields()) {
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
            Integer index = shape.indexOrNull(channel.name());
            if (index == null) {
                problems.add(f.getName() + " names '" + channel.name() + "', which is not a component of "
                        + type.getSimpleName() + " " + shape.names());
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
            if (declaredValue instanceof Class<?> c && !RecordShape.boxed(component.getType()).equals(c)
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
        return shape.names();
    }

    public boolean hasField(String name) {
        return shape.indexOrNull(name) != null;
    }

    /** The channel of a field; {@code INVALID_INPUT} naming the known fields when there is none. */
    public Channel<S, ?> channel(String field) {
        return channels[shape.index(field)];
    }

    /** The erased Java type of a field. */
    public Class<?> fieldType(String field) {
        return shape.rawType(shape.index(field));
    }

    /** The generic Java type of a field (for decoding inputs). */
    public Type fieldGenericType(String field) {
        return shape.genericType(shape.index(field));
    }

    public S initial() {
        return initial.get();
    }

    public Object get(S state, String field) {
        return shape.read(state, shape.index(field));
    }

    /**
     * Folds updates into a state, in order, through each field's channel. Returns the new state and
     * what changed; the given state is not modified. A change that breaks the field's Java type fails
     * with {@code VALIDATION_FAILED}.
     */
    public AppliedUpdate<S> apply(S state, List<FieldUpdate<S>> updates) {
        return fold.apply(state, updates);
    }

    /**
     * The same state with its top-level lists and maps wrapped read-only, so that a node cannot
     * change a stored state behind its channels' back (used on states decoded from storage).
     */
    public S readOnly(S state) {
        return shape.readOnly(state);
    }

    /**
     * A state made of raw component values in record order, through the record's canonical constructor only (no
     * channel, no type check): for a reader of stored states that rebuilds one it decoded and patched.
     */
    public S fromValues(Object[] values) {
        if (values.length != shape.size()) {
            throw new IllegalArgumentException(type.getSimpleName() + " has " + shape.size() + " components, got "
                    + values.length + " values");
        }
        return shape.construct(values);
    }

    @Override
    public String toString() {
        return "StateSchema[" + type.getSimpleName() + " v" + version + " " + shape.names() + "]";
    }
}
