package io.threadline.runs;

import io.threadline.ErrorCode;
import io.threadline.ThreadlineException;
import io.threadline.checkpoint.Checkpoint;
import io.threadline.checkpoint.HistoryQuery;
import io.threadline.checkpoint.ThreadKey;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import static io.threadline.runs.BackgroundRunsTest.await;
import static io.threadline.runs.BackgroundRunsTest.sleep;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * The crash windows of a background run that no queue message covers, on DynamoDB Local and ElasticMQ: a start that
 * dies (or whose queue refuses the send) between the run's record and its first message is re-driven by the sweep;
 * a cancel's history note is written before the run's record ends, and a worker that dies between the two leaves
 * one note, never two.
 */
class RunRecoveryTest {

    final TimedWaitTest.OffsetClock clock = new TimedWaitTest.OffsetClock();
    RunHarness h;

    @BeforeEach
    void stack() {
        h = RunHarness.onNewQueue("rec-", clock, 1);
    }

    @AfterEach
    void stop() {
        h.close();
    }

    @Test
    void aStartKilledBetweenItsRecordAndItsFirstSendIsRedrivenByTheSweep() {
        ThreadKey thread = BackgroundRunsTest.thread();
        // The process "dies" right after the run's record is committed: the send never happens, nothing is caught.
        BackgroundRuns dying = h.with(h.runStore, message -> {
            throw new IllegalStateException("killed between the run's record and its first send");
        });
        Instant before = clock.instant();
        assertThatThrownBy(() -> dying.start(thread, null, h.json("{\"target\":3}"), 10, DoubleTexting.REJECT, null, "test"))
                .hasMessageContaining("killed");
        Run stranded = h.run(thread);
        assertThat(stranded.status()).isEqualTo(RunStatus.ACTIVE);
        assertThat(stranded.stepsTaken()).isZero();
        assertThat(stranded.redriveAt()).isAfterOrEqualTo(before.plus(RunHarness.SETTINGS.redriveAfter()));

        sleep(2_000);
        assertThat(h.run(thread).stepsTaken()).as("no message: the poller has nothing of this run").isZero();
        assertThat(h.runs.sweep(100)).as("not due before its re-drive time").isZero();

        clock.offset = RunHarness.SETTINGS.redriveAfter().plusSeconds(1);
        assertThat(h.runs.sweep(100)).isGreaterThanOrEqualTo(1);
        await(Duration.ofSeconds(30), () -> h.run(thread).status().ended());
        Run done = h.run(thread);
        assertThat(done.status()).isEqualTo(RunStatus.DONE);
        assertThat(done.redriveAt()).isNull();
        assertThat(h.runtime.state(thread).state().n()).isEqualTo(3);
        assertEveryStepOnce(thread, 3, done.runId());
        // The re-drive entry no longer holds: the sweep drops it and sends nothing more.
        assertThat(h.runStore.due(clock.instant(), 100)).extracting(Run::runId).doesNotContain(done.runId());
    }

    @Test
    void aStartWhoseQueueRefusesTheSendAnswersAndTheSweepSendsIt() {
        ThreadKey thread = BackgroundRunsTest.thread();
        BackgroundRuns queueDown = h.with(h.runStore, message -> {
            throw new ThreadlineException(ErrorCode.DEPENDENCY_UNAVAILABLE, "the run queue did not take it", Map.of("dependency", "sqs"));
        });
        BackgroundRuns.Started started = queueDown.start(thread, null, h.json("{\"target\":2}"), 10, DoubleTexting.REJECT, null, "test");
        assertThat(started.run().status()).isEqualTo(RunStatus.ACTIVE);
        assertThat(started.run().redriveAt()).isNotNull();

        clock.offset = RunHarness.SETTINGS.redriveAfter().plusSeconds(1);
        assertThat(h.runs.sweep(100)).isGreaterThanOrEqualTo(1);
        await(Duration.ofSeconds(30), () -> h.run(thread).status().ended());
        assertThat(h.run(thread).status()).isEqualTo(RunStatus.DONE);
        assertEveryStepOnce(thread, 2, started.run().runId());
    }

    /** Once the run's record says CANCELLED the note is there: no waiting, no race. */
    @Test
    void aCancelledRunsNoteIsInTheHistoryBeforeItsRecordEnds() {
        ThreadKey thread = BackgroundRunsTest.thread();
        h.runs.start(thread, null, h.json("{\"target\":1000,\"delayMs\":50}"), 1000, DoubleTexting.REJECT, null, "test");
        await(Duration.ofSeconds(30), () -> h.run(thread).stepsTaken() >= 2);
        Run asked = h.runs.cancel(thread, "alice");
        await(Duration.ofSeconds(30), () -> h.run(thread).status().ended());
        Checkpoint head = h.runtime.state(thread).checkpoint();
        assertThat(head.metadata()).containsEntry("op", "update");
        assertThat(head.metadata().get("reason")).isEqualTo("run " + asked.runId() + " cancelled by alice at " + asked.cancelledAt());
        Run ended = h.run(thread);
        assertThat(ended.status()).isEqualTo(RunStatus.CANCELLED);
        assertThat(ended.endReason()).isEqualTo(head.metadata().get("reason"));
        assertThat(notes(thread)).hasSize(1);
    }

    /** A worker that dies between the note and the record's end: the message comes again, ends the record, writes no second note. */
    @Test
    void aWorkerKilledBetweenTheCancelNoteAndTheRecordLeavesOneNote() {
        h.close(); // no poller: this test plays the worker by hand
        ThreadKey thread = BackgroundRunsTest.thread();
        Run run = h.runs.start(thread, null, h.json("{\"target\":1000}"), 1000, DoubleTexting.REJECT, null, "test").run();
        h.runs.advance(run.nextMessage());
        h.runs.advance(h.run(thread).nextMessage());
        h.runs.cancel(thread, "bob");
        RunStore dyingOnEnd = h.dyingOnce(r -> r.status() == RunStatus.CANCELLED, "killed between the cancel's note and the run's record");
        RunMessage third = h.run(thread).nextMessage();
        assertThatThrownBy(() -> h.with(dyingOnEnd, m -> { }).advance(third)).hasMessageContaining("killed");
        assertThat(h.run(thread).status()).as("the record did not end").isEqualTo(RunStatus.ACTIVE);
        assertThat(notes(thread)).as("the note is written first").hasSize(1);

        // The message was not deleted: it comes again.
        assertThat(h.runs.advance(third).outcome()).isEqualTo("cancelled");
        assertThat(h.run(thread).status()).isEqualTo(RunStatus.CANCELLED);
        assertThat(notes(thread)).as("one note, never two").hasSize(1);
        assertThat(h.runtime.state(thread).checkpoint().step()).isEqualTo(3); // two steps and the note
    }

    private List<Checkpoint> notes(ThreadKey thread) {
        return history(thread).stream().filter(cp -> "update".equals(cp.metadata().get("op"))).toList();
    }

    private List<Checkpoint> history(ThreadKey thread) {
        return new ArrayList<>(h.store.history(thread, new HistoryQuery(100, null)).checkpoints());
    }

    private void assertEveryStepOnce(ThreadKey thread, int n, String runId) {
        List<Checkpoint> history = history(thread);
        assertThat(history).hasSize(n);
        for (Checkpoint cp : history) {
            assertThat(cp.idempotencyKey()).isEqualTo("run:" + runId + ":" + cp.step());
        }
        assertThat(history.stream().map(Checkpoint::step).distinct().count()).isEqualTo(n);
    }
}
