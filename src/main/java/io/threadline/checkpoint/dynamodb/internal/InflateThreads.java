package io.threadline.checkpoint.dynamodb.internal;

import java.util.concurrent.Executor;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.SynchronousQueue;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * The threads besides the caller that inflate a large compressed payload's gzip members on a read
 * ({@code threadline.dynamodb.inflate-threads}): owned by whoever builds the store (the producer, from config) and
 * closed with it, like the store client's timers. A handed task starts at once or is refused (no queue): a refused one is
 * the caller's to inflate, so a read never waits behind another read's members — nor on threads closed under it.
 */
public final class InflateThreads implements AutoCloseable {

    /** No helpers: the caller inflates every member (the default, 0). */
    public static final InflateThreads NONE = new InflateThreads(0, task -> {
        throw new RejectedExecutionException("no inflate threads: the caller inflates every member");
    });

    private final int count;
    private final Executor threads;

    private InflateThreads(int count, Executor threads) {
        this.count = count;
        this.threads = threads;
    }

    /**
     * {@code count} daemon threads ({@code threadline-inflate-N}, started on first use, ended after 30 s idle), but no
     * more than this machine's processors less one (read now, at run time); 0 for {@link #NONE}.
     *
     * @throws IllegalArgumentException when {@code count} is negative
     */
    public static InflateThreads of(int count) {
        return of(count, Runtime.getRuntime().availableProcessors());
    }

    /**
     * {@link #of(int)} on a machine of {@code processors}. A helper without a core of its own only makes the caller spin
     * on its member (up to ~2 ms each) and then inflate it anyway; and a read hands out up to one task per member, so a
     * large count would start hundreds of threads for one large read.
     */
    static InflateThreads of(int count, int processors) {
        if (count < 0) {
            throw new IllegalArgumentException("threadline.dynamodb.inflate-threads must be at least 0, got " + count);
        }
        count = Math.min(count, Math.max(0, processors - 1));
        if (count == 0) {
            return NONE;
        }
        AtomicInteger made = new AtomicInteger();
        return new InflateThreads(count, new ThreadPoolExecutor(0, count, 30, TimeUnit.SECONDS, new SynchronousQueue<>(), task -> {
            // not inheriting thread-locals: a helper made during one request's read would carry its logging MDC (tenant,
            // trace ids) into every line it might log for later requests
            Thread t = new Thread(null, task, "threadline-inflate-" + made.incrementAndGet(), 0, false);
            t.setDaemon(true);
            return t;
        }));
    }

    int count() {
        return count;
    }

    Executor threads() {
        return threads;
    }

    /** Ends the threads once they finish the members they hold; reads after this inflate on the caller. */
    @Override
    public void close() {
        if (threads instanceof ThreadPoolExecutor pool) {
            pool.shutdown();
        }
    }
}
