package io.threadline.api;

import com.amazonaws.services.lambda.runtime.Context;

/**
 * The Lambda {@link Context} of the invocation running on this thread, for direct invocations
 * through {@link ThreadlineLambdaHandler} (Funqy's Lambda binding does not pass it to functions).
 */
public final class LambdaInvocation {

    private static final ThreadLocal<Context> CURRENT = new ThreadLocal<>();

    private LambdaInvocation() {
    }

    public static Context current() {
        return CURRENT.get();
    }

    /** Runs {@code body} with {@code context} as the current invocation's context. */
    public static <E extends Exception> void with(Context context, ThrowingRunnable<E> body) throws E {
        CURRENT.set(context);
        try {
            body.run();
        } finally {
            CURRENT.remove();
        }
    }

    /** A body that may throw. */
    @FunctionalInterface
    public interface ThrowingRunnable<E extends Exception> {
        void run() throws E;
    }
}
