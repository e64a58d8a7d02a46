package io.threadline;

/**
 * The one way to ask what a failure is, answering the same live and in a replay. Lives at the root so the
 * graph's retry policies and the effect journal's failures meet without either importing the other.
 */
public final class Failures {

    /**
     * A failure that stands for another exception it may not carry (in a replay, only its recorded type
     * names exist): it answers for that original's type.
     */
    public interface Standing {
        /** Whether the original exception was a {@code type} (that class or a subclass). */
        boolean isA(Class<? extends Throwable> type);
    }

    private Failures() {
    }

    /**
     * Whether {@code failure} is a {@code type}: for a failure that stands for another (a failed call,
     * {@code io.threadline.effects.CallFailure}), whether that original was — judged by its recorded type
     * and supertype names, so a replay answers as the live run did; for any other exception (a node's own,
     * thrown anew in a replay), {@code type.isInstance(failure)}.
     */
    public static boolean isA(Throwable failure, Class<? extends Throwable> type) {
        return failure instanceof Standing standing ? standing.isA(type) : type.isInstance(failure);
    }
}
