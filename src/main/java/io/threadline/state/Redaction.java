package io.threadline.state;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.databind.node.TextNode;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashSet;
import java.util.List;
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

    /**
     * The values a state's sensitive fields hold: every string of four characters or more inside them. A
     * node may copy such a value anywhere — into a prompt, a tool's arguments — and what was recorded of
     * those calls is shown with {@link #mask}.
     */
    public static Set<String> values(StateSchema<?> schema, JsonNode state) {
        Set<String> out = new HashSet<>();
        if (state == null) {
            return out;
        }
        for (String field : schema.sensitiveFields()) {
            collect(state.get(field), out);
        }
        return out;
    }

    private static void collect(JsonNode node, Set<String> out) {
        if (node == null) {
            return;
        }
        if (node.isTextual() && node.asText().length() >= 4) {
            out.add(node.asText());
        }
        node.forEach(child -> collect(child, out));
    }

    /** A copy of {@code json} with each occurrence of {@code values} inside its strings replaced by the mask. */
    public static JsonNode mask(JsonNode json, Set<String> values) {
        if (json == null || values.isEmpty()) {
            return json;
        }
        return masked(json.deepCopy(), values);
    }

    /**
     * {@code text} with each occurrence of {@code values} replaced by the mask — the longest values first, so a value
     * that holds a shorter one is masked whole rather than left with its rest in clear.
     */
    public static String mask(String text, Set<String> values) {
        if (text == null || values.isEmpty()) {
            return text;
        }
        List<String> longestFirst = new ArrayList<>(values);
        longestFirst.sort(Comparator.comparingInt(String::length).reversed());
        for (String v : longestFirst) {
            text = text.replace(v, MASK);
        }
        return text;
    }

    private static JsonNode masked(JsonNode node, Set<String> values) {
        if (node.isTextual()) {
            return TextNode.valueOf(mask(node.asText(), values));
        }
        if (node instanceof ObjectNode o) {
            o.fields().forEachRemaining(e -> e.setValue(masked(e.getValue(), values)));
        } else if (node instanceof ArrayNode a) {
            for (int i = 0; i < a.size(); i++) {
                a.set(i, masked(a.get(i), values));
            }
        }
        return node;
    }
}
