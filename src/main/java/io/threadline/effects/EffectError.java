package io.threadline.effects;

import java.util.Objects;

/**
 * How a call (or a node attempt) failed, as recorded: the exception type, its message and, for
 * Threadline's own errors, the stable code.
 */
public record EffectError(String type, String message, String code) {

    public EffectError {
        Objects.requireNonNull(type, "type");
    }

    public static EffectError of(Throwable t) {
        Throwable shown = t instanceof RecordedFailure r ? r : t;
        String type = shown instanceof RecordedFailure r ? r.error().type() : shown.getClass().getName();
        String code = shown instanceof io.threadline.ThreadlineException te ? te.code().name()
                : shown instanceof RecordedFailure r ? r.error().code() : null;
        return new EffectError(type, shown.getMessage(), code);
    }
}
