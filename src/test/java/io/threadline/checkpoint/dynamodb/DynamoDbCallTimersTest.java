package io.threadline.checkpoint.dynamodb;

import org.junit.jupiter.api.Test;
import software.amazon.awssdk.core.client.config.ClientOverrideConfiguration;
import software.amazon.awssdk.services.dynamodb.DynamoDbClient;

import java.time.Clock;
import java.time.Duration;
import java.util.Set;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * The store client's attempt and call timers on a real DynamoDB Local: the executor {@link DynamoDbStoreProducer}
 * gives the client drops a timer as soon as its call ends (the SDK's default pool keeps it queued until its deadline
 * and wakes a thread for it), and it ends with the client. That the timers still cut a stalled call is
 * {@link DynamoDbStallTest}'s, on the same executor.
 */
class DynamoDbCallTimersTest {

    private static final DynamoDbCallLimits LIMITS = new DynamoDbCallLimits(4, Duration.ofSeconds(2), Duration.ofSeconds(8));
    private static final int CALLS = 100;

    @Test
    void aFinishedCallLeavesNoTimerQueued() {
        try (DynamoDbStoreProducer.StoreClient store = storeClient()) {
            calls(store.client());
            // Both timers of every call were scheduled on this executor (its thread started) and dropped on cancel.
            assertThat(store.timers().getLargestPoolSize()).isEqualTo(1);
            assertThat(store.timers().getQueue()).isEmpty();
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
        assertThatThrownBy(() -> DynamoDbCallLimits.timers(0)).isInstanceOf(IllegalArgumentException.class)
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
