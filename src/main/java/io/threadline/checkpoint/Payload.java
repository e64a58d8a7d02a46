package io.threadline.checkpoint;

import com.fasterxml.jackson.databind.JsonNode;
import io.threadline.state.StateCodec;

import java.nio.charset.StandardCharsets;
import java.util.Objects;

/**
 * A value a checkpoint carries beside its state — its input, effects, memory writes, what it waits for —
 * typed by what it is and held in its one stored encoding, JSON text (as LangGraph's serde keeps a type
 * beside the bytes). Stores write {@link #json()} as it is and read it back with the kind's
 * {@code fromJson}, so the stored bytes never change on the way through; readers decode through the
 * kind's typed accessors, never by parsing the text themselves.
 */
public abstract sealed class Payload permits StepInput, EffectLog, MemoryOutbox, InterruptPayload, PendingEffect {

    /** Every {@link StateCodec} reads and writes alike (it has no settings): payloads share one. */
    static final StateCodec CODEC = new StateCodec();

    private final String json;

    Payload(String json) {
        this.json = Objects.requireNonNull(json, "json");
        if (json.isEmpty()) {
            throw new IllegalArgumentException("a payload is never empty; a checkpoint without one holds null");
        }
    }

    /** The stored encoding: JSON text, written and read back byte for byte. */
    public final String json() {
        return json;
    }

    /** The JSON as a fresh tree (numbers as exact decimals, as states are read); the caller may change it. */
    public final JsonNode tree() {
        return CODEC.readTree(json.getBytes(StandardCharsets.UTF_8));
    }

    @Override
    public final boolean equals(Object o) {
        return o != null && o.getClass() == getClass() && ((Payload) o).json.equals(json);
    }

    @Override
    public final int hashCode() {
        return json.hashCode();
    }

    @Override
    public final String toString() {
        return json;
    }
}
