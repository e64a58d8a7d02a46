package io.threadline.checkpoint;

import com.fasterxml.jackson.databind.JsonNode;

import java.nio.charset.StandardCharsets;
import java.util.Objects;

/** A step's input from its caller: a JSON Patch (RFC 6902) against the parent's state, which a replay applies first. */
public final class StepInput extends Payload {

    private StepInput(String json) {
        super(json);
    }

    /** {@code patch} encoded (a step without input has none: {@code null}, not an empty patch). */
    public static StepInput of(JsonNode patch) {
        return new StepInput(new String(CODEC.writeTree(Objects.requireNonNull(patch, "patch")), StandardCharsets.UTF_8));
    }

    /** As stored; {@code null} for none ({@code null} or empty text). */
    public static StepInput fromJson(String json) {
        return json == null || json.isEmpty() ? null : new StepInput(json);
    }

    /** The patch, to apply to the parent's state. */
    public JsonNode patch() {
        return tree();
    }
}
