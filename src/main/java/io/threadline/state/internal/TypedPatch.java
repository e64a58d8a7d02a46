package io.threadline.state.internal;

import com.fasterxml.jackson.databind.JavaType;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.ObjectReader;
import com.fasterxml.jackson.databind.introspect.BeanPropertyDefinition;
import io.threadline.state.StateCodec;
import io.threadline.state.StateSchema;

import java.io.IOException;
import java.lang.annotation.Annotation;
import java.lang.reflect.Constructor;
import java.lang.reflect.Field;
import java.lang.reflect.Method;
import java.lang.reflect.ParameterizedType;
import java.lang.reflect.Type;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Applies checkpoint deltas to a decoded, typed state, without a JSON tree of the whole state: how a chain written in
 * the current schema version is read (a cold read). A delta {@link StateDelta} makes touches top-level fields only —
 * items appended to a list, a field replaced, map entries put or removed — and those operations are applied here to
 * the record's component values, each operation's value decoded on its own, as the whole state's JSON text would
 * decode it. The tree way (the state parsed into a tree, patched, written back to text and decoded) reads the whole
 * state three times; this reads it once.
 *
 * <p>Any other operation (a deeper pointer, an array index, a member that is not there, a value that does not decode)
 * is not applied here: {@link #apply} answers false and the caller reads the chain the tree way, whose rules and
 * errors are {@link JsonPatch}'s. So this is a shortcut for the patches the runtime writes, never a second meaning of
 * a patch.
 *
 * @param <S> the state record type
 */
public final class TypedPatch<S> {

    private final StateSchema<S> schema;
    private final StateCodec codec;
    private final Map<String, Integer> index;
    private final Type[] fieldTypes;
    private final Object[] values;
    /** Whether values[i] is a container this reader made (mutable, shared with no decoded state). */
    private final boolean[] owned;
    /** Per field, the reader of its whole value, and of its list's elements or its map's values; made on first use. */
    private final ObjectReader[] fieldReaders;
    private final ObjectReader[] elementReaders;
    /** An apply returned false: the state may hold part of that patch. */
    private boolean spent;
    /** {@link #applyOne} as the streamed reader calls it, made once (not a method reference per delta). */
    private final StreamedPatch.Operation streamedOperation = this::applyOne;

    private TypedPatch(StateSchema<S> schema, StateCodec codec, S state) {
        this.schema = schema;
        this.codec = codec;
        List<String> names = schema.fieldNames();
        this.index = new HashMap<>(names.size() * 2);
        this.fieldTypes = new Type[names.size()];
        this.values = new Object[names.size()];
        this.owned = new boolean[names.size()];
        this.fieldReaders = new ObjectReader[names.size()];
        this.elementReaders = new ObjectReader[names.size()];
        for (int i = 0; i < names.size(); i++) {
            index.put(names.get(i), i);
            fieldTypes[i] = schema.fieldGenericType(names.get(i));
            values[i] = schema.get(state, names.get(i));
        }
    }

    /**
     * Whether states of {@code schema} can be read this way: their JSON properties are exactly the record's
     * components (no renamed, ignored or extra property), so a patch's top-level pointer names a component, and the
     * record carries no Jackson annotation at all. Values here are decoded by their component's type alone, so a
     * property-level {@code @JsonDeserialize}, {@code @JsonSetter(nulls = …)} or {@code @JsonFormat}, or a
     * {@code @JsonCreator} the record decodes through, would be skipped and the state would differ from the tree
     * way's without an error; such records are read the tree way.
     */
    public static boolean fits(StateSchema<?> schema, StateCodec codec) {
        try {
            if (carriesJacksonAnnotations(schema.type())) {
                return false;
            }
            ObjectMapper mapper = codec.mapper();
            JavaType type = mapper.constructType(schema.type());
            Set<String> components = new HashSet<>(schema.fieldNames());
            return components.equals(names(mapper.getSerializationConfig().introspect(type).findProperties()))
                    && components.equals(names(mapper.getDeserializationConfig().introspect(type).findProperties()));
        } catch (RuntimeException e) {
            return false;
        }
    }

    private static boolean carriesJacksonAnnotations(Class<?> type) {
        if (jackson(type.getDeclaredAnnotations())) {
            return true;
        }
        for (Field f : type.getDeclaredFields()) {
            if (jackson(f.getDeclaredAnnotations())) {
                return true;
            }
        }
        for (Method m : type.getDeclaredMethods()) {
            if (jackson(m.getDeclaredAnnotations())) {
                return true;
            }
        }
        for (Constructor<?> c : type.getDeclaredConstructors()) {
            if (jackson(c.getDeclaredAnnotations())) {
                return true;
            }
            for (Annotation[] parameter : c.getParameterAnnotations()) {
                if (jackson(parameter)) {
                    return true;
                }
            }
        }
        return false;
    }

    private static boolean jackson(Annotation[] annotations) {
        for (Annotation a : annotations) {
            if (a.annotationType().getName().startsWith("com.fasterxml.jackson.")) {
                return true;
            }
        }
        return false;
    }

    private static Set<String> names(List<BeanPropertyDefinition> properties) {
        Set<String> out = new HashSet<>();
        for (BeanPropertyDefinition p : properties) {
            out.add(p.getName());
        }
        return out;
    }

    /** A reader starting from {@code state} (a decoded snapshot; its lists and maps are copied before any change). */
    public static <S> TypedPatch<S> from(StateSchema<S> schema, StateCodec codec, S state) {
        return new TypedPatch<>(schema, codec, state);
    }

    /**
     * Applies one delta (a JSON Patch as stored). Returns false, with the state in no defined shape, when the patch
     * holds an operation this reader leaves to the tree way: the caller must then read the chain that way.
     *
     * <p>The patch is read in one pass over its tokens ({@link StreamedPatch}): each operation's value is decoded as
     * the parser reaches it, where a tree of the patch was built, each value written back to text and that text decoded
     * — three passes over each appended message, most of what applying a packed delta cost a cold read (s39). Both
     * decode the same text but for the form of its numbers: a tree holds a number as its value and writes it back in
     * its own form ({@code 1.5e1} as {@code 15}, {@code -0} as {@code 0}, {@code 0.00000001} as {@code 1E-8}), which a
     * component that keeps a number's form ({@code Object}, {@code String}, {@code Number}) sees. So a patch holding a
     * fraction, an exponent or a negative zero is read through its tree as before; integers are written back as read.
     * The runtime's patches of integer and text states (W1's) never hold one. A name twice in one object (the tree
     * keeps the last) or a value ahead of its operation's {@code op} or {@code path} leaves the patch to the tree way.
     *
     * @throws IllegalStateException after an earlier call returned false: its operations may be partly applied
     */
    public boolean apply(byte[] patchJson) {
        if (spent) {
            throw new IllegalStateException("a patch was left to the tree way: this reader's state is in no defined shape");
        }
        boolean applied = holdsNumbersATreeRewrites(patchJson) ? applyTree(patchJson)
                : StreamedPatch.apply(codec.mapper(), patchJson, streamedOperation);
        spent = !applied;
        return applied;
    }

    private boolean applyTree(byte[] patchJson) {
        JsonNode patch;
        try {
            patch = codec.readTree(patchJson);
        } catch (RuntimeException e) {
            return false;
        }
        if (!patch.isArray()) {
            return false;
        }
        for (JsonNode op : patch) {
            try {
                JsonNode kind = op.get("op");
                JsonNode path = op.get("path");
                JsonNode value = op.get("value");
                if (kind == null || !kind.isTextual() || path == null || !path.isTextual()
                        || !applyOne(kind.textValue(), path.textValue(), value == null ? null : new TreeValue(value))) {
                    return false;
                }
            } catch (IOException | RuntimeException e) {
                return false;
            }
        }
        return true;
    }

    /**
     * Whether the bytes hold, outside strings, a number with a fraction or an exponent, or a negative zero: the numbers a
     * tree may write back in another form than the patch's. Outside a string a {@code '.'} is only a fraction's, an
     * {@code 'e'} or {@code 'E'} after a digit only an exponent's (the literals {@code true} and {@code false} hold one
     * after a letter).
     */
    static boolean holdsNumbersATreeRewrites(byte[] json) {
        int n = json.length;
        int i = 0;
        while (i < n) {
            byte b = json[i++];
            if (b == '"') {
                // a string, in a loop of its own: most of a patch's bytes (the appended messages' text)
                while (i < n) {
                    byte c = json[i++];
                    if (c == '"') {
                        break;
                    }
                    if (c == '\\') {
                        i++; // the escaped byte, a quote among them
                    }
                }
            } else if (b == '.' || (b == 'e' || b == 'E') && i > 1 && json[i - 2] >= '0' && json[i - 2] <= '9'
                    || b == '-' && i < n && json[i] == '0') {
                return true;
            }
        }
        return false;
    }

    /** An operation's value, decoded to a component's type when the operation needs it ({@code reader}: of that type). */
    interface Value {
        Object decode(Type type, ObjectReader reader) throws IOException;
    }

    /** A value of a patch read as a tree: decoded from the tree's text, as the tree way decodes it. */
    private final class TreeValue implements Value {
        private final JsonNode tree;

        TreeValue(JsonNode tree) {
            this.tree = tree;
        }

        @Override
        public Object decode(Type type, ObjectReader reader) {
            return codec.fromTree(tree, type);
        }
    }

    /** The state the snapshot and the patches applied make, or null when the record refuses it (the tree way decides). */
    public S state() {
        try {
            return schema.fromValues(values.clone());
        } catch (RuntimeException e) {
            return null;
        }
    }

    private boolean applyOne(String kind, String path, Value value) throws IOException {
        if (kind == null || path == null || path.length() < 2 || path.charAt(0) != '/') {
            return false;
        }
        int slash = path.indexOf('/', 1);
        Integer i = index.get(JsonPatch.unescape(slash < 0 ? path.substring(1) : path.substring(1, slash)));
        if (i == null) {
            return false;
        }
        if (slash < 0) {
            // The field itself: JSON Patch's add and replace both set an object's member (every component is one).
            if (value == null || !("replace".equals(kind) || "add".equals(kind))) {
                return false;
            }
            values[i] = value.decode(fieldTypes[i], reader(fieldReaders, i, fieldTypes[i]));
            owned[i] = false;
            return true;
        }
        String token = path.substring(slash + 1);
        if (token.indexOf('/') >= 0) {
            return false;
        }
        Object current = values[i];
        if (current instanceof List<?> && "add".equals(kind) && "-".equals(token) && value != null) {
            Type element = typeArgument(fieldTypes[i], List.class, 0);
            if (element == null) {
                return false;
            }
            Object item = value.decode(element, reader(elementReaders, i, element));
            ownedList(i).add(item);
            return true;
        }
        if (current instanceof Map<?, ?> map && typeArgument(fieldTypes[i], Map.class, 0) == String.class) {
            String key = JsonPatch.unescape(token);
            Type valueType = typeArgument(fieldTypes[i], Map.class, 1);
            switch (kind) {
                case "add" -> {
                    if (value == null || valueType == null) {
                        return false;
                    }
                    Object v = value.decode(valueType, reader(elementReaders, i, valueType));
                    ownedMap(i).put(key, v);
                    return true;
                }
                case "replace" -> {
                    if (value == null || valueType == null || !map.containsKey(key)) {
                        return false;
                    }
                    Object v = value.decode(valueType, reader(elementReaders, i, valueType));
                    ownedMap(i).put(key, v);
                    return true;
                }
                case "remove" -> {
                    if (!map.containsKey(key)) {
                        return false;
                    }
                    ownedMap(i).remove(key);
                    return true;
                }
                default -> {
                    return false;
                }
            }
        }
        return false;
    }

    @SuppressWarnings("unchecked")
    /** The reader of {@code type} for field {@code i}, made on first use and kept in {@code cache}. */
    private ObjectReader reader(ObjectReader[] cache, int i, Type type) {
        if (cache[i] == null) {
            ObjectMapper mapper = codec.mapper();
            cache[i] = mapper.readerFor(mapper.constructType(type));
        }
        return cache[i];
    }

    private List<Object> ownedList(int i) {
        if (!owned[i]) {
            values[i] = new ArrayList<>((List<Object>) values[i]);
            owned[i] = true;
        }
        return (List<Object>) values[i];
    }

    @SuppressWarnings("unchecked")
    private Map<String, Object> ownedMap(int i) {
        if (!owned[i]) {
            // Insertion order kept: the tree way decodes an object's members in the order the patched tree holds them.
            values[i] = new LinkedHashMap<>((Map<String, Object>) values[i]);
            owned[i] = true;
        }
        return (Map<String, Object>) values[i];
    }

    /**
     * The {@code n}th type argument of a field declared as {@code raw<...>} (Object for a raw declaration), or null
     * when the field is declared otherwise (a subtype, a type variable).
     */
    private static Type typeArgument(Type field, Class<?> raw, int n) {
        if (field == raw) {
            return Object.class;
        }
        if (field instanceof ParameterizedType pt && pt.getRawType() == raw && pt.getActualTypeArguments().length > n) {
            return pt.getActualTypeArguments()[n];
        }
        return null;
    }
}
