package io.threadline.state;

import io.threadline.ErrorCode;
import io.threadline.ThreadlineException;

import java.lang.reflect.Constructor;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Method;
import java.lang.reflect.RecordComponent;
import java.lang.reflect.Type;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * A state record's components as {@link StateSchema} reaches them: names, types, the accessors and the canonical
 * constructor, found by reflection once. Reads a state's values, builds a state from values, and checks that a value
 * fits a component's Java type.
 *
 * @param <S> the state record type
 */
final class RecordShape<S> {

    private final Class<S> type;
    private final String[] names;
    private final Class<?>[] rawTypes;
    private final Method[] accessors;
    private final Map<String, Integer> indexByName = new LinkedHashMap<>();
    private final Constructor<S> constructor;

    RecordShape(Class<S> type, RecordComponent[] components) {
        this.type = type;
        int n = components.length;
        names = new String[n];
        rawTypes = new Class<?>[n];
        accessors = new Method[n];
        for (int i = 0; i < n; i++) {
            names[i] = components[i].getName();
            rawTypes[i] = components[i].getType();
            accessors[i] = components[i].getAccessor();
            accessors[i].setAccessible(true);
            indexByName.put(names[i], i);
        }
        try {
            constructor = type.getDeclaredConstructor(rawTypes);
            constructor.setAccessible(true);
        } catch (NoSuchMethodException e) {
            throw new IllegalStateException("record without canonical constructor: " + type.getName(), e);
        }
    }

    Class<S> type() {
        return type;
    }

    int size() {
        return names.length;
    }

    String name(int i) {
        return names[i];
    }

    /** The component names in record order. */
    List<String> names() {
        return List.of(names);
    }

    Class<?> rawType(int i) {
        return rawTypes[i];
    }

    Type genericType(int i) {
        return accessors[i].getGenericReturnType();
    }

    /** The index of a field if it is one of the record's, else null. */
    Integer indexOrNull(String field) {
        return indexByName.get(field);
    }

    /** The index of a field; {@code INVALID_INPUT} naming the known fields when there is none. */
    int index(String field) {
        Integer i = indexByName.get(field);
        if (i == null) {
            throw new ThreadlineException(ErrorCode.INVALID_INPUT,
                    "'" + field + "' is not a field of " + type.getSimpleName() + "; fields are " + indexByName.keySet(),
                    Map.of("field", field, "fields", List.copyOf(indexByName.keySet())));
        }
        return i;
    }

    Object read(S state, int i) {
        try {
            return accessors[i].invoke(state);
        } catch (IllegalAccessException | InvocationTargetException e) {
            throw new IllegalStateException("cannot read " + names[i] + " of " + type.getName(), e);
        }
    }

    /** Every component's value, in record order. */
    Object[] values(S state) {
        Object[] values = new Object[names.length];
        for (int i = 0; i < values.length; i++) {
            values[i] = read(state, i);
        }
        return values;
    }

    S construct(Object[] values) {
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

    /** The same state with its top-level lists and maps wrapped read-only. */
    S readOnly(S state) {
        Object[] values = values(state);
        for (int i = 0; i < values.length; i++) {
            if (values[i] instanceof List<?> list) {
                values[i] = Collections.unmodifiableList(list);
            } else if (values[i] instanceof Map<?, ?> map) {
                values[i] = Collections.unmodifiableMap(map);
            }
        }
        return construct(values);
    }

    /** The state whose lists and maps are empty, numbers zero, and everything else null. */
    S zeroState() {
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

    /** {@code value} if it fits component {@code i}'s Java type, else {@code VALIDATION_FAILED} naming the field. */
    Object checkType(int i, Object value) {
        Class<?> expected = rawTypes[i];
        if (value == null) {
            if (expected.isPrimitive()) {
                throw violation(names[i], "must not be null (" + expected.getName() + " field)");
            }
            return null;
        }
        if (!boxed(expected).isInstance(value)) {
            throw violation(names[i], "expects " + expected.getSimpleName() + " but the update holds "
                    + value.getClass().getSimpleName());
        }
        return value;
    }

    private ThreadlineException violation(String field, String message) {
        return ThreadlineException.withViolations(ErrorCode.VALIDATION_FAILED,
                type.getSimpleName() + "." + field + " " + message,
                List.of(Map.of("path", field, "message", message)));
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
        return type.getSimpleName() + " " + indexByName.keySet();
    }
}
