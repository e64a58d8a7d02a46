package io.threadline.runs;

import io.threadline.checkpoint.Checkpoint;
import io.threadline.checkpoint.HistoryQuery;
import io.threadline.checkpoint.Status;
import io.threadline.checkpoint.ThreadKey;
import io.threadline.runtime.ReplayReport;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneId;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Timed waits in background runs ({@code ctx.sleep}), on DynamoDB Local and ElasticMQ: a wait of a few seconds wakes by
 * the queue (its message handed back, invisible until the wake time: FIFO queues take no per-message delay); one
 * beyond the queue's limit sends no message, waits in the wake index and is woken by the sweep once the run's clock
 * (controlled here) passes the wake time. The wake is the resume's recorded value: a replay of the step is the same.
 */
class TimedWaitTest {

    /** The coordinator's clock, moved forward by the test. */
    static final class OffsetClock extends Clock {
        volatile Duration offset = Duration.ZERO;

        @Override
        public ZoneId getZone() {
            return ZoneOffset.UTC;
        }

        @Override
        public Clock withZone(ZoneId zone) {
            return this;
        }

        @Override
        public Instant instant() {
            return Instant.now().plus(offset);
        }
    }

    final OffsetClock clock = new OffsetClock();
    RunHarness h;

    @BeforeEach
    void stack() {
        h = RunHarness.onNewQueue("wait-", clock, 1);
    }

    @AfterEach
    void stop() {
        h.close();
    }

    @Test
    void aShortWaitWakesByTheQueue() {
        ThreadKey thread = BackgroundRunsTest.thread();
        Instant started = Instant.now();
        h.runs.start(thread, null, h.json("{\"target\":2,\"sleepMs\":3000}"), 10, DoubleTexting.REJECT, null, "test");
        BackgroundRunsTest.await(Duration.ofSeconds(10), () -> h.run(thread).wakeAt() != null);
        Run waiting = h.run(thread);
        assertThat(waiting.status()).isEqualTo(RunStatus.ACTIVE);
        assertThat(h.runtime.state(thread).checkpoint().status()).isEqualTo(Status.INTERRUPTED);

        BackgroundRunsTest.await(Duration.ofSeconds(40), () -> h.run(thread).status().ended());
        assertThat(h.run(thread).status()).isEqualTo(RunStatus.DONE);
        assertThat(h.runtime.state(thread).state().n()).isEqualTo(2);
        Checkpoint woke = history(thread).get(1); // step 2: the resume that woke the wait
        assertThat(woke.createdAt()).as("not before the wake time").isAfterOrEqualTo(waiting.wakeAt());
        assertThat(Duration.between(started, woke.createdAt())).isGreaterThanOrEqualTo(Duration.ofSeconds(3));
        assertWakeIsRecordedAndReplays(thread, woke);
    }

    @Test
    void aLongWaitSendsNoMessageAndWakesByTheSweep() {
        ThreadKey thread = BackgroundRunsTest.thread();
        long twoHours = Duration.ofHours(2).toMillis();
        h.runs.start(thread, null, h.json("{\"target\":2,\"sleepMs\":" + twoHours + "}"), 10, DoubleTexting.REJECT, null, "test");
        BackgroundRunsTest.await(Duration.ofSeconds(10), () -> h.run(thread).wakeAt() != null);
        Instant wakeAt = h.run(thread).wakeAt();
        BackgroundRunsTest.sleep(2_000);
        assertThat(h.run(thread).nextStep()).as("no message while it waits").isEqualTo(2);
        assertThat(h.runs.sweep(100)).as("nothing due yet").isZero();

        clock.offset = Duration.ofHours(3);
        assertThat(h.runStore.due(clock.instant(), 100)).extracting(Run::runId).contains(h.run(thread).runId());
        assertThat(h.runs.sweep(100)).isGreaterThanOrEqualTo(1);
        BackgroundRunsTest.await(Duration.ofSeconds(30), () -> h.run(thread).status().ended());
        assertThat(h.run(thread).status()).isEqualTo(RunStatus.DONE);
        assertThat(h.runtime.state(thread).state().n()).isEqualTo(2);
        Checkpoint woke = history(thread).get(1);
        assertThat(woke.createdAt()).as("woken by the run's clock, past the wake time").isBefore(wakeAt);
        assertWakeIsRecordedAndReplays(thread, woke);
        // The woken run left the index: a later sweep finds nothing.
        assertThat(h.runStore.due(clock.instant(), 100)).extracting(Run::runId).doesNotContain(h.run(thread).runId());
    }

    private void assertWakeIsRecordedAndReplays(ThreadKey thread, Checkpoint woke) {
        assertThat(woke.effects()).isNotNull();
        assertThat(woke.effects().json()).contains("wokeAt");
        ReplayReport replay = h.runtime.replay(thread, woke.id());
        assertThat(replay.verdict()).isEqualTo(ReplayReport.Verdict.SAME);
    }

    private List<Checkpoint> history(ThreadKey thread) {
        List<Checkpoint> all = new ArrayList<>(h.store.history(thread, new HistoryQuery(100, null)).checkpoints());
        Collections.reverse(all);
        return all;
    }
}
