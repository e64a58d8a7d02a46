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
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.time.Clock;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import java.util.UUID;

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

    @RegisterExtension
    static final LocalTable TABLE = LocalTable.named("delete-agent");

    @ParameterizedTest
    @ValueSource(strings = {"dynamodb", "memory"})
    void aDeleteByAnotherAgentRemovesNeitherTheRunNorTheThread(String backend) {
        boolean dynamo = backend.equals("dynamodb");
        CheckpointStore store = dynamo ? new DynamoDbCheckpointStore(TABLE.client(), DynamoDbStoreSettings.defaults(TABLE.name()), Clock.systemUTC())
                : new InMemoryCheckpointStore();
        RunStore runStore = dynamo ? new DynamoDbRunStore(TABLE.client(), TABLE.name(), 4) : new InMemoryRunStore();
        ThreadRuntime<Counter.State> owner = ThreadRuntime.builder(Counter.GRAPH).store(store).agent("counter").build();
        ThreadRuntime<Counter.State> other = ThreadRuntime.builder(Counter.GRAPH).store(store).agent("other").build();
        BackgroundRuns runs = new BackgroundRuns(runStore, m -> { }, store, RunHarness.runtimesOf(owner), Clock.systemUTC(),
                () -> "run-" + UUID.randomUUID(), RunHarness.SETTINGS);
        ThreadKey thread = ThreadKey.of("t-" + UUID.randomUUID().toString().substring(0, 8), "agent-" + UUID.randomUUID());

        owner.step(thread, Update.of(Counter.State.NOTES.append("mine")), null);
        // A run record naming no agent, holding a queued input: the run's own agent check lets any agent through.
        Instant now = Instant.now();
        Run run = new Run("run-" + UUID.randomUUID(), thread.tenant(), thread.threadId(), null, RunStatus.ACTIVE, 1, null, 2, 10, 0,
                List.of(JSON.createObjectNode().put("target", 3)), null, null, null, now, now, 1, null, null);
        assertThat(runStore.put(run, now)).isTrue();
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
}
