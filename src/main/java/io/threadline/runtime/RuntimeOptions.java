package io.threadline.runtime;

import io.threadline.checkpoint.SnapshotPolicy;

import java.security.GeneralSecurityException;
import java.security.SecureRandom;
import java.time.Clock;
import java.util.Objects;
import java.util.function.Consumer;
import java.util.random.RandomGenerator;

/**
 * Settings of a {@link ThreadRuntime}. The application maps {@code threadline.*} configuration
 * onto these; tests pass a fixed clock and seeded randomness.
 *
 * @param snapshotPolicy   when a checkpoint stores the whole state ({@code threadline.checkpoint.snapshot-ratio})
 * @param headCacheThreads how many threads' latest states to keep decoded in memory
 *                         ({@code threadline.runtime.head-cache-threads}; 0 disables the cache)
 * @param clock            time source of checkpoints and of {@code StepContext.now()}
 * @param random           randomness of ids
 * @param trustHeadCache   commit on a cached head without first asking the store whether it is still
 *                         the head ({@code threadline.runtime.trust-head-cache}): a warm step is then the
 *                         commit alone. A stale head makes the commit fail its condition; the step is
 *                         then decided again, once, on the stored head — so its nodes may run twice.
 * @param errorStackFrames how many stack frames a FAILED checkpoint keeps of its error
 *                         ({@code threadline.runtime.error-stack-frames}): enough to find the line, bounded
 *                         so a deep stack cannot bloat the thread
 * @param observer         told about each step, store call and effect (telemetry); {@link StepObserver#NONE} by default
 */
public record RuntimeOptions(SnapshotPolicy snapshotPolicy, int headCacheThreads, Clock clock, RandomGenerator random,
                             boolean trustHeadCache, int errorStackFrames, StepObserver observer) {

    public static final int DEFAULT_ERROR_STACK_FRAMES = 40;

    public RuntimeOptions {
        Objects.requireNonNull(snapshotPolicy, "snapshotPolicy");
        Objects.requireNonNull(clock, "clock");
        Objects.requireNonNull(random, "random");
        Objects.requireNonNull(observer, "observer");
        if (headCacheThreads < 0) {
            throw new IllegalArgumentException("headCacheThreads must be >= 0");
        }
        if (errorStackFrames < 0) {
            throw new IllegalArgumentException("errorStackFrames must be >= 0");
        }
    }

    /**
     * Ids come from a {@link SecureRandom} (the platform's, which on Linux mixes in fresh kernel entropy on every
     * call), not from {@code ThreadLocalRandom}: a JVM function on Lambda with SnapStart is resumed from one
     * snapshot in many execution environments, and a pseudo-random generator seeded before the snapshot would
     * give every one of them the same sequence — the same "unique" ids from {@code StepContext.newId()} in
     * environments started together. AWS's guidance ("Handling uniqueness with Lambda SnapStart") is a CSPRNG.
     */
    public static RuntimeOptions defaults() {
        SecureRandom random = secureRandom();
        return new RuntimeOptions(SnapshotPolicy.DEFAULT, 1024, Clock.systemUTC(), random::nextLong, false, DEFAULT_ERROR_STACK_FRAMES,
                StepObserver.NONE);
    }

    /**
     * The SUN provider's NativePRNG (/dev/urandom) asked for by name: {@code new SecureRandom()} looks through
     * every installed security provider first, loading all of them (PKCS#11, SASL, JGSS, smart cards: ~40 ms of
     * a cold start). Where there is no NativePRNG (Windows), the platform default.
     */
    private static SecureRandom secureRandom() {
        try {
            return SecureRandom.getInstance("NativePRNG", "SUN");
        } catch (GeneralSecurityException e) {
            return new SecureRandom();
        }
    }

    public RuntimeOptions withClock(Clock clock) {
        return with(o -> o.clock = clock);
    }

    public RuntimeOptions withRandom(RandomGenerator random) {
        return with(o -> o.random = random);
    }

    public RuntimeOptions withSnapshotPolicy(SnapshotPolicy policy) {
        return with(o -> o.snapshotPolicy = policy);
    }

    public RuntimeOptions withHeadCacheThreads(int threads) {
        return with(o -> o.headCacheThreads = threads);
    }

    public RuntimeOptions withTrustHeadCache(boolean trust) {
        return with(o -> o.trustHeadCache = trust);
    }

    public RuntimeOptions withErrorStackFrames(int frames) {
        return with(o -> o.errorStackFrames = frames);
    }

    public RuntimeOptions withObserver(StepObserver observer) {
        return with(o -> o.observer = observer);
    }

    /** A copy of these options with {@code change} made: the one place that lists every field, for the withers above. */
    private RuntimeOptions with(Consumer<Copy> change) {
        Copy copy = new Copy(this);
        change.accept(copy);
        return new RuntimeOptions(copy.snapshotPolicy, copy.headCacheThreads, copy.clock, copy.random, copy.trustHeadCache,
                copy.errorStackFrames, copy.observer);
    }

    /** The fields of a {@link RuntimeOptions} being copied; checked again by the record's constructor. */
    private static final class Copy {
        SnapshotPolicy snapshotPolicy;
        int headCacheThreads;
        Clock clock;
        RandomGenerator random;
        boolean trustHeadCache;
        int errorStackFrames;
        StepObserver observer;

        Copy(RuntimeOptions o) {
            snapshotPolicy = o.snapshotPolicy;
            headCacheThreads = o.headCacheThreads;
            clock = o.clock;
            random = o.random;
            trustHeadCache = o.trustHeadCache;
            errorStackFrames = o.errorStackFrames;
            observer = o.observer;
        }
    }
}
