package io.threadline.effects;

/**
 * A recorded call failure thrown again during a replay: carries the original exception's type and
 * message (the original class may not be constructible, and need not be).
 */
public final class RecordedFailure extends RuntimeException {

    private final EffectError error;

    public RecordedFailure(EffectError error) {
        super(error.message(), null, false, false);
        this.error = error;
    }

    public EffectError error() {
        return error;
    }

    @Override
    public String toString() {
        return error.type() + (error.message() == null ? "" : ": " + error.message());
    }
}
