package io.threadline.graph;

import io.threadline.Failures;
import io.threadline.state.ValueChannel;

import java.time.Duration;
import java.util.List;
import java.util.Objects;

/**
 * How often a node is attempted within one step before the step fails, how long to wait between
 * attempts, and which exceptions are worth another attempt. Threadline's own errors (validation,
 * conflicts, unavailable stores) are never retried here: the step fails as a whole and the caller
 * decides.
 *
 * @param maxAttempts    attempts in all, at least 1 (1 = no retry)
 * @param initialBackoff wait before the second attempt
 * @param multiplier     each further wait is the previous one times this
 * @param maxBackoff     no wait is longer than this
 * @param retryOn        exception types that are retried (subclasses included); empty = every
 *                       exception a node throws. Matched with {@link Failures#isA}: the node's own
 *                       exception by its class, a failed call's ({@code CallFailure}, e.g. a tool's
 *                       {@code IOException}) by the type it had live — the same live and in a replay
 * @param attemptsField  an int field of the state that receives the retries the node needed
 *                       (attempts − 1) when it succeeds — the seed's {@code retry_count}; or {@code null}.
 *                       Never more than {@code maxAttempts − 1}: attempts cut short by a dying process
 *                       carry the count past the policy, and a counter must not make a valid state invalid
 *                       (a schema bounds such a field by the policy, e.g. {@code @Max}).
 */
public record RetryPolicy<S>(int maxAttempts, Duration initialBackoff, double multiplier, Duration maxBackoff,
                             List<Class<? extends Throwable>> retryOn, ValueChannel<S, Integer> attemptsField) {

    public RetryPolicy {
        if (maxAttempts < 1) {
            throw new IllegalArgumentException("maxAttempts must be at least 1");
        }
        Objects.requireNonNull(initialBackoff, "initialBackoff");
        Objects.requireNonNull(maxBackoff, "maxBackoff");
        if (initialBackoff.isNegative() || maxBackoff.isNegative() || multiplier < 1) {
            throw new IllegalArgumentException("backoff must be >= 0 and multiplier >= 1");
        }
        retryOn = List.copyOf(retryOn);
    }

    /** One attempt: a failure fails the step. */
    public static <S> RetryPolicy<S> none() {
        return new RetryPolicy<>(1, Duration.ZERO, 1, Duration.ZERO, List.of(), null);
    }

    /** Up to {@code maxAttempts} attempts, 200 ms then doubling up to 5 s between them, on any exception. */
    public static <S> RetryPolicy<S> attempts(int maxAttempts) {
        return new RetryPolicy<>(maxAttempts, Duration.ofMillis(200), 2, Duration.ofSeconds(5), List.of(), null);
    }

    public RetryPolicy<S> backoff(Duration initial, double multiplier, Duration max) {
        return new RetryPolicy<>(maxAttempts, initial, multiplier, max, retryOn, attemptsField);
    }

    @SafeVarargs
    public final RetryPolicy<S> retryOn(Class<? extends Throwable>... types) {
        return new RetryPolicy<>(maxAttempts, initialBackoff, multiplier, maxBackoff, List.of(types), attemptsField);
    }

    /** Writes the retries a successful node needed into {@code field} (an overwriting int channel). */
    public RetryPolicy<S> countRetriesIn(ValueChannel<S, Integer> field) {
        return new RetryPolicy<>(maxAttempts, initialBackoff, multiplier, maxBackoff, retryOn, Objects.requireNonNull(field));
    }

    /** The retries to record for a node that succeeded at attempt {@code attempt}: at most {@code maxAttempts − 1}. */
    public int retriesRecorded(int attempt) {
        return Math.min(attempt, maxAttempts) - 1;
    }

    /** Whether a failure of attempt {@code attempt} (1-based) is followed by another attempt. */
    public boolean retries(Throwable failure, int attempt) {
        if (attempt >= maxAttempts) {
            return false;
        }
        if (retryOn.isEmpty()) {
            return true;
        }
        for (Class<? extends Throwable> type : retryOn) {
            if (Failures.isA(failure, type)) {
                return true;
            }
        }
        return false;
    }

    /** The wait after failed attempt {@code attempt} (1-based). */
    public Duration backoffAfter(int attempt) {
        double millis = initialBackoff.toMillis() * Math.pow(multiplier, attempt - 1);
        return millis >= maxBackoff.toMillis() ? maxBackoff : Duration.ofMillis((long) millis);
    }
}
