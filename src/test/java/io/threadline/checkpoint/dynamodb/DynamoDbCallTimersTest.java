package io.threadline.checkpoint.dynamodb;

import org.junit.jupiter.api.Test;
import software.amazon.awssdk.core.interceptor.Context;
import software.amazon.awssdk.core.interceptor.ExecutionAttributes;
import software.amazon.awssdk.core.interceptor.ExecutionInterceptor;
import software.amazon.awssdk.services.dynamodb.DynamoDbClient;

import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.Callable;
import java.util.concurrent.RunnableScheduledFuture;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * The store client's attempt and call timers on a real DynamoDB Local: the executor {@link DynamoDbStoreProducer}
 * gives the client holds each call's two timers and drops them as soon as the call ends (Quarkus's executor, which the
 * extension put on the shared builder before, and the SDK's default pool keep a cancelled timer until its deadline:
 * bench/run sdk-floor measures both), scheduling one wakes no thread (it queues behind the tick), the shared
 * builder's executor is not used, and the executor ends with the client. That the timers still cut a stalled call is
 * {@link DynamoDbStallTest}'s, on the same executor.
 */
class DynamoDbCallTimersTest {

    // Limits no call here comes near (a loaded machine must not retry an attempt or run the tick during the calls).
    private static final DynamoDbCallLimits LIMITS = new DynamoDbCallLimits(4, Duration.ofSeconds(30), Duration.ofSeconds(60));
    private static final int CALLS = 100;

    @Test
    void everyCallSchedulesItsTwoTimersHereAndAFinishedCallLeavesNoneQueued() {
        // Inside each call, just before its request goes out: both of its timers are queued behind the tick, so
        // scheduling them woke no thread (a new head wakes the waiting timer thread to re-aim its wait).
        List<String> inside = new ArrayList<>();
        AtomicReference<ScheduledThreadPoolExecutor> timers = new AtomicReference<>();
        ExecutionInterceptor probe = new ExecutionInterceptor() {
            @Override
            public void beforeTransmission(Context.BeforeTransmission context, ExecutionAttributes attributes) {
                BlockingQueue<Runnable> queue = timers.get().getQueue();
                inside.add(queue.size() + (((RunnableScheduledFuture<?>) queue.peek()).isPeriodic() ? " behind the tick" : " ahead of it"));
            }
        };
        var shared = DynamoDbLocal.get().clientBuilder().overrideConfiguration(c -> c.addExecutionInterceptor(probe));
        CountingTimers counting = LIMITS.configure(new CountingTimers());
        try (DynamoDbStoreProducer.StoreClient store = DynamoDbStoreProducer.StoreClient.build(shared, LIMITS, counting, false, Clock.systemUTC())) {
            timers.set(store.timers());
            calls(store.client());
            assertThat(inside).hasSize(CALLS).containsOnly("3 behind the tick");
            // Exactly the call and attempt timer of every call (and the tick) were scheduled here, none fired, and
            // each was dropped when its call ended: only the tick is left.
            assertThat(counting.scheduled.get()).isEqualTo(2 * CALLS + 1);
            assertThat(store.timers().getCompletedTaskCount()).isZero();
            assertThat(store.timers().getQueue()).hasSize(1);
            assertThat(((RunnableScheduledFuture<?>) store.timers().getQueue().peek()).isPeriodic()).isTrue();
        }
    }

    @Test
    void closingTheStoreClientEndsItsTimerThreads() throws InterruptedException {
        // Threads of this test's own executor, under a name no other client in this JVM uses.
        String name = "timers-close-test-";
        DynamoDbStoreProducer.StoreClient store = DynamoDbStoreProducer.StoreClient.build(DynamoDbLocal.get().clientBuilder(),
                LIMITS, LIMITS.timers(2, name), false, Clock.systemUTC());
        calls(store.client());
        Set<Thread> started = Thread.getAllStackTraces().keySet().stream()
                .filter(t -> t.getName().startsWith(name)).collect(Collectors.toSet());
        assertThat(started).hasSize(2).allSatisfy(t -> assertThat(t.isDaemon()).isTrue());

        store.close(); // what the producer's @PreDestroy does on Quarkus shutdown

        assertThat(store.timers().awaitTermination(5, TimeUnit.SECONDS)).isTrue();
        for (Thread t : started) {
            t.join(5_000);
            assertThat(t.isAlive()).as("timer thread %s after close", t.getName()).isFalse();
        }
    }

    @Test
    void theSharedBuildersExecutorIsLeftAloneAndKept() {
        // The extension puts Quarkus's executor on the shared builder: the store client schedules nothing on it, and
        // the builder still holds it for whatever else the extension builds.
        CountingTimers sentinel = new CountingTimers();
        try {
            var shared = DynamoDbLocal.get().clientBuilder().overrideConfiguration(c -> c.scheduledExecutorService(sentinel));
            try (DynamoDbStoreProducer.StoreClient store = DynamoDbStoreProducer.StoreClient.build(shared, LIMITS, 1, false,
                    Clock.systemUTC())) {
                calls(store.client());
                assertThat(store.timers().getQueue()).hasSize(1); // the calls ran on the store's own timers
            }
            assertThat(sentinel.scheduled.get()).isZero();
            assertThat(shared.overrideConfiguration().scheduledExecutorService()).containsSame(sentinel);
            assertThat(shared.overrideConfiguration().apiCallTimeout()).isEmpty();
        } finally {
            sentinel.shutdownNow();
        }
    }

    @Test
    void fewerThanOneTimerThreadIsAClearError() {
        assertThatThrownBy(() -> LIMITS.timers(0)).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("threadline.dynamodb.timer-threads must be at least 1, got 0");
    }

    @Test
    void anAttemptTimeoutUnderOneMillisecondIsAClearError() {
        // The SDK schedules in whole milliseconds, and the tick runs every attempt-timeout.
        assertThatThrownBy(() -> new DynamoDbCallLimits(1, Duration.ofNanos(999_999), Duration.ofSeconds(1)))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("threadline.dynamodb.attempt-timeout must be at least 1 ms");
    }

    @Test
    void aTimerDueBeforeTheTickStillFiresOnTime() throws Exception {
        // An invocation's deadline nearer than attempt-timeout makes a timer the queue's head: it must wake the
        // thread then, not wait behind the tick.
        ScheduledThreadPoolExecutor timers = LIMITS.timers(1, "timers-early-test-");
        try {
            long start = System.nanoTime();
            long firedAfter = timers.schedule(() -> System.nanoTime() - start, 50, TimeUnit.MILLISECONDS).get(10, TimeUnit.SECONDS);
            assertThat(Duration.ofNanos(firedAfter)).isLessThan(LIMITS.attemptTimeout().dividedBy(2));
        } finally {
            timers.shutdownNow();
        }
    }

    private static void calls(DynamoDbClient client) {
        for (int i = 0; i < CALLS; i++) {
            client.listTables(b -> b.limit(1));
        }
    }

    /** A timer executor that counts what is scheduled on it. */
    private static final class CountingTimers extends ScheduledThreadPoolExecutor {
        final AtomicInteger scheduled = new AtomicInteger();

        CountingTimers() {
            super(1, DynamoDbCallLimits.threadFactory("timers-counting-test-"));
        }

        @Override
        protected <V> RunnableScheduledFuture<V> decorateTask(Runnable runnable, RunnableScheduledFuture<V> task) {
            scheduled.incrementAndGet();
            return task;
        }

        @Override
        protected <V> RunnableScheduledFuture<V> decorateTask(Callable<V> callable, RunnableScheduledFuture<V> task) {
            scheduled.incrementAndGet();
            return task;
        }
    }
}
