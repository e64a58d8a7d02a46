package io.threadline.checkpoint.dynamodb;

import org.junit.jupiter.api.Test;
import software.amazon.awssdk.core.client.config.ClientOverrideConfiguration;
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
import java.util.concurrent.RunnableScheduledFuture;
import java.util.concurrent.atomic.AtomicReference;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * The store client's attempt and call timers on a real DynamoDB Local: the executor {@link DynamoDbStoreProducer}
 * gives the client drops a timer as soon as its call ends (the SDK's default pool keeps it queued until its deadline
 * and wakes a thread for it), scheduling one wakes no thread (it queues behind the tick), and it ends with the client. That the timers still cut a stalled call is
 * {@link DynamoDbStallTest}'s, on the same executor.
 */
class DynamoDbCallTimersTest {

    private static final DynamoDbCallLimits LIMITS = new DynamoDbCallLimits(4, Duration.ofSeconds(2), Duration.ofSeconds(8));
    private static final int CALLS = 100;

    @Test
    void aFinishedCallLeavesNoTimerQueuedAndANewOneNeverHeadsTheQueue() {
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
        try (DynamoDbStoreProducer.StoreClient store = DynamoDbStoreProducer.StoreClient.build(shared, LIMITS, 1, false, Clock.systemUTC())) {
            timers.set(store.timers());
            calls(store.client());
            assertThat(inside).hasSize(CALLS).containsOnly("3 behind the tick");
            // Both timers of every call were scheduled on this executor and dropped on cancel: only the tick is left.
            assertThat(store.timers().getQueue()).hasSize(1);
            assertThat(((RunnableScheduledFuture<?>) store.timers().getQueue().peek()).isPeriodic()).isTrue();
        }
    }

    @Test
    void theSdksDefaultPoolShapeKeepsEveryCancelledTimerQueued() {
        // The contrast the executor exists for: a pool as the SDK builds by default holds each call's two cancelled
        // timers until their deadlines (2 s and 8 s away), each to wake a thread then.
        ScheduledThreadPoolExecutor sdkShaped = (ScheduledThreadPoolExecutor) Executors.newScheduledThreadPool(5);
        try (DynamoDbClient client = DynamoDbLocal.get().clientBuilder()
                .overrideConfiguration(LIMITS.applyTo(ClientOverrideConfiguration.builder().build(), Clock.systemUTC(), sdkShaped))
                .build()) {
            calls(client);
            assertThat(sdkShaped.getQueue()).hasSizeGreaterThanOrEqualTo(CALLS);
        } finally {
            sdkShaped.shutdownNow();
        }
    }

    @Test
    void closingTheStoreClientEndsItsTimerThreads() throws InterruptedException {
        Set<Thread> before = timerThreads();
        DynamoDbStoreProducer.StoreClient store = storeClient();
        calls(store.client());
        Set<Thread> started = timerThreads();
        started.removeAll(before);
        assertThat(started).isNotEmpty().allSatisfy(t -> {
            assertThat(t.isDaemon()).isTrue();
            assertThat(t.getName()).startsWith(DynamoDbCallLimits.TIMER_THREAD_PREFIX);
        });

        store.close(); // what the producer's @PreDestroy does on Quarkus shutdown

        assertThat(store.timers().awaitTermination(5, TimeUnit.SECONDS)).isTrue();
        for (Thread t : started) {
            t.join(5_000);
            assertThat(t.isAlive()).as("timer thread %s after close", t.getName()).isFalse();
        }
    }

    @Test
    void theSharedBuilderKeepsItsOwnConfiguration() {
        var shared = DynamoDbLocal.get().clientBuilder();
        ClientOverrideConfiguration original = shared.overrideConfiguration();
        try (DynamoDbStoreProducer.StoreClient ignored = DynamoDbStoreProducer.StoreClient.build(shared, LIMITS, 1, false,
                Clock.systemUTC())) {
            assertThat(shared.overrideConfiguration().scheduledExecutorService()).isEqualTo(original.scheduledExecutorService());
            assertThat(shared.overrideConfiguration().apiCallTimeout()).isEqualTo(original.apiCallTimeout());
        }
    }

    @Test
    void fewerThanOneTimerThreadIsAClearError() {
        assertThatThrownBy(() -> LIMITS.timers(0)).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("threadline.dynamodb.timer-threads must be at least 1, got 0");
    }

    private static DynamoDbStoreProducer.StoreClient storeClient() {
        return DynamoDbStoreProducer.StoreClient.build(DynamoDbLocal.get().clientBuilder(), LIMITS, 1, false, Clock.systemUTC());
    }

    private static void calls(DynamoDbClient client) {
        for (int i = 0; i < CALLS; i++) {
            client.listTables(b -> b.limit(1));
        }
    }

    private static Set<Thread> timerThreads() {
        return Thread.getAllStackTraces().keySet().stream()
                .filter(t -> t.getName().startsWith(DynamoDbCallLimits.TIMER_THREAD_PREFIX)).collect(Collectors.toSet());
    }
}
