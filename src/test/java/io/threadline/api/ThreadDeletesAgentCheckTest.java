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
import io.threadline.runs.BackgroundRuns;
import io.threadline.runs.Counter;
import io.threadline.runs.InMemoryRunStore;
import io.threadline.runs.Run;
import io.threadline.runs.RunHarness;
import io.threadline.runs.RunStatus;
import io.threadline.runs.RunStore;
import io.threadline.runs.dynamodb.DynamoDbRunStore;
import io.threadline.runtime.ThreadRuntime;
import io.threadline.state.Update;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import software.amazon.awssdk.core.interceptor.Context;
import software.amazon.awssdk.core.interceptor.ExecutionAttributes;
import software.amazon.awssdk.core.interceptor.ExecutionInterceptor;
import software.amazon.awssdk.services.dynamodb.model.GetItemRequest;

import java.time.Clock;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.atomic.AtomicInteger;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * A delete by the wrong agent answers {@code AGENT_MISMATCH} before anything is removed (README), whatever agent the run
 * record names: the thread's agent (its head's) is checked before the run goes. A run record with no agent (older
 * records, or one a caller started without naming it) used to pass the run's own check, so the run and its queued
 * inputs went and only then the thread's delete refused.
 */
class ThreadDeletesAgentCheckTest {

    private static final ObjectMapper JSON = new ObjectMapper();

    /** The reads of run records (GetItem of a {@code RUN#} item) the client sends. */
    private static final AtomicInteger RUN_READS = new AtomicInteger();

    @RegisterExtension
    static final LocalTable TABLE = LocalTable.named("delete-agent").intercepting(new ExecutionInterceptor() {
        @Override
        public void beforeExecution(Context.BeforeExecution context, ExecutionAttributes attributes) {
            if (context.request() instanceof GetItemRequest get && get.key().get("pk").s().startsWith("RUN#")) {
                RUN_READS.incrementAndGet();
            }
        }
    });

    private record Deployment(CheckpointStore store, RunStore runStore, BackgroundRuns runs, ThreadRuntime<Counter.State> owner,
                              ThreadRuntime<Counter.State> other) {}

    private static Deployment deployment(String backend) {
        boolean dynamo = backend.equals("dynamodb");
        CheckpointStore store = dynamo ? new DynamoDbCheckpointStore(TABLE.client(), DynamoDbStoreSettings.defaults(TABLE.name()), Clock.systemUTC())
                : new InMemoryCheckpointStore();
        RunStore runStore = dynamo ? new DynamoDbRunStore(TABLE.client(), TABLE.name(), 4) : new InMemoryRunStore();
        ThreadRuntime<Counter.State> owner = ThreadRuntime.builder(Counter.GRAPH).store(store).agent("counter").build();
        ThreadRuntime<Counter.State> other = ThreadRuntime.builder(Counter.GRAPH).store(store).agent("other").build();
        BackgroundRuns runs = new BackgroundRuns(runStore, m -> { }, store, RunHarness.runtimesOf(owner), Clock.systemUTC(),
                () -> "run-" + UUID.randomUUID(), RunHarness.SETTINGS);
        return new Deployment(store, runStore, runs, owner, other);
    }

    private static ThreadKey newThread() {
        return ThreadKey.of("t-" + UUID.randomUUID().toString().substring(0, 8), "agent-" + UUID.randomUUID());
    }

    /** A run record of {@code agent} (null: none named) holding one queued input, stored. */
    private static Run storedRun(RunStore runStore, ThreadKey thread, String agent) {
        Instant now = Instant.now();
        Run run = new Run("run-" + UUID.randomUUID(), thread.tenant(), thread.threadId(), agent, RunStatus.ACTIVE, 1, null, 2, 10, 0,
                List.of(JSON.createObjectNode().put("target", 3)), null, null, null, now, now, 1, null, null);
        assertThat(runStore.put(run, now)).isTrue();
        return run;
    }

    @ParameterizedTest
    @ValueSource(strings = {"dynamodb", "memory"})
    void aDeleteByAnotherAgentRemovesNeitherTheRunNorTheThread(String backend) {
        Deployment d = deployment(backend);
        CheckpointStore store = d.store();
        BackgroundRuns runs = d.runs();
        ThreadRuntime<Counter.State> owner = d.owner();
        ThreadRuntime<Counter.State> other = d.other();
        ThreadKey thread = newThread();

        owner.step(thread, Update.of(Counter.State.NOTES.append("mine")), null);
        // A run record naming no agent, holding a queued input: the run's own agent check lets any agent through.
        Run run = storedRun(d.runStore(), thread, null);
        long checkpoints = store.history(thread, HistoryQuery.first(10)).checkpoints().size();

        assertThatThrownBy(() -> ThreadDeletes.delete(Optional.of(runs), other, thread)).isInstanceOfSatisfying(ThreadlineException.class,
                e -> assertThat(e.code()).isEqualTo(ErrorCode.AGENT_MISMATCH));

        assertThat(runs.current(thread)).as("the run record, its queued input with it").contains(run);
        assertThat(store.head(thread)).isPresent();
        assertThat(store.history(thread, HistoryQuery.first(10)).checkpoints()).hasSize((int) checkpoints);

        // Its own agent deletes both.
        Replies.Delete deleted = ThreadDeletes.delete(Optional.of(runs), owner, thread);
        assertThat(deleted.existed()).isTrue();
        assertThat(deleted.removed()).containsEntry("runs", 1L).containsEntry("queuedInputs", 1L);
        assertThat(runs.current(thread)).isEmpty();
        assertThat(store.head(thread)).isEmpty();
    }

    /**
     * Where the thread has no head yet (a run whose first step has not committed), the run record's agent is what the
     * delete checks: another agent's delete is refused with the run untouched.
     */
    @ParameterizedTest
    @ValueSource(strings = {"dynamodb", "memory"})
    void withoutAHeadTheRunRecordsAgentIsChecked(String backend) {
        Deployment d = deployment(backend);
        ThreadKey thread = newThread();
        Run run = storedRun(d.runStore(), thread, "counter");

        assertThatThrownBy(() -> ThreadDeletes.delete(Optional.of(d.runs()), d.other(), thread)).isInstanceOfSatisfying(ThreadlineException.class,
                e -> assertThat(e.code()).isEqualTo(ErrorCode.AGENT_MISMATCH));
        assertThat(d.runs().current(thread)).contains(run);

        Replies.Delete deleted = ThreadDeletes.delete(Optional.of(d.runs()), d.owner(), thread);
        assertThat(deleted.existed()).isFalse();
        assertThat(deleted.removed()).containsEntry("runs", 1L).containsEntry("queuedInputs", 1L);
        assertThat(d.runs().current(thread)).isEmpty();
    }

    /**
     * A head and a run record that name different agents (a run another agent started on a thread with no head yet, and
     * the owner's foreground step that superseded it): the head settles whose thread it is. The owner's delete removes
     * the thread and the stale run with its queued input — before, every delete of such a thread was refused, so no one,
     * and no erase, could ever remove it — and the run's agent cannot delete the owner's thread.
     */
    @ParameterizedTest
    @ValueSource(strings = {"dynamodb", "memory"})
    void theHeadsAgentDecidesWhenTheRunRecordNamesAnother(String backend) {
        Deployment d = deployment(backend);
        ThreadKey thread = newThread();
        d.owner().step(thread, Update.of(Counter.State.NOTES.append("mine")), null);
        Run run = storedRun(d.runStore(), thread, "other");

        assertThatThrownBy(() -> ThreadDeletes.delete(Optional.of(d.runs()), d.other(), thread)).isInstanceOfSatisfying(ThreadlineException.class,
                e -> assertThat(e.code()).isEqualTo(ErrorCode.AGENT_MISMATCH));
        assertThat(d.runs().current(thread)).as("the run record, its queued input with it").contains(run);
        assertThat(d.store().head(thread)).isPresent();

        Replies.Delete deleted = ThreadDeletes.delete(Optional.of(d.runs()), d.owner(), thread);
        assertThat(deleted.existed()).isTrue();
        assertThat(deleted.removed()).containsEntry("runs", 1L).containsEntry("queuedInputs", 1L);
        assertThat(d.runs().current(thread)).isEmpty();
        assertThat(d.store().head(thread)).isEmpty();
    }

    /**
     * A head that names the deleting runtime's agent settles whose thread it is: the delete does not read the run record
     * to check its agent as well (one GetItem fewer on DynamoDB), and the run still goes with the thread.
     */
    @Test
    void aHeadNamingTheAgentSparesTheRunRecordsRead() {
        Deployment d = deployment("dynamodb");
        ThreadKey thread = newThread();
        d.owner().step(thread, Update.of(Counter.State.NOTES.append("mine")), null);
        storedRun(d.runStore(), thread, "counter");

        RUN_READS.set(0);
        Replies.Delete deleted = ThreadDeletes.delete(Optional.of(d.runs()), d.owner(), thread);
        // The one read left is the run store's own, before its conditional DeleteItem (two before this change).
        assertThat(RUN_READS.get()).as("GetItem of the run record").isEqualTo(1);
        assertThat(deleted.existed()).isTrue();
        assertThat(deleted.removed()).containsEntry("runs", 1L).containsEntry("queuedInputs", 1L);
        assertThat(d.runs().current(thread)).isEmpty();
        assertThat(d.store().head(thread)).isEmpty();

        // Without a head, the record's agent is read as well: one GetItem more.
        ThreadKey headless = newThread();
        storedRun(d.runStore(), headless, "counter");
        RUN_READS.set(0);
        ThreadDeletes.delete(Optional.of(d.runs()), d.owner(), headless);
        assertThat(RUN_READS.get()).as("GetItem of the run record").isEqualTo(2);
    }
}
