package io.threadline.runs;

import io.threadline.ErrorCode;
import io.threadline.ThreadlineException;
import io.threadline.checkpoint.Checkpoint;
import io.threadline.checkpoint.HistoryQuery;
import io.threadline.checkpoint.ThreadKey;
import io.threadline.checkpoint.dynamodb.DynamoDbLocal;
import io.threadline.runs.sqs.ElasticMq;
import io.threadline.runs.sqs.RunQueues;
import io.threadline.state.StateCodec;
import io.threadline.state.Update;
import io.threadline.state.internal.UpdateDecoder;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.UUID;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.function.BooleanSupplier;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * Background runs on the real stack: DynamoDB Local (checkpoints and run records), ElasticMQ (the FIFO queue,
 * through the AWS SDK's SQS client), the batch worker fed by a poller as Lambda's event source mapping feeds it.
 */
class BackgroundRunsTest {

    static final String TABLE = "runs-" + UUID.randomUUID();

    RunHarness h;
    String queueUrl;

    @BeforeEach
    void stack() {
        queueUrl = RunQueues.createIfMissing(ElasticMq.get().client(), "runs-" + UUID.randomUUID().toString().substring(0, 8),
                Duration.ofSeconds(3), 5);
        h = new RunHarness(DynamoDbLocal.get().endpoint(), TABLE, ElasticMq.get().endpoint(), queueUrl, Clock.systemUTC()).poll(queueUrl, 2);
    }

    @AfterEach
    void stop() {
        h.close();
    }

    static ThreadKey thread() {
        return ThreadKey.of("t", "th-" + UUID.randomUUID());
    }

    @Test
    void aFiftyStepRunCompletesWithEveryStepCommittedOnce() {
        ThreadKey thread = thread();
        BackgroundRuns.Started started = h.runs.start(thread, null, h.json("{\"target\":50}"), 100, DoubleTexting.REJECT, null, "test");
        assertThat(started.run().status()).isEqualTo(RunStatus.ACTIVE);
        assertThat(started.head()).isNull();

        await(Duration.ofSeconds(90), () -> h.run(thread).status().ended());
        Run run = h.run(thread);
        assertThat(run.status()).isEqualTo(RunStatus.DONE);
        assertThat(run.stepsTaken()).isEqualTo(50);
        assertThat(h.runtime.state(thread).state().n()).isEqualTo(50);
        assertEveryStepOnce(thread, 50, run.runId());
    }

    @Test
    void aDuplicatedOrRedeliveredMessageChangesNothing() {
        ThreadKey thread = thread();
        String runId = h.runs.start(thread, null, h.json("{\"target\":5}"), 100, DoubleTexting.REJECT, null, "test").run().runId();
        await(Duration.ofSeconds(30), () -> h.run(thread).status().ended());
        Run before = h.run(thread);
        Checkpoint head = h.runtime.state(thread).checkpoint();

        // Every step's message again, straight to the worker and through the queue (a new deduplication id each).
        for (long step = 1; step <= 6; step++) {
            RunMessage again = new RunMessage(thread.tenant(), thread.threadId(), null, runId, step);
            assertThat(h.runs.advance(again).deferred()).isFalse();
            h.sqs.sendMessage(b -> b.queueUrl(queueUrl).messageBody(again.toJson()).messageGroupId(again.groupId())
                    .messageDeduplicationId(UUID.randomUUID().toString()));
        }
        await(Duration.ofSeconds(10), () -> queueEmpty());
        assertThat(h.run(thread)).isEqualTo(before);
        assertThat(h.runtime.state(thread).checkpoint().id()).isEqualTo(head.id());
        assertEveryStepOnce(thread, 5, runId);
    }

    @Test
    void aWorkerThatDiesBetweenCommitAndSendLeavesTheMessageToBeDeliveredAgain() {
        ThreadKey thread = thread();
        h.close(); // no poller: this test plays the worker by hand
        Run run = h.runs.start(thread, null, h.json("{\"target\":3}"), 100, DoubleTexting.REJECT, null, "test").run();
        // Step 1 commits as a worker would, and the worker "dies" before recording progress and sending step 2.
        h.runtime.step(thread, (Update) UpdateDecoder.decode(h.runtime.graph().schema(),
                h.json("{\"target\":3}"), new StateCodec()), "run:" + run.runId() + ":1");
        // The message of step 1 comes again (it was never deleted): it runs nothing, records step 1 and sends step 2.
        assertThat(h.runs.advance(run.nextMessage()).outcome()).contains("step 1");
        assertThat(h.runtime.state(thread).checkpoint().step()).isEqualTo(1);
        assertThat(h.run(thread).nextStep()).isEqualTo(2);
        h.poll(queueUrl, 1);
        await(Duration.ofSeconds(30), () -> h.run(thread).status().ended());
        assertThat(h.runtime.state(thread).state().n()).isEqualTo(3);
        assertEveryStepOnce(thread, 3, run.runId());
    }

    @Test
    void cancelStopsTheRunAtAStepBoundaryAndHistorySaysWhoAndWhen() {
        ThreadKey thread = thread();
        h.runs.start(thread, null, h.json("{\"target\":1000,\"delayMs\":50}"), 1000, DoubleTexting.REJECT, null, "test");
        await(Duration.ofSeconds(30), () -> h.run(thread).stepsTaken() >= 3);
        Run asked = h.runs.cancel(thread, "alice");
        assertThat(asked.cancelledBy()).isEqualTo("alice");
        await(Duration.ofSeconds(30), () -> h.run(thread).status().ended());
        Run ended = h.run(thread);
        assertThat(ended.status()).isEqualTo(RunStatus.CANCELLED);
        // The note is written before the run's record ends: it is there as soon as the run is CANCELLED.
        Checkpoint note = h.runtime.state(thread).checkpoint();
        assertThat(note.metadata()).containsEntry("op", "update");
        assertThat(note.metadata().get("reason")).contains("cancelled by alice at " + asked.cancelledAt());
        long steps = note.step();
        sleep(500);
        assertThat(h.runtime.state(thread).checkpoint().step()).as("nothing after the cancel").isEqualTo(steps);
        assertThatThrownBy(() -> h.runs.cancel(thread, "bob")).isInstanceOfSatisfying(ThreadlineException.class,
                e -> assertThat(e.code()).isEqualTo(ErrorCode.RUN_NOT_FOUND));
    }

    @Test
    void rejectUnderConcurrentStartsLetsExactlyOneRunStart() throws Exception {
        ThreadKey thread = thread();
        List<Callable<String>> callers = new ArrayList<>();
        for (int i = 0; i < 8; i++) {
            callers.add(() -> h.runs.start(thread, null, h.json("{\"target\":200,\"delayMs\":20}"), 1000, DoubleTexting.REJECT, null, "c")
                    .run().runId());
        }
        List<Object> outcomes = concurrently(callers);
        assertThat(outcomes.stream().filter(o -> o instanceof String)).hasSize(1);
        assertThat(outcomes.stream().filter(o -> o instanceof ThreadlineException e && e.code() == ErrorCode.RUN_IN_PROGRESS)).hasSize(7);
        h.runs.cancel(thread, "test");
    }

    @Test
    void enqueueUnderConcurrencyAppliesEveryInputOnceInTurn() throws Exception {
        ThreadKey thread = thread();
        h.runs.start(thread, null, h.json("{\"target\":20,\"delayMs\":20}"), 1000, DoubleTexting.REJECT, null, "first");
        List<Callable<String>> callers = new ArrayList<>();
        for (int i = 0; i < 5; i++) {
            String note = "input-" + i;
            callers.add(() -> {
                BackgroundRuns.Started s = h.runs.start(thread, null, h.json("{\"notes\":[\"" + note + "\"]}"), 1000, DoubleTexting.ENQUEUE,
                        null, note);
                assertThat(s.queued()).isTrue();
                return s.run().runId();
            });
        }
        List<Object> outcomes = concurrently(callers);
        assertThat(outcomes).allMatch(o -> o instanceof String);
        await(Duration.ofSeconds(60), () -> h.run(thread).status().ended());
        assertThat(h.run(thread).status()).isEqualTo(RunStatus.DONE);
        assertThat(h.runtime.state(thread).state().notes()).containsExactlyInAnyOrder("input-0", "input-1", "input-2", "input-3", "input-4");
        // 20 steps to the target, then one turn (one step) per queued input.
        assertThat(h.runtime.state(thread).state().n()).isEqualTo(25);
    }

    @Test
    void interruptUnderConcurrencyStopsTheRunAndEveryRequestGoesOnFromThere() throws Exception {
        ThreadKey thread = thread();
        Run run = h.runs.start(thread, null, h.json("{\"target\":1000,\"delayMs\":30}"), 1000, DoubleTexting.REJECT, null, "bg").run();
        await(Duration.ofSeconds(30), () -> h.run(thread).stepsTaken() >= 3);
        List<Callable<Long>> callers = new ArrayList<>();
        for (int i = 0; i < 4; i++) {
            String note = "fg-" + i;
            callers.add(() -> {
                h.runs.admit(thread, DoubleTexting.INTERRUPT, note);
                return h.runs.afterTakeover(() -> h.runtime.step(thread, Update.of(Counter.State.NOTES.append(note)), null)).checkpoint().step();
            });
        }
        List<Object> outcomes = concurrently(callers);
        assertThat(outcomes).allMatch(o -> o instanceof Long);
        assertThat(h.run(thread).status()).isEqualTo(RunStatus.SUPERSEDED);
        long head = h.runtime.state(thread).checkpoint().step();
        sleep(500);
        assertThat(h.runtime.state(thread).checkpoint().step()).as("the background run took no step after").isEqualTo(head);
        assertThat(h.runtime.state(thread).state().notes()).containsExactlyInAnyOrder("fg-0", "fg-1", "fg-2", "fg-3");
        assertContiguous(thread);
    }

    @Test
    void rollbackReturnsTheThreadToWhereTheRunStartedThenGoesOn() throws Exception {
        ThreadKey thread = thread();
        h.runtime.step(thread, Update.of(Counter.State.NOTES.append("before")), null); // n = 1, target 0: DONE
        Checkpoint before = h.runtime.state(thread).checkpoint();
        String counting = h.runs.start(thread, null, h.json("{\"target\":1000,\"delayMs\":30}"), 1000, DoubleTexting.REJECT, null, "bg")
                .run().runId();
        await(Duration.ofSeconds(30), () -> h.run(thread).stepsTaken() >= 3);
        List<Callable<String>> callers = new ArrayList<>();
        for (int i = 0; i < 3; i++) {
            callers.add(() -> h.runs.start(thread, null, h.json("{\"notes\":[\"after\"],\"target\":0}"), 1, DoubleTexting.ROLLBACK, null,
                    "rb").run().runId());
        }
        List<Object> outcomes = concurrently(callers);
        assertThat(outcomes).allMatch(o -> o instanceof String || o instanceof ThreadlineException e && e.code() == ErrorCode.CONFLICT);
        await(Duration.ofSeconds(30), () -> h.run(thread).status().ended());
        Counter.State state = h.runtime.state(thread).state();
        assertThat(state.notes()).startsWith("before").contains("after");
        // The first rollback returned the thread to where the counting run started (n = 1, notes [before]); what came
        // after are the taking-over runs' own steps (each one turn; a later rollback returns to its predecessor's start).
        List<Checkpoint> history = history(thread);
        Checkpoint rewind = history.stream().filter(cp -> before.id().value().equals(cp.metadata().get("rewoundTo")))
                .reduce((newer, older) -> older).orElseThrow();
        Counter.State back = h.runtime.stateAt(thread, rewind.id()).state();
        assertThat(back.n()).isEqualTo(1);
        assertThat(back.notes()).containsExactly("before");
        assertThat(history.stream().filter(cp -> cp.step() > rewind.step()).map(Checkpoint::idempotencyKey))
                .as("the rolled-back run took no step after the rollback").noneMatch(k -> k != null && k.startsWith("run:" + counting + ":"));
        assertThat(history.stream().filter(cp -> cp.step() < rewind.step()).map(Checkpoint::idempotencyKey))
                .as("history keeps the rolled-back run's steps").anyMatch(k -> k != null && k.startsWith("run:" + counting + ":"));
        assertContiguous(thread);
    }

    // ------------------------------------------------------------------ helpers

    private boolean queueEmpty() {
        var attrs = h.sqs.getQueueAttributes(b -> b.queueUrl(queueUrl).attributeNamesWithStrings(
                "ApproximateNumberOfMessages", "ApproximateNumberOfMessagesNotVisible")).attributesAsStrings();
        return "0".equals(attrs.get("ApproximateNumberOfMessages")) && "0".equals(attrs.get("ApproximateNumberOfMessagesNotVisible"));
    }

    private List<Checkpoint> history(ThreadKey thread) {
        List<Checkpoint> all = new ArrayList<>();
        String cursor = null;
        do {
            var page = h.store.history(thread, new HistoryQuery(100, cursor));
            all.addAll(page.checkpoints());
            cursor = page.nextCursor();
        } while (cursor != null);
        return all;
    }

    /** Steps 1..n, each once, each committed by the run's message of that step. */
    void assertEveryStepOnce(ThreadKey thread, int n, String runId) {
        List<Checkpoint> history = history(thread);
        assertThat(history).hasSize(n);
        Set<Long> steps = new TreeSet<>();
        for (Checkpoint cp : history) {
            assertThat(steps.add(cp.step())).as("step %d once", cp.step()).isTrue();
            assertThat(cp.idempotencyKey()).isEqualTo("run:" + runId + ":" + cp.step());
        }
        assertThat(steps).first().isEqualTo(1L);
        assertThat(steps).last().isEqualTo((long) n);
    }

    void assertContiguous(ThreadKey thread) {
        List<Checkpoint> history = history(thread);
        for (int i = 0; i < history.size(); i++) {
            assertThat(history.get(i).step()).isEqualTo(history.size() - i);
        }
    }

    static <T> List<Object> concurrently(List<Callable<T>> callers) throws Exception {
        ExecutorService pool = Executors.newFixedThreadPool(callers.size());
        CountDownLatch go = new CountDownLatch(1);
        try {
            List<Future<Object>> futures = new ArrayList<>();
            for (Callable<T> c : callers) {
                futures.add(pool.submit(() -> {
                    go.await();
                    try {
                        return (Object) c.call();
                    } catch (ThreadlineException e) {
                        return e;
                    }
                }));
            }
            go.countDown();
            List<Object> out = new ArrayList<>();
            for (Future<Object> f : futures) {
                out.add(f.get());
            }
            return out;
        } finally {
            pool.shutdownNow();
        }
    }

    static void await(Duration limit, BooleanSupplier condition) {
        long deadline = System.nanoTime() + limit.toNanos();
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() > deadline) {
                throw new AssertionError("not reached within " + limit);
            }
            sleep(50);
        }
    }

    static void sleep(long ms) {
        try {
            Thread.sleep(ms);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
