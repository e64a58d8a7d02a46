package io.threadline.runtime;

import io.threadline.ErrorCode;
import io.threadline.ThreadlineException;
import io.threadline.examples.reference.LocalDemo;
import io.threadline.checkpoint.CheckpointId;
import io.threadline.checkpoint.HistoryQuery;
import io.threadline.checkpoint.InMemoryCheckpointStore;
import io.threadline.checkpoint.SnapshotPolicy;
import io.threadline.checkpoint.ThreadKey;
import io.threadline.graph.CompiledGraph;
import io.threadline.graph.InvalidGraphException;
import io.threadline.graph.StateGraph;
import io.threadline.state.Channel;
import io.threadline.state.ListChannel;
import io.threadline.state.SchemaVersion;
import io.threadline.state.Update;
import io.threadline.state.ValueChannel;
import jakarta.validation.constraints.NotNull;
import org.junit.jupiter.api.Test;

import java.util.List;

import static io.threadline.graph.StateGraph.END;
import static io.threadline.graph.StateGraph.START;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * Threads stored under schema v1 are loaded, stepped and replayed under v3 through the registered
 * upcasters (v1 → v2 renames {@code lines}, v2 → v3 renames {@code owner} and adds {@code priority});
 * a checkpoint from a future version is refused, never misread.
 */
class SchemaEvolutionTest {

    @SchemaVersion(1)
    public record NoteV1(@NotNull List<String> lines, String owner) {
        public static final ListChannel<NoteV1, String> LINES = Channel.appending("lines");
        public static final ValueChannel<NoteV1, String> OWNER = Channel.overwriting("owner");
    }

    @SchemaVersion(3)
    public record NoteV3(@NotNull List<String> entries, String ownerName, int priority) {
        public static final ListChannel<NoteV3, String> ENTRIES = Channel.appending("entries");
        public static final ValueChannel<NoteV3, String> OWNER_NAME = Channel.overwriting("ownerName");
        public static final ValueChannel<NoteV3, Integer> PRIORITY = Channel.overwriting("priority");
    }

    private final InMemoryCheckpointStore store = new InMemoryCheckpointStore();
    private final ThreadKey thread = ThreadKey.of("t1", "old-thread");

    private CompiledGraph<NoteV1> v1() {
        return StateGraph.of(NoteV1.class)
                .node("write", (s, ctx) -> Update.of(NoteV1.LINES.append("line " + ctx.step())))
                .chain(START, "write", END)
                .compile();
    }

    private StateGraph<NoteV3> v3Builder() {
        return StateGraph.of(NoteV3.class)
                .node("write", (s, ctx) -> Update.of(NoteV3.ENTRIES.append("entry " + ctx.step() + " p" + s.priority())))
                .chain(START, "write", END);
    }

    private CompiledGraph<NoteV3> v3() {
        return v3Builder()
                .migration(1, state -> {
                    state.set("entries", state.remove("lines"));
                    return state;
                })
                .migration(2, state -> {
                    state.set("ownerName", state.remove("owner"));
                    state.put("priority", 1);
                    return state;
                })
                .compile();
    }

    private <S> ThreadRuntime<S> runtime(CompiledGraph<S> graph) {
        // Snapshots rarely, so the old thread's chain is a v1 snapshot plus v1 deltas, then v3 deltas.
        return ThreadRuntime.builder(graph)
                .store(store)
                .validator(LocalDemo.plainValidator())
                .options(RuntimeOptions.defaults().withSnapshotPolicy(new SnapshotPolicy(1000, null)))
                .build();
    }

    @Test
    void threadsStoredUnderV1LoadStepAndReplayUnderV3() {
        ThreadRuntime<NoteV1> old = runtime(v1());
        old.step(thread, Update.of(NoteV1.OWNER.set("ada")), null);
        old.step(thread, Update.none(), null);
        List<String> v1Steps = old.history(thread, HistoryQuery.first(10)).checkpoints().stream().map(c -> c.id().value()).toList();

        ThreadRuntime<NoteV3> current = runtime(v3());
        NoteV3 loaded = current.state(thread).state();
        assertThat(loaded.entries()).containsExactly("line 1", "line 2");
        assertThat(loaded.ownerName()).isEqualTo("ada");
        assertThat(loaded.priority()).isEqualTo(1);

        StepResult<NoteV3> stepped = current.step(thread, Update.of(NoteV3.PRIORITY.set(2)), null);
        assertThat(stepped.state().entries()).containsExactly("line 1", "line 2", "entry 3 p2");
        assertThat(stepped.checkpoint().schemaVersion()).isEqualTo(3);
        // A cold runtime reads the mixed chain (v1 snapshot, v1 delta, v3 delta) the same way.
        assertThat(runtime(v3()).state(thread).state()).isEqualTo(stepped.state());
        for (String id : v1Steps) {
            assertThat(current.stateAt(thread, CheckpointId.parse(id)).state().ownerName()).isEqualTo("ada");
        }

        // A step recorded under v1 replays under v3: its input applies to the v1 state, then the state is migrated.
        ReplayReport v1Step = current.replay(thread, CheckpointId.parse(v1Steps.get(0)));
        // The schema version is part of the graph's fingerprint: v3's graph is another graph than the one that recorded
        // the step, and the report says so rather than calling it a regression (DIFFERENT).
        assertThat(v1Step.verdict()).as(v1Step.summary()).isEqualTo(ReplayReport.Verdict.GRAPH_CHANGED);
        assertThat(v1Step.recordedGraph()).isNotEqualTo(v1Step.replayedGraph());
        assertThat(v1Step.summary()).contains("DIFFERENT: field 'entries'");
        assertThat(v1Step.fields()).extracting(ReplayReport.FieldDifference::field).containsExactly("entries");
        assertThat(v1Step.summary()).contains("\"line 2\"", "\"entry 2 p1\"");
        assertThat(current.replay(thread, stepped.checkpoint().id()).verdict())
                .isEqualTo(ReplayReport.Verdict.SAME);
    }

    @Test
    void aMissingMigrationFailsAtCompileTimeAndAtLoad() {
        assertThatThrownBy(() -> v3Builder().migration(1, s -> s).compile())
                .isInstanceOf(InvalidGraphException.class).hasMessageContaining("no migration from schema version 2 to 3");
        assertThatThrownBy(() -> v3Builder().migration(3, s -> s).compile())
                .isInstanceOf(InvalidGraphException.class).hasMessageContaining("cannot lead to the current schema version");
        runtime(v1()).step(thread);
        assertThatThrownBy(() -> runtime(v3Builder().compile()).state(thread))
                .isInstanceOfSatisfying(ThreadlineException.class, e -> assertThat(e.code()).isEqualTo(ErrorCode.INTERNAL))
                .hasMessageContaining("schema v1").hasMessageContaining("no migration");
    }

    @Test
    void aCheckpointFromAFutureVersionIsRefusedNotMisread() {
        runtime(v3()).step(ThreadKey.of("t1", "new-thread"));
        assertThatThrownBy(() -> runtime(v1()).state(ThreadKey.of("t1", "new-thread")))
                .isInstanceOfSatisfying(ThreadlineException.class, e -> assertThat(e.details()).containsEntry("storedVersion", 3))
                .hasMessageContaining("newer schema (v3)");
    }
}
