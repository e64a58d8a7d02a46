package io.threadline.effects;

import io.threadline.ThreadlineException;

import java.util.ArrayList;
import java.util.List;
import java.util.Objects;

/**
 * How a call (or a node attempt) failed, as recorded: the exception type, its message, for
 * Threadline's own errors the stable code, and the names of the type's superclasses — so a replay
 * can tell whether the failure "is a" {@code IOException} without loading (or reflecting on) any
 * class, which a native image could not do for classes it was not told about.
 *
 * @param supertypes the superclasses of {@code type}, nearest first, up to {@code java.lang.Throwable};
 *                   empty in recordings made before they were kept: such a failure matches its own
 *                   type and {@code RuntimeException} and its supertypes (live calls then failed only
 *                   with unchecked exceptions, and the replay's stand-in was a {@code RuntimeException})
 */
public record EffectError(String type, String message, String code, List<String> supertypes) {

    public EffectError {
        Objects.requireNonNull(type, "type");
        supertypes = supertypes == null ? List.of() : List.copyOf(supertypes);
    }

    /** A failure recorded without its supertypes (the stored form before they were kept). */
    public EffectError(String type, String message, String code) {
        this(type, message, code, List.of());
    }

    public static EffectError of(Throwable t) {
        if (t instanceof CallFailure failure) {
            return failure.error();
        }
        String code = t instanceof ThreadlineException te ? te.code().name() : null;
        return new EffectError(t.getClass().getName(), t.getMessage(), code, supertypesOf(t.getClass()));
    }

    /** Whether the recorded failure was a {@code type} (that class or a subclass), judged by name. */
    public boolean isA(Class<? extends Throwable> type) {
        String name = type.getName();
        return this.type.equals(name) || supertypes.contains(name)
                || supertypes.isEmpty() && type.isAssignableFrom(RuntimeException.class);
    }

    static List<String> supertypesOf(Class<?> type) {
        List<String> names = new ArrayList<>();
        for (Class<?> c = type.getSuperclass(); c != null && c != Object.class; c = c.getSuperclass()) {
            names.add(c.getName());
        }
        return names;
    }
}
