package io.threadline.checkpoint.dynamodb;

import io.threadline.clients.InvocationDeadlineInterceptor;
import software.amazon.awssdk.core.client.config.ClientOverrideConfiguration;

import java.time.Clock;
import java.time.Duration;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * How long one DynamoDB call may take: each attempt at most {@code attemptTimeout}, at most {@code maxAttempts}
 * attempts (the SDK's standard retry mode: throttling, 5xx, I/O errors and attempt timeouts, jittered backoff),
 * and all of them, backoff included, at most {@code callTimeout} — or less, when the invocation making the call
 * ends sooner ({@link io.threadline.InvocationDeadline}). A call cut by any of these is DEPENDENCY_UNAVAILABLE.
 * The HTTP client's own connect and read timeouts ({@code quarkus.dynamodb.sync-client.*}) bound the phases
 * inside an attempt. Public for clients built outside CDI (the benchmarks), which should carry the same limits.
 *
 * <p>The two timeouts are timers the SDK schedules on the client's executor at the start of every call and attempt
 * and cancels when it ends. They run on {@link #timers(int)}, not on the executor the quarkus-amazon-dynamodb extension
 * puts on its shared builder ({@code quarkus.dynamodb.advanced.use-quarkus-scheduled-executor-service}, default true:
 * Quarkus's main jboss-threads {@code EnhancedQueueExecutor}, whose scheduler runs on its worker threads) nor on the
 * SDK's own default pool (5 threads, used without the extension). Both keep a cancelled timer queued until its
 * deadline and then wake a thread for it; the cost per call on each is measured by {@code bench/run sdk-floor}
 * (bench/README.md, issue 22).
 */
public record DynamoDbCallLimits(int maxAttempts, Duration attemptTimeout, Duration callTimeout) {

    public DynamoDbCallLimits {
        DynamoDbStoreProducer.standardRetry(maxAttempts); // checks maxAttempts
        // The SDK counts timeouts in whole milliseconds, and the timer executor's tick runs every attemptTimeout.
        if (attemptTimeout.toMillis() < 1 || callTimeout.compareTo(attemptTimeout) < 0) {
            throw new IllegalArgumentException("threadline.dynamodb.attempt-timeout must be at least 1 ms and at most "
                    + "threadline.dynamodb.call-timeout, got " + attemptTimeout + " and " + callTimeout);
        }
    }

    static DynamoDbCallLimits of(DynamoDbStoreConfig config) {
        return new DynamoDbCallLimits(config.maxAttempts(), config.attemptTimeout(), config.callTimeout());
    }

    /**
     * {@code base} with these limits: retry strategy, attempt and call timeouts on {@code timers}, and the cut at the
     * invocation's deadline. The SDK does not shut down an executor it was given: the caller closes {@code timers}
     * with the client.
     */
    public ClientOverrideConfiguration applyTo(ClientOverrideConfiguration base, Clock clock, ScheduledExecutorService timers) {
        return InvocationDeadlineInterceptor.limit(base.toBuilder()
                .retryStrategy(DynamoDbStoreProducer.standardRetry(maxAttempts))
                .scheduledExecutorService(timers)
                .apiCallAttemptTimeout(attemptTimeout), callTimeout, clock)
                .build();
    }

    /** Name of the timer threads, followed by their number. */
    public static final String TIMER_THREAD_PREFIX = "threadline-dynamodb-timer-";

    /**
     * The executor for a client's attempt and call timers ({@code threadline.dynamodb.timer-threads} threads): a
     * cancelled timer leaves its queue at once instead of waking a thread at its deadline; daemon threads, so a
     * client left open does not hold the JVM, and timers still pending at shutdown are dropped. A timer that fires
     * interrupts its caller and aborts the call's HTTP request on the timer thread (closing a socket, which can itself
     * block on a stalled peer): while one abort runs, another call's timeout on the same thread waits, hence more than
     * one thread by default (2). Threads are created without inheriting the creating thread's inheritable thread
     * locals (the log context, MDC), which a long-lived timer thread must not carry.
     *
     * <p>A tick runs every {@code attemptTimeout}, so the head of the queue is always due no later than any timer a
     * call schedules (each is at least {@code attemptTimeout} away, unless the invocation's deadline is nearer): a new
     * timer then never becomes the head, and scheduling it wakes no thread. Without it, every call's two timers each
     * woke the idle timer thread to re-aim its wait (~20 µs of CPU a call, bench/README.md); the tick costs one wake per
     * {@code attemptTimeout}.
     */
    public ScheduledThreadPoolExecutor timers(int threads) {
        return timers(threads, TIMER_THREAD_PREFIX);
    }

    /** {@link #timers(int)} with threads named {@code threadName} and their number (the benchmarks tell pools apart). */
    public ScheduledThreadPoolExecutor timers(int threads, String threadName) {
        if (threads < 1) {
            throw new IllegalArgumentException("threadline.dynamodb.timer-threads must be at least 1, got " + threads);
        }
        return configure(new ScheduledThreadPoolExecutor(threads, threadFactory(threadName)));
    }

    /** Threads for {@link #timers(int, String)}: daemon, named {@code threadName} and their number. */
    static ThreadFactory threadFactory(String threadName) {
        AtomicInteger next = new AtomicInteger();
        return task -> {
            Thread thread = new Thread(null, task, threadName + next.getAndIncrement(), 0, false);
            thread.setDaemon(true);
            return thread;
        };
    }

    /** {@code executor} as {@link #timers(int)} describes it (the tests count its schedules on a subclass). */
    <E extends ScheduledThreadPoolExecutor> E configure(E executor) {
        executor.setRemoveOnCancelPolicy(true);
        executor.setExecuteExistingDelayedTasksAfterShutdownPolicy(false);
        executor.setContinueExistingPeriodicTasksAfterShutdownPolicy(false);
        // With a fixed delay the next tick is due at most attemptTimeout after the last one ran, never earlier than a
        // timer scheduled now; a fixed rate would run every missed tick back to back after the process was frozen
        // (a Lambda container between invocations, a SnapStart restore). Whole milliseconds, as the SDK schedules.
        long tick = attemptTimeout.toMillis();
        executor.scheduleWithFixedDelay(DynamoDbCallLimits::tick, tick, tick, TimeUnit.MILLISECONDS);
        return executor;
    }

    /** Does nothing: its place at the head of the timer queue is its work. */
    private static void tick() {
    }
}
