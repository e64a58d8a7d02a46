package io.threadline.config;

import java.util.function.Supplier;

/**
 * A value settled by its first build that succeeds, then kept. A build that throws (a refused setting, a dependency
 * that cannot be reached yet) settles nothing, so the next call tries again: a deployment whose setting or dependency
 * is fixed is never stuck with an old failure.
 *
 * @param <T> what is settled
 */
final class Settled<T> {

    private volatile T value;

    /** The settled value, built by {@code build} on the first call that finds none (one build at a time). */
    T get(Supplier<T> build) {
        T v = value;
        if (v == null) {
            synchronized (this) {
                if (value == null) {
                    value = build.get();
                }
                v = value;
            }
        }
        return v;
    }
}
