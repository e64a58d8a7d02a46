package io.threadline.effects;

/** The one way to ask what a failure is, answering the same live and in a replay. */
public final class Failures {

    private Failures() {
    }

    /**
     * Whether {@code failure} is a {@code type}: for a {@link CallFailure}, whether the call's original
     * exception was (by its recorded type and supertype names — a replay has no original); for any
     * other exception (a node's own, thrown anew in a replay), {@code type.isInstance(failure)}.
     */
    public static boolean isA(Throwable failure, Class<? extends Throwable> type) {
        return failure instanceof CallFailure call ? call.isA(type) : type.isInstance(failure);
    }
}
