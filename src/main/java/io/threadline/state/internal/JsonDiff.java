package io.threadline.state.internal;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;

import java.util.TreeSet;

/**
 * The JSON Patch (RFC 6902) that turns one document into another, for showing differences between
 * two whole states (a replay against its record, a checkpoint against its parent). Objects are
 * compared key by key; an array that only grew gets {@code add}s at its end, any other changed
 * array is replaced whole — readable rather than minimal.
 */
public final class JsonDiff {

    private JsonDiff() {
    }

    public static ArrayNode diff(JsonNode from, JsonNode to) {
        JsonPatch.Builder patch = JsonPatch.builder();
        diff("", from, to, patch);
        return patch.build();
    }

    private static void diff(String path, JsonNode from, JsonNode to, JsonPatch.Builder patch) {
        if (from.equals(to)) {
            return;
        }
        if (from.isObject() && to.isObject()) {
            TreeSet<String> keys = new TreeSet<>();
            from.fieldNames().forEachRemaining(keys::add);
            to.fieldNames().forEachRemaining(keys::add);
            for (String key : keys) {
                String child = path + "/" + JsonPatch.escape(key);
                if (!to.has(key)) {
                    patch.remove(child);
                } else if (!from.has(key)) {
                    patch.add(child, to.get(key));
                } else {
                    diff(child, from.get(key), to.get(key), patch);
                }
            }
            return;
        }
        if (from.isArray() && to.isArray() && to.size() > from.size() && isPrefix(from, to)) {
            for (int i = from.size(); i < to.size(); i++) {
                patch.add(path + "/-", to.get(i));
            }
            return;
        }
        patch.replace(path, to);
    }

    private static boolean isPrefix(JsonNode prefix, JsonNode array) {
        for (int i = 0; i < prefix.size(); i++) {
            if (!prefix.get(i).equals(array.get(i))) {
                return false;
            }
        }
        return true;
    }
}
