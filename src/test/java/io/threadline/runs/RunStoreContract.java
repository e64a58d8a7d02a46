package io.threadline.runs;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.threadline.checkpoint.ThreadKey;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.Callable;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * What every {@link RunStore} promises, held against each implementation (in memory; DynamoDB on DynamoDB Local): a
 * record is written only at the version after the stored one — a first record only where none is, every later one
 * only over the version it replaces — so of concurrent writers exactly one wins and the losers change nothing; the
 * record reads back as written; and the wake index answers exactly the active runs whose filed sweep time is due,
 * oldest first, at most the limit, and forgets a run that moved on, ended or is no longer waiting that long.
 */
public abstract class RunStoreContract {

    private static final ObjectMapper JSON = new ObjectMapper();
    /** Every time here is after {@link #BASE}: the index's times of different tests never interleave with a sweep's "now". */
    protected static final Instant BASE = Instant.parse("2026-12-06T10:00:00Z");

    protected RunStore store;

    /** A store with no records, used by one test. */
    protected abstract RunStore newStore();

    @BeforeEach
    void fresh() {
        store = newStore();
    }

    static ThreadKey thread() {
        return ThreadKey.of("t-" + UUID.randomUUID().toString().substring(0, 8), "th-" + UUID.randomUUID());
    }

    /** A new run of {@code thread}, version 1, holding one input (also for the checkpoint contract's run guard tests). */
    public static Run first(ThreadKey thread) {
        return new Run("run-" + UUID.randomUUID(), thread.tenant(), thread.threadId(), null, RunStatus.ACTIVE, 0, null, 1, 10, 0,
                List.of(JSON.createObjectNode().put("n", 1)), null, null, null, BASE, BASE, 1, null, null);
    }

    // ------------------------------------------------------------------ records

    @Test
    void aThreadWithoutARunHasNoRecord() {
        assertThat(store.get(thread())).isEmpty();
    }

    @Test
    void aRecordReadsBackAsWritten() {
        ThreadKey thread = thread();
        JsonNode resume = JSON.createObjectNode().put("ok", true);
        Run run = first(thread).withQueued(resume, new Run.Queued(Run.Queued.RESUME, "key-1", "alice", BASE.plusMillis(5)), BASE.plusMillis(5));
        Run written = new Run(run.runId(), run.tenant(), run.threadId(), "agent-a", RunStatus.ACTIVE, 3, "cp-3", 4, 10, 0, run.inputs(),
                "bob", BASE.plusMillis(7), null, BASE, BASE.plusMillis(9), 1, null, BASE.plusSeconds(120), run.queued());
        assertThat(store.put(written, BASE)).isTrue();
        Run read = store.get(thread).orElseThrow();
        assertThat(read).isEqualTo(written);
        assertThat(read.queued().get(1).resume()).isTrue();
        assertThat(read.nextMessage()).isEqualTo(written.nextMessage());
    }

    @Test
    void aFirstRecordIsWrittenOnlyWhereNoneIs() {
        ThreadKey thread = thread();
        Run one = first(thread);
        assertThat(store.put(one, BASE)).isTrue();
        Run other = first(thread);
        assertThat(store.put(other, BASE)).as("a second version 1: another writer got there first").isFalse();
        assertThat(store.get(thread).orElseThrow().runId()).isEqualTo(one.runId());
    }

    @Test
    void aLaterRecordIsWrittenOnlyOverTheVersionItReplaces() {
        ThreadKey thread = thread();
        Run one = first(thread);
        store.put(one, BASE);
        Run two = one.stepped(true, null, BASE.plusSeconds(1));
        Run skipping = two.stepped(false, null, BASE.plusSeconds(2));
        assertThat(store.put(skipping, BASE)).as("version 3 over version 1").isFalse();
        assertThat(store.put(two, BASE)).isTrue();
        assertThat(store.put(two, BASE)).as("version 2 again: stale").isFalse();
        Run rival = one.cancelRequested("carol", BASE.plusSeconds(1));
        assertThat(store.put(rival, BASE)).as("another version 2, read before the first was written").isFalse();
        assertThat(store.get(thread).orElseThrow()).isEqualTo(two);
        assertThat(store.get(thread).orElseThrow().cancelledBy()).isNull();
    }

    @Test
    void ofConcurrentWritersOfOneVersionExactlyOneWins() throws Exception {
        ThreadKey thread = thread();
        Run one = first(thread);
        store.put(one, BASE);
        List<Callable<Boolean>> writers = new ArrayList<>();
        for (int i = 0; i < 8; i++) {
            String by = "writer-" + i;
            writers.add(() -> store.put(one.cancelRequested(by, BASE.plusSeconds(1)), BASE));
        }
        List<Object> outcomes = BackgroundRunsTest.concurrently(writers);
        assertThat(outcomes.stream().filter(Boolean.TRUE::equals)).hasSize(1);
        int winner = outcomes.indexOf(Boolean.TRUE);
        assertThat(store.get(thread).orElseThrow().cancelledBy()).isEqualTo("writer-" + winner);
        assertThat(store.get(thread).orElseThrow().version()).isEqualTo(2);
    }

    @Test
    void threadsAndTenantsHaveRecordsOfTheirOwn() {
        ThreadKey thread = thread();
        ThreadKey sameIdOtherTenant = ThreadKey.of(thread.tenant() + "-x", thread.threadId());
        store.put(first(thread), BASE);
        assertThat(store.get(sameIdOtherTenant)).isEmpty();
        assertThat(store.put(first(sameIdOtherTenant), BASE)).isTrue();
        assertThat(store.get(thread).orElseThrow().runId()).isNotEqualTo(store.get(sameIdOtherTenant).orElseThrow().runId());
    }

    // ------------------------------------------------------------------ the wake index

    @Test
    void aReDriveTimeIsDueOnceItHasPassedAndOldestFirstAtMostTheLimit() {
        List<String> expected = new ArrayList<>();
        for (int i = 0; i < 5; i++) {
            Run run = first(thread()).redrivenAt(BASE.plusSeconds(10 + i));
            assertThat(store.put(run, BASE)).isTrue();
            expected.add(run.runId());
        }
        assertThat(store.due(BASE.plusSeconds(9), 100)).as("not yet").isEmpty();
        assertThat(store.due(BASE.plusSeconds(12), 100)).extracting(Run::runId).containsExactlyElementsOf(expected.subList(0, 3));
        assertThat(store.due(BASE.plusSeconds(60), 2)).extracting(Run::runId).containsExactlyElementsOf(expected.subList(0, 2));
        assertThat(store.due(BASE.plusSeconds(60), 100)).extracting(Run::runId).containsExactlyElementsOf(expected);
    }

    @Test
    void aLongTimedWaitIsFiledAndAShortOneIsLeftToTheQueue() {
        Instant sweepAfter = BASE.plus(Duration.ofMinutes(15));
        Run longWait = new Run("run-long", "t", "th-long-" + UUID.randomUUID(), null, RunStatus.ACTIVE, 0, null, 2, 10, 1, List.of(),
                null, null, BASE.plus(Duration.ofHours(3)), BASE, BASE, 1, null, null);
        Run shortWait = new Run("run-short", "t", "th-short-" + UUID.randomUUID(), null, RunStatus.ACTIVE, 0, null, 2, 10, 1, List.of(),
                null, null, BASE.plus(Duration.ofMinutes(5)), BASE, BASE, 1, null, null);
        store.put(longWait, sweepAfter);
        store.put(shortWait, sweepAfter);
        assertThat(store.due(BASE.plus(Duration.ofDays(1)), 100)).extracting(Run::runId).containsExactly("run-long");
        assertThat(store.due(BASE.plus(Duration.ofHours(2)), 100)).as("before its wake time").isEmpty();
    }

    @Test
    void aRunThatMovedOnEndedOrWasCancelledIsNoLongerDue() {
        Run moving = first(thread()).redrivenAt(BASE.plusSeconds(1));
        Run ending = first(thread()).redrivenAt(BASE.plusSeconds(2));
        Run staying = first(thread()).redrivenAt(BASE.plusSeconds(3));
        for (Run r : List.of(moving, ending, staying)) {
            store.put(r, BASE);
        }
        assertThat(store.put(moving.stepped(true, null, BASE.plusSeconds(4)), BASE)).isTrue();
        assertThat(store.put(ending.ended(RunStatus.CANCELLED, "cancelled by test", BASE.plusSeconds(4)), BASE)).isTrue();
        assertThat(store.due(BASE.plusSeconds(60), 100)).extracting(Run::runId).containsExactly(staying.runId());
        assertThat(store.due(BASE.plusSeconds(60), 100)).as("asked again: the same").extracting(Run::runId).containsExactly(staying.runId());
    }

    @Test
    void aWriteThatLosesItsRaceFilesNothing() {
        ThreadKey thread = thread();
        Run one = first(thread);
        store.put(one, BASE);
        store.put(one.cancelRequested("winner", BASE.plusSeconds(1)), BASE);
        assertThat(store.put(one.stepped(true, null, BASE.plusSeconds(1)).redrivenAt(BASE.plusSeconds(5)), BASE)).isFalse();
        assertThat(store.due(BASE.plusSeconds(60), 100)).extracting(Run::runId).doesNotContain(one.runId());
    }

    // ------------------------------------------------------------------ delete (the thread is deleted or erased)

    /** A run of {@code thread} holding two queued inputs besides its start's, filed for a re-drive at {@code BASE + 30 s}. */
    static Run holdingInputs(ThreadKey thread) {
        Run run = first(thread);
        for (int i = 0; i < 2; i++) {
            run = run.withQueued(JSON.createObjectNode().put("note", "queued-" + i), new Run.Queued(Run.Queued.INPUT, "key-" + i, "alice",
                    BASE.plusMillis(i)), BASE.plusMillis(i));
        }
        return run.redrivenAt(BASE.plusSeconds(30));
    }

    @Test
    void aDeleteRemovesTheRecordWithItsQueuedInputsAndItsWakeEntry() {
        ThreadKey thread = thread();
        ThreadKey other = thread();
        Run h = holdingInputs(thread);
        Run held = new Run(h.runId(), thread.tenant(), thread.threadId(), null, RunStatus.ACTIVE, 0, null, 1, 10, 0, h.inputs(), null,
                null, null, BASE, BASE, 1, null, BASE.plusSeconds(30), h.queued());
        assertThat(held.inputs()).hasSize(3);
        assertThat(store.put(held, BASE)).isTrue();
        assertThat(store.put(first(other).redrivenAt(BASE.plusSeconds(30)), BASE)).isTrue();
        assertThat(store.delete(thread)).as("the record removed, as it was").contains(held);
        assertThat(store.get(thread)).isEmpty();
        assertThat(store.due(BASE.plusSeconds(60), 100)).as("the other thread's run stays due; the deleted one is not")
                .extracting(Run::threadId).containsExactly(other.threadId());
        assertThat(wakeEntries(thread)).as("no index entry names the thread").isZero();
        assertThat(store.delete(thread)).as("again: nothing left, nothing removed").isEmpty();
        assertThat(store.get(other)).as("another thread's run is untouched").isPresent();
    }

    @Test
    void aDeleteRemovesTheNewestVersionAndAStaleWriterAfterItWritesNothing() {
        ThreadKey thread = thread();
        Run one = first(thread);
        store.put(one, BASE);
        Run two = one.stepped(true, null, BASE.plusSeconds(1));
        store.put(two, BASE);
        assertThat(store.delete(thread)).contains(two);
        Run three = two.stepped(false, null, BASE.plusSeconds(2));
        assertThat(store.put(three, BASE)).as("a worker's write over the deleted version 2: no record to replace").isFalse();
        assertThat(store.get(thread)).isEmpty();
        assertThat(store.put(first(thread), BASE)).as("a new run starts where none is").isTrue();
    }

    @Test
    void aDeleteOfALongTimedWaitTakesItOutOfTheWakeIndex() {
        ThreadKey thread = thread();
        Run waiting = new Run("run-wait", thread.tenant(), thread.threadId(), null, RunStatus.ACTIVE, 0, null, 2, 10, 1, List.of(),
                null, null, BASE.plus(Duration.ofHours(3)), BASE, BASE, 1, null, null);
        store.put(waiting, BASE);
        assertThat(store.due(BASE.plus(Duration.ofDays(1)), 100)).extracting(Run::runId).contains("run-wait");
        assertThat(store.delete(thread)).contains(waiting);
        assertThat(store.due(BASE.plus(Duration.ofDays(1)), 100)).extracting(Run::runId).doesNotContain("run-wait");
        assertThat(wakeEntries(thread)).as("no index entry names the thread").isZero();
    }

    /** Wake-index entries naming {@code thread} the store holds (a store that files none in a form of its own: what it can tell). */
    protected abstract long wakeEntries(ThreadKey thread);
}
