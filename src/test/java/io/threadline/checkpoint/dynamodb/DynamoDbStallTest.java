package io.threadline.checkpoint.dynamodb;

import io.threadline.ErrorCode;
import io.threadline.InvocationDeadline;
import io.threadline.ThreadlineException;
import io.threadline.checkpoint.Checkpoint;
import io.threadline.checkpoint.CheckpointChain;
import io.threadline.checkpoint.Commit;
import io.threadline.checkpoint.CommitResult;
import io.threadline.checkpoint.ThreadHead;
import io.threadline.checkpoint.ThreadKey;
import io.threadline.checkpoint.dynamodb.internal.Keys;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import software.amazon.awssdk.core.client.config.ClientOverrideConfiguration;
import software.amazon.awssdk.http.urlconnection.UrlConnectionHttpClient;
import software.amazon.awssdk.services.dynamodb.DynamoDbClient;
import software.amazon.awssdk.services.dynamodb.model.AttributeValue;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.RunnableScheduledFuture;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

import static io.threadline.DependencyAssertions.failsUnavailable;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * A DynamoDB that stops answering: a real DynamoDB Local process of this test's own, stopped with SIGSTOP (its
 * port still accepts connections; nothing is read or answered) and resumed with SIGCONT. Every store call fails
 * with DEPENDENCY_UNAVAILABLE within the configured call timeout — or the invocation's deadline, when sooner —
 * instead of hanging for as long as the stall lasts; and after the thaw the thread is whole: the head names a
 * complete checkpoint, and retrying the cut commit with its idempotency key lands it exactly once.
 *
 * <p>The bounds are loose (the limit plus {@link #SLACK}): the feature under test is that the time is bounded at
 * all, not how fast the machine is.
 */
class DynamoDbStallTest {

    /** The limits of the production client (application.properties), shortened so the test takes seconds. */
    private static final DynamoDbCallLimits LIMITS = new DynamoDbCallLimits(4, Duration.ofSeconds(1), Duration.ofSeconds(3));
    private static final Duration SLACK = Duration.ofSeconds(5);
    /** SDK timers (one-shot tasks) that ran on {@link #TIMERS}; the executor's periodic tick is not counted. */
    private static final AtomicInteger TIMERS_FIRED = new AtomicInteger();
    private static final ScheduledThreadPoolExecutor TIMERS = LIMITS.configure(
            new ScheduledThreadPoolExecutor(2, DynamoDbCallLimits.threadFactory("stall-test-timer-")) {
                @Override
                protected void afterExecute(Runnable task, Throwable thrown) {
                    if (task instanceof RunnableScheduledFuture<?> timer && !timer.isPeriodic()) {
                        TIMERS_FIRED.incrementAndGet();
                    }
                }
            });

    private static DynamoDbLocal local;
    private static DynamoDbClient client;
    private static DynamoDbClient patient;
    private static String table;
    private static DynamoDbCheckpointStore store;

    private final Steps steps = new Steps(Instant.now());

    @BeforeAll
    static void startOwnDynamoDb() {
        local = DynamoDbLocal.startSeparate();
        client = client(LIMITS);
        // A client whose own limit is far longer than any invocation deadline the tests set.
        patient = client(new DynamoDbCallLimits(1, Duration.ofSeconds(60), Duration.ofSeconds(60)));
        // Made by the patient client: on a loaded machine a fresh DynamoDB Local can take longer than the short call
        // timeout to create a table, and making it is no part of what is tested.
        table = LocalTables.newTable(patient, "stall");
        store = new DynamoDbCheckpointStore(client, DynamoDbStoreSettings.defaults(table), Clock.systemUTC());
    }

    /**
     * As the producer builds it: the URL-connection client with application.properties' connect/read timeouts, the
     * timeouts on the store's timer executor.
     */
    private static DynamoDbClient client(DynamoDbCallLimits limits) {
        return local.clientBuilder()
                .httpClient(UrlConnectionHttpClient.builder().connectionTimeout(Duration.ofSeconds(2)).socketTimeout(Duration.ofSeconds(2))
                        .build())
                .overrideConfiguration(limits.applyTo(ClientOverrideConfiguration.builder().build(), Clock.systemUTC(), TIMERS))
                .build();
    }

    @AfterEach
    void thaw() {
        local.thaw(); // whatever a test did; SIGCONT to a running process is harmless
    }

    @AfterAll
    static void stopOwnDynamoDb() {
        // Each step runs even if one before it throws or was never reached (a failed start leaves nulls).
        try {
            if (client != null) {
                client.close();
            }
        } finally {
            try {
                if (patient != null) {
                    patient.close();
                }
            } finally {
                try {
                    TIMERS.shutdownNow();
                } finally {
                    if (local != null) {
                        local.stop();
                    }
                }
            }
        }
    }

    @Test
    void aFrozenDynamoDbIsDependencyUnavailableWithinTheCallTimeoutAndTheCutCommitLandsOnceOnRetry() throws Exception {
        ThreadKey thread = ThreadKey.of("stall", "th-" + UUID.randomUUID());
        Checkpoint first = steps.first(thread);
        store.commit(new Commit(first, 0));
        Checkpoint next = steps.next(first, false, "key-" + UUID.randomUUID());

        // Traffic on the thread while DynamoDB stops: a reader polling the head.
        CompletableFuture<Duration> reader = CompletableFuture.supplyAsync(() -> {
            while (true) {
                long start = System.nanoTime();
                try {
                    store.head(thread);
                } catch (ThreadlineException e) {
                    assertThat(e.code()).isEqualTo(ErrorCode.DEPENDENCY_UNAVAILABLE);
                    return Duration.ofNanos(System.nanoTime() - start);
                }
            }
        });
        Thread.sleep(200);
        int firedBefore = TIMERS_FIRED.get();
        local.freeze();

        Duration commit = failsUnavailable(() -> store.commit(new Commit(next, 1)));
        Duration load = failsUnavailable(() -> store.loadLatest(thread));
        Duration head = reader.get(LIMITS.callTimeout().plus(SLACK).toMillis(), TimeUnit.MILLISECONDS);
        System.out.printf("DynamoDB frozen, call-timeout %s: commit answered DEPENDENCY_UNAVAILABLE after %d ms, "
                + "loadLatest after %d ms, a concurrent head read after %d ms%n", LIMITS.callTimeout(), commit.toMillis(),
                load.toMillis(), head.toMillis());
        for (Duration d : List.of(commit, load, head)) {
            assertThat(d).isLessThan(LIMITS.callTimeout().plus(SLACK));
        }
        // The cuts were the timers on the store's executor (the read timeout, 2 s, is longer than an attempt's 1 s).
        assertThat(TIMERS_FIRED.get()).isGreaterThan(firedBefore);

        local.thaw();
        // The cut commit's request may still be in the server's socket buffer and run after the thaw, at any
        // moment soon after (a head read and a load just after the thaw once straddled it): its outcome is
        // unknown, but whole — once the server has caught up, the head names a complete checkpoint, first or next.
        ThreadHead seen = settledHead(thread);
        assertThat(seen.checkpointId()).isIn(first.id(), next.id());
        CheckpointChain chain = store.loadLatest(thread).orElseThrow();
        assertThat(chain.target().id()).isEqualTo(seen.checkpointId());

        // Retrying with the same idempotency key is safe: it lands, or finds the one that did, exactly once.
        CommitResult retried = store.commit(new Commit(next, 1));
        assertThat(retried.checkpoint().id()).isEqualTo(next.id());
        assertThat(store.head(thread)).contains(new ThreadHead(next.id(), 2));
        List<Map<String, AttributeValue>> items = LocalTables.items(client, table, thread);
        assertThat(LocalTables.sortKeys(items).stream().filter(Keys::isCheckpoint)).hasSize(2);

        // And the thread goes on.
        Checkpoint third = steps.next(next, false);
        assertThat(store.commit(new Commit(third, 2)).duplicate()).isFalse();
        assertThat(store.head(thread)).contains(new ThreadHead(third.id(), 3));
    }

    /** The head once it and the latest chain agree twice in a row, 200 ms apart: the thawed server has caught up. */
    private ThreadHead settledHead(ThreadKey thread) throws InterruptedException {
        ThreadHead previous = null;
        for (int i = 0; i < 50; i++) {
            ThreadHead head = store.head(thread).orElseThrow();
            boolean whole = store.loadLatest(thread).orElseThrow().target().id().equals(head.checkpointId());
            if (whole && head.equals(previous)) {
                return head;
            }
            previous = whole ? head : null;
            Thread.sleep(200);
        }
        throw new AssertionError("the thread's head and latest checkpoint never agreed after the thaw");
    }

    @Test
    void aCallIsCutAtTheInvocationsDeadlineWhenThatComesFirst() {
        DynamoDbCheckpointStore onPatientClient = new DynamoDbCheckpointStore(patient, DynamoDbStoreSettings.defaults(table),
                Clock.systemUTC());
        ThreadKey thread = ThreadKey.of("stall", "th-" + UUID.randomUUID());
        onPatientClient.commit(new Commit(steps.first(thread), 0));
        Duration deadline = Duration.ofSeconds(2);

        local.freeze();
        Duration took = failsUnavailable(() -> InvocationDeadline.within(Instant.now().plus(deadline),
                () -> onPatientClient.loadLatest(thread)));
        System.out.printf("DynamoDB frozen, call-timeout 60 s, invocation deadline in %s: DEPENDENCY_UNAVAILABLE after %d ms%n",
                deadline, took.toMillis());
        assertThat(took).isLessThan(deadline.plus(SLACK));

        local.thaw();
        assertThat(onPatientClient.loadLatest(thread)).isPresent();
    }

    @Test
    void aCallAfterTheInvocationsDeadlineIsNotSent() {
        ThreadKey thread = ThreadKey.of("stall", "th-" + UUID.randomUUID());
        assertThatThrownBy(() -> InvocationDeadline.within(Instant.now().minusMillis(1), () -> store.head(thread)))
                .isInstanceOfSatisfying(ThreadlineException.class, e -> {
                    assertThat(e.code()).isEqualTo(ErrorCode.DEPENDENCY_UNAVAILABLE);
                    assertThat(e.getMessage()).contains("deadline has passed", "safe to retry");
                    assertThat(e.details()).containsEntry("awsErrorCode", "ApiCallTimeoutException");
                });
        assertThat(store.head(thread)).isEmpty();
    }
}
