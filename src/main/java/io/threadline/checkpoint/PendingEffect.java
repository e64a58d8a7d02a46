package io.threadline.checkpoint;

/**
 * One effect of a step that has not committed yet (durability {@code SYNC}): kept under its position so a
 * retry of the step reuses it instead of calling again. Its typed form ({@code Effect}) belongs to the
 * effects package, which encodes and decodes it ({@code Effects.pending}, {@code Effects.decode}); the
 * store only keeps it, as one JSON object.
 */
public final class PendingEffect extends Payload {

    private PendingEffect(String json) {
        super(json);
    }

    /** As stored, or as the effects package encodes it; a pending effect is never empty. */
    public static PendingEffect fromJson(String json) {
        return new PendingEffect(json);
    }
}
