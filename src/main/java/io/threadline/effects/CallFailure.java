package io.threadline.effects;

import io.threadline.Failures;

import java.util.Objects;

/**
 * A call a node made through its {@code StepContext} (a tool, the model, recall, …) failed: the one
 * type a node sees for such a failure, live and in a replay alike, as Temporal's
 * {@code ActivityFailure}. Live, the call's own exception is its {@linkplain #getCause() cause}; in a
 * replay the original is not there (its class may not be constructible, and need not be), only what
 * was recorded of it: its {@linkplain #type() type name}, message and supertypes.
 *
 * <p>Decide on the original type with {@link #isA(Class)} (or {@link Failures#isA(Throwable, Class)},
 * which {@code RetryPolicy.retryOn} uses), never with {@code instanceof} on the cause: it answers the
 * same in both modes. Threadline's own errors ({@code ThreadlineException}) are not wrapped.
 */
public final class CallFailure extends RuntimeException implements Failures.Standing {

    private final EffectError error;

    /** A failure served in a replay: no cause, no stack of its own. */
    public CallFailure(EffectError error) {
        super(error.message(), null, false, false);
        this.error = error;
    }

    private CallFailure(EffectError error, Throwable cause) {
        super(error.message(), cause);
        this.error = error;
    }

    /**
     * {@code cause} as the failure of a live call: itself when it already is one, else wrapped,
     * recording its type and supertypes.
     */
    public static CallFailure of(Throwable cause) {
        Objects.requireNonNull(cause, "cause");
        return cause instanceof CallFailure failure ? failure : new CallFailure(EffectError.of(cause), cause);
    }

    /** What is recorded of the original failure. */
    public EffectError error() {
        return error;
    }

    /** The original exception's class name, e.g. {@code java.io.IOException}. */
    public String type() {
        return error.type();
    }

    /** Whether the original exception was a {@code type} (that class or a subclass); judged by recorded names. */
    @Override
    public boolean isA(Class<? extends Throwable> type) {
        return error.isA(type);
    }

    @Override
    public String toString() {
        return error.type() + (error.message() == null ? "" : ": " + error.message());
    }
}
