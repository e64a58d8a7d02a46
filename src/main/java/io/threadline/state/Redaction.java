package io.threadline.state;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.databind.node.TextNode;

import java.util.Set;

/**
 * Hides {@link Sensitive} fields in what is shown of a state: a whole state (a snapshot) or a change
 * (an RFC 6902 JSON Patch). Works on copies; the stored bytes are untouched.
 */
public final class Redaction {

    /** What a sensitive value is shown as. */
    public static final String MASK = "***";

    private Redaction() {
    }

    /** A copy of a state's JSON with each sensitive field's value (when not null) replaced by the mask. */
    public static JsonNode state(StateSchema<?> schema, JsonNode state) {
        Set<String> sensitive = schema.sensitiveFields();
        if (sensitive.isEmpty() || !(state instanceof ObjectNode object)) {
            return state;
        }
        ObjectNode copy = object.deepCopy();
        for (String field : sensitive) {
            JsonNode value = copy.get(field);
            if (value != null && !value.isNull()) {
                copy.set(field, TextNode.valueOf(MASK));
            }
        }
        return copy;
    }

    /**
     * A copy of a JSON Patch against a state with the value of every operation that touches a
     * sensitive field (its path, or its {@code from}, starts with that field) replaced by the mask.
     */
    public static JsonNode patch(StateSchema<?> schema, JsonNode patch) {
        Set<String> sensitive = schema.sensitiveFields();
        if (sensitive.isEmpty() || patch == null || !patch.isArray()) {
            return patch;
        }
        JsonNode copy = patch.deepCopy();
        for (JsonNode op : copy) {
            if (op instanceof ObjectNode o && op.has("value")
                    && (touches(sensitive, op.path("path").asText()) || touches(sensitive, op.path("from").asText()))) {
                o.set("value", TextNode.valueOf(MASK));
            }
        }
        return copy;
    }

    /** Whether a JSON Pointer ({@code /field/...}) points into one of the fields. */
    private static boolean touches(Set<String> fields, String pointer) {
        if (pointer.length() < 2 || pointer.charAt(0) != '/') {
            return false;
        }
        int end = pointer.indexOf('/', 1);
        String first = (end < 0 ? pointer.substring(1) : pointer.substring(1, end)).replace("~1", "/").replace("~0", "~");
        return fields.contains(first);
    }
}
