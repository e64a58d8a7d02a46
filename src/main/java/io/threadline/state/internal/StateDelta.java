package io.threadline.state.internal;

import io.threadline.state.AppliedChange;
import io.threadline.state.StateCodec;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;

import java.util.List;
import java.util.Map;

/**
 * Turns what a step changed into the JSON Patch a checkpoint stores. Built from the applied
 * changes, not by diffing whole states, so its cost is that of the change, not of the state:
 * appending one message to a 4,000-message conversation encodes one message.
 */
public final class StateDelta {

    private StateDelta() {
    }

    /** {@link #toPatch} as the bytes a checkpoint stores: the one encoding of a step's or an update's state change. */
    public static byte[] encode(List<AppliedChange> changes, StateCodec codec) {
        return codec.writeTree(toPatch(changes, codec));
    }

    public static ArrayNode toPatch(List<AppliedChange> changes, StateCodec codec) {
        JsonPatch.Builder patch = JsonPatch.builder();
        for (AppliedChange change : changes) {
            String base = "/" + JsonPatch.escape(change.field());
            if (change instanceof AppliedChange.Appended appended) {
                for (Object item : appended.items()) {
                    patch.add(base + "/-", tree(codec, item));
                }
            } else if (change instanceof AppliedChange.Replaced replaced) {
                patch.replace(base, tree(codec, replaced.value()));
            } else if (change instanceof AppliedChange.Put put) {
                for (Map.Entry<String, ?> e : put.entries().entrySet()) {
                    patch.add(base + "/" + JsonPatch.escape(e.getKey()), tree(codec, e.getValue()));
                }
            } else if (change instanceof AppliedChange.Removed removed) {
                for (String key : removed.keys()) {
                    patch.remove(base + "/" + JsonPatch.escape(key));
                }
            }
        }
        return patch.build();
    }

    private static JsonNode tree(StateCodec codec, Object value) {
        return codec.toTree(value);
    }
}
