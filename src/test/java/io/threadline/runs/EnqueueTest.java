package io.threadline.runs;

import io.threadline.ErrorCode;
import io.threadline.ThreadlineException;
import io.threadline.checkpoint.Checkpoint;
import io.threadline.checkpoint.HistoryQuery;
import io.threadline.checkpoint.Status;
import io.threadline.checkpoint.ThreadKey;
import io.threadline.runtime.StepResult;
import io.threadline.state.Update;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.concurrent.Callable;

import static io.threadline.runs.BackgroundRunsTest.await;
import static io.threadline.runs.BackgroundRunsTest.concurrently;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * Double texting {@code enqueue} for foreground requests ({@code step}, {@code run}: an input; {@code resume}: a
 * resume value) on the real stack — DynamoDB Local and ElasticMQ, the worker fed by a poller: a queued request runs
 * after the run's own steps, in the order it was queued, exactly once, its step committed under the request's own
 * idempotency key.
 */
class EnqueueTest {

    RunHarness h;

    @BeforeEach
    void stack() {
        h = RunHarness.onNewQueue("enq-", Clock.systemUTC(), 2);
    }

    @AfterEach
    void stop() {
        h.close();
    }

    @Test
    void inputsQueuedByConcurrentCallersRunAfterTheRunsStepsInOrderEachOnce() throws Exception {
        ThreadKey thread = BackgroundRunsTest.thread();
        Run started = h.runs.start(thread, null, h.json("{\"target\":10,\"delayMs\":100}"), 100, DoubleTexting.REJECT, null, "bg").run();
        List<Callable<Integer>> callers = new ArrayList<>();
        for (int i = 0; i < 6; i++) {
            String note = "q-" + i;
            callers.add(() -> h.runs.enqueue(thread, null, Run.Queued.INPUT, h.json("{\"notes\":[\"" + note + "\"]}"), "key-" + note, "caller")
                    .orElseThrow().position());
        }
        List<Object> positions = concurrently(callers);
        assertThat(positions).as("each caller has a place of its own").containsExactlyInAnyOrder(1, 2, 3, 4, 5, 6);
        // A retry while it waits is the same request: the same place, nothing queued twice.
        BackgroundRuns.Enqueued again = h.runs.enqueue(thread, null, Run.Queued.INPUT, h.json("{\"notes\":[\"q-0\"]}"), "key-q-0", "caller")
                .orElseThrow();
        assertThat(again.position()).isEqualTo(positions.get(0));
        assertThat(again.run().queuedInputs()).isEqualTo(6);
        assertThat(again.run().runId()).isEqualTo(started.runId());

        await(Duration.ofSeconds(60), () -> h.run(thread).status().ended());
        Run done = h.run(thread);
        assertThat(done.status()).isEqualTo(RunStatus.DONE);
        assertThat(done.queuedInputs()).isZero();
        Counter.State state = h.runtime.state(thread).state();
        assertThat(state.n()).as("10 steps of the run, then one turn per queued input").isEqualTo(16);
        List<String> byPosition = new ArrayList<>();
        for (int p = 1; p <= 6; p++) {
            byPosition.add("q-" + positions.indexOf(p));
        }
        assertThat(state.notes()).as("applied in the order queued, each once").containsExactlyElementsOf(byPosition);
        for (int i = 0; i < 6; i++) {
            Checkpoint cp = h.store.findByIdempotencyKey(thread, "key-q-" + i).orElseThrow();
            assertThat(cp.step()).as("after the run's own 10 steps, at its place").isEqualTo(10L + (Integer) positions.get(i));
        }
        List<Checkpoint> history = history(thread);
        assertThat(history).hasSize(16);
        assertThat(history.stream().map(Checkpoint::step).distinct().count()).isEqualTo(16);

        // The same request again, the run over: no run to queue behind; the foreground step answers the committed one.
        assertThat(h.runs.enqueue(thread, null, Run.Queued.INPUT, h.json("{\"notes\":[\"q-0\"]}"), "key-q-0", "caller")).isEmpty();
        StepResult<Counter.State> retried = h.runtime.step(thread, Update.of(Counter.State.NOTES.append("q-0")), "key-q-0");
        assertThat(retried.duplicate()).isTrue();
        assertThat(retried.checkpoint().idempotencyKey()).isEqualTo("key-q-0");
        assertThat(h.runtime.state(thread).state().n()).isEqualTo(16);
    }

    @Test
    void aRetryWhileTheRunStillGoesOnAfterItsInputRanIsAnsweredAsApplied() {
        h.close(); // this test plays the worker by hand
        ThreadKey thread = BackgroundRunsTest.thread();
        Run run = h.runs.start(thread, null, h.json("{\"target\":1}"), 100, DoubleTexting.REJECT, null, "bg").run();
        h.runs.enqueue(thread, null, Run.Queued.INPUT, h.json("{\"notes\":[\"a\"]}"), "key-a", "caller").orElseThrow();
        h.runs.enqueue(thread, null, Run.Queued.INPUT, h.json("{\"notes\":[\"b\"]}"), "key-b", "caller").orElseThrow();
        h.runs.advance(run.nextMessage()); // step 1: the run's own, DONE
        h.runs.advance(h.run(thread).nextMessage()); // step 2: applies "a"
        assertThat(h.run(thread).active()).isTrue();
        BackgroundRuns.Enqueued retry = h.runs.enqueue(thread, null, Run.Queued.INPUT, h.json("{\"notes\":[\"a\"]}"), "key-a", "caller")
                .orElseThrow();
        assertThat(retry.applied()).as("committed already: not queued again").isTrue();
        assertThat(h.run(thread).queuedInputs()).isEqualTo(1);
        h.runs.advance(h.run(thread).nextMessage()); // step 3: applies "b", then the run ends
        assertThat(h.run(thread).status()).isEqualTo(RunStatus.DONE);
        assertThat(h.runtime.state(thread).state().notes()).containsExactly("a", "b");
    }

    @Test
    void aQueuedResumeAnswersTheInterruptTheRunMeetsAndTheRunGoesOn() {
        ThreadKey thread = BackgroundRunsTest.thread();
        h.runs.start(thread, null, h.json("{\"target\":5,\"askAt\":2,\"delayMs\":100}"), 100, DoubleTexting.REJECT, null, "bg");
        BackgroundRuns.Enqueued queued = h.runs.enqueue(thread, null, Run.Queued.RESUME, h.json("\"yes\""), "resume-1", "alice").orElseThrow();
        assertThat(queued.position()).isEqualTo(1);

        await(Duration.ofSeconds(60), () -> h.run(thread).status().ended());
        Run done = h.run(thread);
        assertThat(done.status()).as("not INTERRUPTED: the queued resume answered").isEqualTo(RunStatus.DONE);
        assertThat(done.stepsTaken()).as("every step in the background, the resume's included").isEqualTo(6);
        assertThat(h.runtime.state(thread).state().n()).isEqualTo(5);
        Checkpoint resumed = h.store.findByIdempotencyKey(thread, "resume-1").orElseThrow();
        Checkpoint asked = h.store.get(thread, resumed.parent()).orElseThrow();
        assertThat(asked.status()).isEqualTo(Status.INTERRUPTED);
        assertThat(resumed.step()).isEqualTo(4);
    }

    @Test
    void aQueuedResumeThatFindsNoInterruptEndsTheRunDoneAndStaysInItsRecordWithWhatIsBehindIt() {
        ThreadKey thread = BackgroundRunsTest.thread();
        h.runs.start(thread, null, h.json("{\"target\":2,\"delayMs\":100}"), 100, DoubleTexting.REJECT, null, "bg");
        assertThat(h.runs.enqueue(thread, null, Run.Queued.RESUME, h.json("\"yes\""), null, "alice").orElseThrow().position()).isEqualTo(1);
        assertThat(h.runs.enqueue(thread, null, Run.Queued.INPUT, h.json("{\"notes\":[\"later\"]}"), null, "bob").orElseThrow().position())
                .isEqualTo(2);
        await(Duration.ofSeconds(60), () -> h.run(thread).status().ended());
        Run done = h.run(thread);
        assertThat(done.status()).isEqualTo(RunStatus.DONE);
        assertThat(done.endReason()).isEqualTo("the thread is done at step 2; the queued resume from alice has no interrupt to answer, "
                + "and 2 queued input(s) stay in the run's record");
        assertThat(done.queuedInputs()).isEqualTo(2);
        assertThat(h.runtime.state(thread).state().notes()).as("in order: nothing behind the resume ran").isEmpty();
    }

    /** A worker that dies after committing a queued input's step, before the run's record says so: its redelivery finishes it, once. */
    @Test
    void aWorkerKilledAfterCommittingAQueuedInputLeavesItToItsRedeliveryWhichAppliesNothingTwice() {
        h.close(); // this test plays the worker by hand
        ThreadKey thread = BackgroundRunsTest.thread();
        Run run = h.runs.start(thread, null, h.json("{\"target\":1}"), 100, DoubleTexting.REJECT, null, "bg").run();
        h.runs.enqueue(thread, null, Run.Queued.INPUT, h.json("{\"notes\":[\"x\"]}"), "key-x", "caller").orElseThrow();
        h.runs.advance(run.nextMessage());
        RunStore dyingAfterTheCommit = h.dyingOnce(r -> r.stepsTaken() == 2, "killed between the queued input's commit and the run's record");
        RunMessage second = h.run(thread).nextMessage();
        assertThatThrownBy(() -> h.with(dyingAfterTheCommit, m -> { }).advance(second)).hasMessageContaining("killed");
        assertThat(h.store.findByIdempotencyKey(thread, "key-x")).as("committed under the request's key").isPresent();
        assertThat(h.run(thread).queuedInputs()).as("the record still holds it").isEqualTo(1);

        h.runs.advance(second); // the message comes again
        assertThat(h.run(thread).status()).isEqualTo(RunStatus.DONE);
        assertThat(h.run(thread).queuedInputs()).isZero();
        assertThat(h.runtime.state(thread).state().notes()).containsExactly("x");
        assertThat(history(thread)).hasSize(2);
    }

    @Test
    void noRunInProgressQueuesNothingAndBadRequestsChangeNothing() {
        ThreadKey thread = BackgroundRunsTest.thread();
        assertThat(h.runs.enqueue(thread, null, Run.Queued.INPUT, h.json("{\"notes\":[\"x\"]}"), null, "c")).as("no run: foreground").isEmpty();
        Run started = h.runs.start(thread, null, h.json("{\"target\":1000,\"delayMs\":50}"), 1000, DoubleTexting.REJECT, null, "bg").run();
        await(Duration.ofSeconds(30), () -> h.run(thread).stepsTaken() >= 1);
        h.runs.cancel(thread, "test");
        await(Duration.ofSeconds(30), () -> h.run(thread).status().ended());
        long version = h.run(thread).version();
        assertThat(h.runs.enqueue(thread, null, Run.Queued.INPUT, h.json("{\"notes\":[\"x\"]}"), null, "c")).as("run ended").isEmpty();

        ThreadKey busy = BackgroundRunsTest.thread();
        h.runs.start(busy, null, h.json("{\"target\":1000,\"delayMs\":50}"), 1000, DoubleTexting.REJECT, null, "bg");
        Run before = h.run(busy);
        assertThatThrownBy(() -> h.runs.enqueue(busy, null, Run.Queued.INPUT, h.json("{\"notes\":[\"x\"]}"), "has space", "c"))
                .isInstanceOfSatisfying(ThreadlineException.class, e -> {
                    assertThat(e.code()).isEqualTo(ErrorCode.INVALID_INPUT);
                    assertThat(e.details()).containsEntry("field", "idempotencyKey");
                });
        assertThatThrownBy(() -> h.runs.enqueue(busy, null, Run.Queued.INPUT, h.json("{\"n\":\"many\"}"), null, "c"))
                .isInstanceOf(ThreadlineException.class);
        BackgroundRuns small = new BackgroundRuns(h.runStore, m -> { }, h.store, null, Clock.systemUTC(), () -> "x",
                new BackgroundRuns.Settings(Duration.ofMinutes(15), Duration.ofSeconds(30), Duration.ofMinutes(2), 1_000));
        assertThatThrownBy(() -> small.enqueue(busy, null, Run.Queued.RESUME, h.json("\"" + "y".repeat(2_000) + "\""), null, "c"))
                .isInstanceOfSatisfying(ThreadlineException.class, e -> assertThat(e.code()).isEqualTo(ErrorCode.PAYLOAD_TOO_LARGE));
        Run after = h.run(busy);
        assertThat(after.queuedInputs()).as("nothing queued by a refused request").isZero();
        assertThat(after.inputs()).isEqualTo(before.inputs());
        h.runs.cancel(busy, "test");
        assertThat(h.run(thread).version()).isEqualTo(version);
        assertThat(started.runId()).isNotNull();
    }

    private List<Checkpoint> history(ThreadKey thread) {
        List<Checkpoint> all = new ArrayList<>(h.store.history(thread, new HistoryQuery(100, null)).checkpoints());
        all.sort(Comparator.comparing(Checkpoint::step));
        return all;
    }
}
