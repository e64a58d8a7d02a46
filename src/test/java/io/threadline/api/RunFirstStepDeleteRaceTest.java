package io.threadline.api;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.threadline.ErrorCode;
import io.threadline.ThreadlineException;
import io.threadline.checkpoint.CheckpointStore;
import io.threadline.checkpoint.HistoryQuery;
import io.threadline.checkpoint.InMemoryCheckpointStore;
import io.threadline.checkpoint.ThreadKey;
import io.threadline.checkpoint.dynamodb.DynamoDbCheckpointStore;
import io.threadline.checkpoint.dynamodb.DynamoDbStoreSettings;
import io.threadline.checkpoint.dynamodb.LocalTable;
import io.threadline.runs.Advance;
import io.threadline.runs.BackgroundRuns;
import io.threadline.runs.Counter;
import io.threadline.runs.DoubleTexting;
import io.threadline.runs.InMemoryRunStore;
import io.threadline.runs.Run;
import io.threadline.runs.RunHarness;
import io.threadline.runs.RunMessage;
import io.threadline.runs.RunStore;
import io.threadline.runs.dynamodb.DynamoDbRunStore;
import io.threadline.runtime.ThreadRuntime;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.time.Clock;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.atomic.AtomicReference;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * Issue [14]: a background run's first step racing a delete of its thread never leaves a thread behind. The exact
 * interleaving, on DynamoDB Local (checkpoints and run records on one table, as deployed) and in memory: the worker
 * reads its run record, then the whole delete runs ({@link ThreadDeletes}, as {@code delete} runs it), then the worker
 * goes on to step the new thread. Without the run guard, that step created the thread again from the start input after
 * the delete had reported it gone.
 */
class RunFirstStepDeleteRaceTest {

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final String AGENT = "counter";

    @RegisterExtension
    static final LocalTable TABLE = LocalTable.named("run-race");

    /** A run store whose next {@code get} runs {@code afterGet} once the record is read: the worker has its run in hand. */
    private static final class HookedRuns implements RunStore {
        private final RunStore runs;
        final AtomicReference<Runnable> afterGet = new AtomicReference<>();

        HookedRuns(RunStore runs) {
            this.runs = runs;
        }

        @Override
        public Optional<Run> get(ThreadKey thread) {
            Optional<Run> read = runs.get(thread);
            Runnable hook = afterGet.getAndSet(null);
            if (hook != null) {
                hook.run();
            }
            return read;
        }

        @Override
        public boolean put(Run run, Instant sweepAfter) {
            return runs.put(run, sweepAfter);
        }

        @Override
        public List<Run> due(Instant now, int limit) {
            return runs.due(now, limit);
        }

        @Override
        public Optional<Run> delete(ThreadKey thread) {
            return runs.delete(thread);
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"dynamodb", "memory"})
    void aRunsFirstStepCommittedAfterTheDeleteLeavesNoThread(String backend) {
        boolean dynamo = backend.equals("dynamodb");
        CheckpointStore store = dynamo ? new DynamoDbCheckpointStore(TABLE.client(), DynamoDbStoreSettings.defaults(TABLE.name()), Clock.systemUTC())
                : new InMemoryCheckpointStore();
        HookedRuns hooked = new HookedRuns(dynamo ? new DynamoDbRunStore(TABLE.client(), TABLE.name(), 4) : new InMemoryRunStore());
        ThreadRuntime<Counter.State> runtime = ThreadRuntime.builder(Counter.GRAPH).store(store).agent(AGENT).build();
        List<RunMessage> sent = new ArrayList<>();
        BackgroundRuns runs = new BackgroundRuns(hooked, sent::add, store, RunHarness.runtimesOf(runtime), Clock.systemUTC(),
                () -> "run-" + UUID.randomUUID(), RunHarness.SETTINGS);
        ThreadKey thread = ThreadKey.of("t-" + UUID.randomUUID().toString().substring(0, 8), "race-" + UUID.randomUUID());

        runs.start(thread, AGENT, JSON.createObjectNode().put("target", 3), 10, DoubleTexting.REJECT, null, "test");
        assertThat(sent).hasSize(1);
        assertThat(store.head(thread)).as("the run's first step has not run: no thread yet").isEmpty();

        AtomicReference<Replies.Delete> deleted = new AtomicReference<>();
        hooked.afterGet.set(() -> deleted.set(ThreadDeletes.delete(Optional.of(runs), runtime, thread)));
        Advance outcome = runs.advance(sent.get(0));

        assertThat(deleted.get()).as("the delete ran between the worker's read and its step").isNotNull();
        assertThat(outcome.deferred()).isFalse();
        assertThat(outcome.outcome()).startsWith("stale");
        assertThat(sent).as("no next message").hasSize(1);

        // The delete's report is what it would be with no worker about: a run holding its start input, no thread.
        Map<String, Long> expected = new LinkedHashMap<>();
        deleted.get().removed().forEach((kind, n) -> expected.put(kind, 0L));
        expected.put("runs", 1L);
        expected.put("queuedInputs", 1L);
        assertThat(deleted.get().existed()).isFalse();
        assertThat(deleted.get().removed()).isEqualTo(expected);

        // Nothing of the thread is left: no head, no checkpoint, no run.
        assertThat(store.head(thread)).isEmpty();
        assertThat(store.history(thread, HistoryQuery.first(10)).checkpoints()).isEmpty();
        assertThat(runs.current(thread)).isEmpty();
        assertThatThrownBy(() -> runtime.state(thread)).isInstanceOfSatisfying(ThreadlineException.class,
                e -> assertThat(e.code()).isEqualTo(ErrorCode.THREAD_NOT_FOUND));
        if (dynamo) {
            assertThat(TABLE.itemsNaming(thread)).as("the table's items naming the thread").isEmpty();
        }
        // And a second delete finds nothing to remove: the race brought nothing back.
        Replies.Delete again = ThreadDeletes.delete(Optional.of(runs), runtime, thread);
        assertThat(again.existed()).isFalse();
        assertThat(again.removed().values()).allMatch(n -> n == 0L);
    }
}
