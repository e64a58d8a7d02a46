package io.threadline;

import java.time.Duration;
import java.time.Instant;
import java.util.Optional;

/**
 * The instant by which the dependency calls of the invocation running on this thread must have ended, when the
 * invocation has one (a Lambda invocation: its end, less the time kept to answer). The store adapters cap every
 * DynamoDB and OpenSearch call at it, so a stalled dependency is answered with {@code DEPENDENCY_UNAVAILABLE}
 * before Lambda kills the invocation mid-step.
 *
 * <p>A thread-bound value, not a parameter: the store SPIs are called by the runtime, which knows nothing of
 * invocations, and the entry point that knows the deadline ({@code ThreadlineLambdaHandler}) is not on the path
 * that builds the requests. It is set only for the extent of {@link #within} and is never inherited by other
 * threads; without it, calls are bounded by their configured totals alone.
 */
public final class InvocationDeadline {

    private static final ThreadLocal<Instant> CURRENT = new ThreadLocal<>();

    private InvocationDeadline() {
    }

    /** The deadline of the invocation running on this thread, if it has one. */
    public static Optional<Instant> current() {
        return Optional.ofNullable(CURRENT.get());
    }

    /**
     * The time a dependency call starting at {@code now} may take: {@code limit}, or less when the invocation
     * ends sooner (zero or negative when it is already over).
     */
    public static Duration cap(Duration limit, Instant now) {
        Instant deadline = CURRENT.get();
        if (deadline == null) {
            return limit;
        }
        Duration left = Duration.between(now, deadline);
        return left.compareTo(limit) < 0 ? left : limit;
    }

    /** Runs {@code body} with {@code deadline} as this thread's invocation deadline (null: none), then restores the previous one. */
    public static <T, E extends Exception> T within(Instant deadline, Body<T, E> body) throws E {
        Instant previous = CURRENT.get();
        set(deadline);
        try {
            return body.run();
        } finally {
            set(previous);
        }
    }

    /** Work that may throw. */
    @FunctionalInterface
    public interface Body<T, E extends Exception> {
        T run() throws E;
    }

    private static void set(Instant deadline) {
        if (deadline == null) {
            CURRENT.remove();
        } else {
            CURRENT.set(deadline);
        }
    }
}
