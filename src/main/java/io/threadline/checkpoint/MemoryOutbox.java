package io.threadline.checkpoint;

/**
 * A step's memory writes as a JSON array, committed with the step and applied to long-term memory after
 * it. Their typed form ({@code MemoryWrite}) belongs to the memory package; the runtime's outbox encodes
 * and decodes them, the store only keeps them (and marks the checkpoint unpublished until they are applied).
 */
public final class MemoryOutbox extends Payload {

    private MemoryOutbox(String json) {
        super(json);
    }

    /** As stored, or as the runtime's outbox encodes it; {@code null} for none ({@code null} or empty text). */
    public static MemoryOutbox fromJson(String json) {
        return json == null || json.isEmpty() ? null : new MemoryOutbox(json);
    }
}
