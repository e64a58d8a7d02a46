package io.threadline.checkpoint;

/**
 * A step's recorded effects — model and tool calls, clock and id reads, recalls, failures — as a JSON array
 * in the order they happened. Their typed form ({@code Effect}) belongs to the effects package, which
 * encodes and decodes this log ({@code Effects.encode}, {@code Effects.decode}); the store only keeps it.
 */
public final class EffectLog extends Payload {

    private EffectLog(String json) {
        super(json);
    }

    /** As stored, or as the effects package encodes it; {@code null} for none ({@code null} or empty text). */
    public static EffectLog fromJson(String json) {
        return json == null || json.isEmpty() ? null : new EffectLog(json);
    }
}
