package io.threadline.checkpoint;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;

/**
 * What an INTERRUPTED checkpoint waits for, as {@code {"node", "when", "payload"}}: the node, whether the
 * thread stopped inside, before or after it ({@code INSIDE}, {@code BEFORE}, {@code AFTER}), and the
 * payload shown to whoever resumes it.
 */
public final class InterruptPayload extends Payload {

    private InterruptPayload(String json) {
        super(json);
    }

    /** What a thread waits for, encoded. */
    public static InterruptPayload of(String node, String when, JsonNode payload) {
        ObjectNode o = JsonNodeFactory.withExactBigDecimals(true).objectNode();
        o.put("node", node).put("when", when).set("payload", payload);
        return new InterruptPayload(o.toString());
    }

    /**
     * What a thread waits for, its payload withheld: {@code sealed} (an encrypted form of it, opaque here) is kept in
     * its place, so that whatever reads the interrupt without its key — a store's listing — sees {@link #withheld()}
     * and no payload, instead of taking ciphertext for the payload.
     */
    public static InterruptPayload withheld(String node, String when, String sealed) {
        ObjectNode o = JsonNodeFactory.withExactBigDecimals(true).objectNode();
        o.put("node", node).put("when", when).put(SEALED, sealed);
        return new InterruptPayload(o.toString());
    }

    private static final String SEALED = "sealed";

    /** Whether the payload is withheld ({@link #withheld(String, String, String)}): {@link #payload()} is then null. */
    public boolean withheld() {
        return tree().has(SEALED);
    }

    /** The withheld payload's sealed form; {@code null} when the payload is not withheld. */
    public String sealed() {
        JsonNode sealed = tree().get(SEALED);
        return sealed == null ? null : sealed.asText();
    }

    /** As stored; {@code null} for none ({@code null} or empty text). */
    public static InterruptPayload fromJson(String json) {
        return json == null || json.isEmpty() ? null : new InterruptPayload(json);
    }

    /** The node it stopped in, before or after. */
    public String node() {
        return tree().get("node").asText();
    }

    /** {@code INSIDE}, {@code BEFORE} or {@code AFTER} the node. */
    public String when() {
        return tree().get("when").asText();
    }

    /** What is shown to whoever resumes. */
    public JsonNode payload() {
        return tree().get("payload");
    }
}
