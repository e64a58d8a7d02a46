package io.threadline.state.internal;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.threadline.ErrorCode;
import io.threadline.ThreadlineException;

import java.util.Map;

/**
 * The subset of RFC 6902 JSON Patch that state changes need: {@code add} (including the append
 * form {@code /list/-}), {@code remove} and {@code replace}, with RFC 6901 pointers. A checkpoint's
 * delta is such a patch, so history views show it as it is stored.
 */
public final class JsonPatch {

    private JsonPatch() {
    }

    /** A patch built in order; each call adds one operation. */
    public static final class Builder {
        private final ArrayNode ops = JsonNodeFactory.instance.arrayNode();

        public Builder add(String path, JsonNode value) {
            ops.addObject().put("op", "add").put("path", path).set("value", value);
            return this;
        }

        public Builder replace(String path, JsonNode value) {
            ops.addObject().put("op", "replace").put("path", path).set("value", value);
            return this;
        }

        public Builder remove(String path) {
            ops.addObject().put("op", "remove").put("path", path);
            return this;
        }

        public boolean isEmpty() {
            return ops.isEmpty();
        }

        public ArrayNode build() {
            return ops;
        }
    }

    public static Builder builder() {
        return new Builder();
    }

    /** Escapes one reference token (RFC 6901: '~' as '~0', '/' as '~1'). */
    public static String escape(String token) {
        if (token.indexOf('~') < 0 && token.indexOf('/') < 0) {
            return token;
        }
        return token.replace("~", "~0").replace("/", "~1");
    }

    /** Undoes {@link #escape}. */
    static String unescape(String token) {
        if (token.indexOf('~') < 0) {
            return token;
        }
        return token.replace("~1", "/").replace("~0", "~");
    }

    /** Applies a patch to a document in place; a patch that does not fit the document is corrupt. */
    public static void apply(JsonNode document, JsonNode patch) {
        if (!patch.isArray()) {
            throw corrupt("a JSON Patch is an array of operations");
        }
        for (JsonNode op : patch) {
            applyOne(document, op);
        }
    }

    private static void applyOne(JsonNode document, JsonNode op) {
        String kind = op.path("op").asText();
        String path = op.path("path").asText(null);
        if (path == null || path.isEmpty() || path.charAt(0) != '/') {
            throw corrupt("JSON Patch path must start with '/': " + path);
        }
        int cut = path.lastIndexOf('/');
        JsonNode parent = resolve(document, path.substring(0, cut));
        String last = unescape(path.substring(cut + 1));
        switch (kind) {
            case "add" -> add(parent, last, value(op), path);
            case "replace" -> replace(parent, last, value(op), path);
            case "remove" -> remove(parent, last, path);
            default -> throw corrupt("unsupported JSON Patch op '" + kind + "'");
        }
    }

    private static JsonNode value(JsonNode op) {
        JsonNode v = op.get("value");
        if (v == null) {
            throw corrupt("JSON Patch op without value: " + op);
        }
        return v;
    }

    private static JsonNode resolve(JsonNode document, String pointer) {
        JsonNode node = document;
        if (pointer.isEmpty()) {
            return node;
        }
        for (String raw : pointer.substring(1).split("/", -1)) {
            String token = unescape(raw);
            node = node.isArray() ? node.get(index(token, node.size(), false)) : node.get(token);
            if (node == null) {
                throw corrupt("JSON Patch path does not exist: " + pointer);
            }
        }
        return node;
    }

    private static void add(JsonNode parent, String last, JsonNode value, String path) {
        if (parent instanceof ObjectNode object) {
            object.set(last, value);
        } else if (parent instanceof ArrayNode array) {
            if ("-".equals(last)) {
                array.add(value);
            } else {
                array.insert(index(last, array.size(), true), value);
            }
        } else {
            throw corrupt("JSON Patch add into a non-container at " + path);
        }
    }

    private static void replace(JsonNode parent, String last, JsonNode value, String path) {
        if (parent instanceof ObjectNode object) {
            if (!object.has(last)) {
                throw corrupt("JSON Patch replace of a missing member " + path);
            }
            object.set(last, value);
        } else if (parent instanceof ArrayNode array) {
            array.set(index(last, array.size(), false), value);
        } else {
            throw corrupt("JSON Patch replace in a non-container at " + path);
        }
    }

    private static void remove(JsonNode parent, String last, String path) {
        if (parent instanceof ObjectNode object) {
            if (object.remove(last) == null) {
                throw corrupt("JSON Patch remove of a missing member " + path);
            }
        } else if (parent instanceof ArrayNode array) {
            array.remove(index(last, array.size(), false));
        } else {
            throw corrupt("JSON Patch remove in a non-container at " + path);
        }
    }

    private static int index(String token, int size, boolean forInsert) {
        int i;
        try {
            i = Integer.parseInt(token);
        } catch (NumberFormatException e) {
            throw corrupt("JSON Patch array index is not a number: " + token);
        }
        if (i < 0 || i > size || (!forInsert && i == size)) {
            throw corrupt("JSON Patch array index out of range: " + token);
        }
        return i;
    }

    private static ThreadlineException corrupt(String message) {
        return new ThreadlineException(ErrorCode.INTERNAL, message, Map.of());
    }
}
