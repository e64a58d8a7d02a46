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
     * {@code count} daemon threads ({@code threadline-inflate-N}, started on first use, ended after 30 s idle); 0 for
     * {@link #NONE}.
     *
     * @throws IllegalArgumentException when {@code count} is negative
     */
    public static InflateThreads of(int count) {
        if (count < 0) {
            throw new IllegalArgumentException("threadline.dynamodb.inflate-threads must be at least 0, got " + count);
        }
        if (count == 0) {
            return NONE;
        }
        AtomicInteger made = new AtomicInteger();
        return new InflateThreads(count, new ThreadPoolExecutor(0, count, 30, TimeUnit.SECONDS, new SynchronousQueue<>(), task -> {
            Thread t = new Thread(task, "threadline-inflate-" + made.incrementAndGet());
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
