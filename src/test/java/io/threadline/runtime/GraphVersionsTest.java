package io.threadline.runtime;

import io.threadline.ErrorCode;
import io.threadline.ThreadlineException;
import io.threadline.checkpoint.Checkpoint;
import io.threadline.checkpoint.HistoryQuery;
import io.threadline.checkpoint.InMemoryCheckpointStore;
import io.threadline.checkpoint.Status;
import io.threadline.checkpoint.ThreadKey;
import io.threadline.graph.CompiledGraph;
import io.threadline.graph.DocGraphs;
import io.threadline.graph.DocGraphs.Doc;
import io.threadline.state.Update;
import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

/**
 * A new version of a graph meets threads an older one left mid-run: every checkpoint records the fingerprint of the
 * graph that wrote it, and a step under another graph continues (compatible), migrates (declared), or is refused
 * with a code naming what is missing — writing nothing; a pinned thread is left to the graph it is pinned to.
 */
class GraphVersionsTest {

    private final InMemoryCheckpointStore store = new InMemoryCheckpointStore();
    private final ThreadKey thread = ThreadKey.of("acme", "doc-1");

    private ThreadRuntime<Doc> runtime(CompiledGraph<Doc> graph) {
        return ThreadRuntime.builder(graph).store(store).build();
    }

    /** A thread v1 stepped once: draft ran, review is next. */
    private Checkpoint waitingAtReview(CompiledGraph<Doc> v1) {
        Checkpoint cp = runtime(v1).step(thread).checkpoint();
        assertThat(cp.next()).containsExactly("review");
        return cp;
    }

    @Test
    void everyCheckpointRecordsItsGraphsFingerprintAndTheRoutesFromWhereItWaits() {
        CompiledGraph<Doc> v1 = DocGraphs.v1();
        ThreadRuntime<Doc> runtime = runtime(v1);
        runtime.step(thread);
        runtime.step(thread);
        List<Checkpoint> history = store.history(thread, HistoryQuery.first(10)).checkpoints();
        assertThat(history).allSatisfy(cp -> assertThat(cp.metadata()).containsEntry("graph", v1.fingerprint().value())
                .doesNotContainKeys("graphFrom", "graphMigrated", "graphPin"));
        assertThat(history.get(0).metadata()).containsEntry("graphRoutes", "publish>__end__");
        assertThat(history.get(1).metadata()).containsEntry("graphRoutes", "review>publish");
        assertThat(runtime.state(thread).checkpoint().metadata()).containsEntry("graph", v1.fingerprint().value());
    }

    @Test
    void aCompatibleGraphContinuesTheThreadAndTheCheckpointSaysFromWhichGraph() {
        CompiledGraph<Doc> v1 = DocGraphs.v1();
        waitingAtReview(v1);
        CompiledGraph<Doc> v2 = DocGraphs.withSummary();
        ThreadRuntime<Doc> next = runtime(v2);
        assertThat(next.versionCheck(store.get(thread, store.head(thread).orElseThrow().checkpointId()).orElseThrow()).outcome())
                .isEqualTo(VersionCheck.Outcome.CONTINUE);
        StepResult<Doc> stepped = next.step(thread);
        assertThat(stepped.checkpoint().nodes()).containsExactly("review");
        assertThat(stepped.state().log()).containsExactly("draft", "review");
        assertThat(stepped.checkpoint().metadata()).containsEntry("graph", v2.fingerprint().value())
                .containsEntry("graphFrom", v1.fingerprint().value());
        // Once under the new graph, the next step is an ordinary one: nothing more to record.
        assertThat(next.step(thread).checkpoint().metadata()).doesNotContainKey("graphFrom");
    }

    @Test
    void aGraphWithoutTheNodeTheThreadWaitsAtRefusesItNamingTheNodeAndWritesNothing() {
        CompiledGraph<Doc> v1 = DocGraphs.v1();
        Checkpoint before = waitingAtReview(v1);
        ThreadlineException e = catchThrowableOfType(() -> runtime(DocGraphs.reviewRenamed(false)).step(thread),
                ThreadlineException.class);
        assertThat(e.code()).isEqualTo(ErrorCode.GRAPH_INCOMPATIBLE);
        assertThat(e.details()).containsEntry("missing", List.of("node 'review'"))
                .containsEntry("threadGraph", v1.fingerprint().value())
                .containsEntry("deployedGraph", DocGraphs.reviewRenamed(false).fingerprint().value());
        assertThat(e.getMessage()).contains("waits at [review]").contains("lacks node 'review'").contains("migrateNode");
        assertThat(store.head(thread).orElseThrow().checkpointId()).isEqualTo(before.id());
        // The version that has the node still steps it.
        assertThat(runtime(v1).step(thread).checkpoint().nodes()).containsExactly("review");
    }

    @Test
    void aGraphWithoutARouteFromWhereTheThreadWaitsRefusesItNamingTheRoute() {
        Checkpoint before = waitingAtReview(DocGraphs.v1());
        ThreadlineException e = catchThrowableOfType(() -> runtime(DocGraphs.publishReplaced()).step(thread),
                ThreadlineException.class);
        assertThat(e.code()).isEqualTo(ErrorCode.GRAPH_INCOMPATIBLE);
        assertThat(e.details()).containsEntry("missing", List.of("route 'review' → 'publish'"));
        assertThat(store.head(thread).orElseThrow().checkpointId()).isEqualTo(before.id());
    }

    @Test
    void aDeclaredNodeMigrationMovesTheThreadOnAndIsRecorded() {
        waitingAtReview(DocGraphs.v1());
        CompiledGraph<Doc> v2 = DocGraphs.reviewRenamed(true);
        StepResult<Doc> stepped = runtime(v2).step(thread);
        assertThat(stepped.checkpoint().nodes()).containsExactly("check");
        assertThat(stepped.state().log()).containsExactly("draft", "check");
        assertThat(stepped.checkpoint().metadata()).containsEntry("graphMigrated", "review>check")
                .containsEntry("graphFrom", DocGraphs.v1().fingerprint().value());
        assertThat(runtime(v2).step(thread).checkpoint().nodes()).containsExactly("publish");
    }

    @Test
    void anInterruptedThreadIsResumedAtTheNodeItsInterruptMovedTo() {
        ThreadRuntime<Doc> v1 = runtime(DocGraphs.v1Builder().interruptBefore("review").compile());
        v1.step(thread);
        Checkpoint waiting = v1.step(thread).checkpoint();
        assertThat(waiting.status()).isEqualTo(Status.INTERRUPTED);
        assertThat(waiting.interrupt().node()).isEqualTo("review");
        ThreadlineException refused = catchThrowableOfType(() -> runtime(DocGraphs.reviewRenamed(false)).resume(thread, "ok", null),
                ThreadlineException.class);
        assertThat(refused.code()).isEqualTo(ErrorCode.GRAPH_INCOMPATIBLE);
        StepResult<Doc> resumed = runtime(DocGraphs.reviewRenamed(true)).resume(thread, "ok", null);
        assertThat(resumed.checkpoint().nodes()).containsExactly("check");
        assertThat(resumed.checkpoint().metadata()).containsEntry("graphMigrated", "review>check");
    }

    @Test
    void aFinishedThreadStartsItsNextRunOnAnyGraph() {
        ThreadRuntime<Doc> v1 = runtime(DocGraphs.v1());
        v1.step(thread);
        v1.step(thread);
        assertThat(v1.step(thread).checkpoint().status()).isEqualTo(Status.DONE);
        StepResult<Doc> next = runtime(DocGraphs.reviewRenamed(false)).step(thread);
        assertThat(next.checkpoint().nodes()).containsExactly("draft");
    }

    @Test
    void aPinnedThreadIsRefusedByAnotherGraphAndGoesOnWithItsOwn() {
        CompiledGraph<Doc> pinning = DocGraphs.v1Builder().pinThreads().compile();
        String pin = pinning.fingerprint().value();
        Checkpoint before = runtime(pinning).step(thread).checkpoint();
        assertThat(before.metadata()).containsEntry("graphPin", pin);
        ThreadlineException e = catchThrowableOfType(() -> runtime(DocGraphs.withSummary()).step(thread), ThreadlineException.class);
        assertThat(e.code()).isEqualTo(ErrorCode.GRAPH_PINNED);
        assertThat(e.details()).containsEntry("pinnedTo", pin);
        assertThat(store.head(thread).orElseThrow().checkpointId()).isEqualTo(before.id());
        // The same graph without pinning declared still honours the pin, and keeps carrying it.
        StepResult<Doc> mine = runtime(DocGraphs.v1()).step(thread);
        assertThat(mine.checkpoint().metadata()).containsEntry("graphPin", pin);
        assertThat(runtime(DocGraphs.withSummary()).versionCheck(mine.checkpoint()).describe()).contains("pinned to graph " + pin);
    }

    @Test
    void theVersionCheckDescribesEachOutcome() {
        Checkpoint atReview = waitingAtReview(DocGraphs.v1());
        assertThat(runtime(DocGraphs.v1()).versionCheck(atReview).describe()).isEqualTo("continues (same graph)");
        assertThat(runtime(DocGraphs.reviewRenamed(true)).versionCheck(atReview))
                .satisfies(c -> assertThat(c.outcome()).isEqualTo(VersionCheck.Outcome.MIGRATE))
                .satisfies(c -> assertThat(c.moved()).isEqualTo(Map.of("review", "check")))
                .satisfies(c -> assertThat(c.describe()).isEqualTo("migrates: 'review' → 'check'"));
        assertThat(runtime(DocGraphs.publishReplaced()).versionCheck(atReview).describe())
                .startsWith("refused: graph ").endsWith("lacks route 'review' → 'publish'");
    }

    /** Fork, rewind and update copy where a checkpoint stands: the deployed graph must be able to go on from there. */
    @Test
    void forkRewindAndUpdateAreRefusedWhereTheDeployedGraphLostARouteAndWriteNothing() {
        Checkpoint first = waitingAtReview(DocGraphs.v1());
        Checkpoint head = runtime(DocGraphs.v1()).update(thread, Update.of(Doc.LOG.append("edited")), "before").checkpoint();
        assertThat(head.next()).containsExactly("review");
        ThreadRuntime<Doc> lost = runtime(DocGraphs.publishReplaced());
        ThreadKey target = ThreadKey.of("acme", "doc-fork");
        List<ThreadlineException> refusals = List.of(
                catchThrowableOfType(() -> lost.fork(thread, first.id(), target, "try"), ThreadlineException.class),
                catchThrowableOfType(() -> lost.rewind(thread, first.id(), "back"), ThreadlineException.class),
                catchThrowableOfType(() -> lost.update(thread, Update.of(Doc.LOG.append("x")), "fix"),
                        ThreadlineException.class));
        assertThat(refusals).allSatisfy(e -> {
            assertThat(e.code()).isEqualTo(ErrorCode.GRAPH_INCOMPATIBLE);
            assertThat(e.details()).containsEntry("missing", List.of("route 'review' → 'publish'"))
                    .containsEntry("threadGraph", DocGraphs.v1().fingerprint().value());
        });
        assertThat(store.head(thread).orElseThrow().checkpointId()).isEqualTo(head.id());
        assertThat(store.head(target)).isEmpty();
        // Before this rule the fork was stamped with the new graph, and its next step ran review → archive unchecked.
    }

    @Test
    void forkRewindAndUpdateGoOnUnderACompatibleGraphAndAreRefusedWhereTheNodeIsGone() {
        Checkpoint first = waitingAtReview(DocGraphs.v1());
        ThreadRuntime<Doc> compatible = runtime(DocGraphs.withSummary());
        ThreadKey target = ThreadKey.of("acme", "doc-fork");
        assertThat(compatible.fork(thread, first.id(), target, "try").checkpoint().metadata())
                .containsEntry("graph", DocGraphs.withSummary().fingerprint().value());
        assertThat(compatible.update(thread, Update.of(Doc.LOG.append("x")), "fix").checkpoint().next())
                .containsExactly("review");
        assertThat(compatible.rewind(thread, first.id(), "back").checkpoint().next()).containsExactly("review");
        Checkpoint head = store.get(thread, store.head(thread).orElseThrow().checkpointId()).orElseThrow();
        ThreadlineException e = catchThrowableOfType(() -> runtime(DocGraphs.reviewRenamed(false)).rewind(thread, first.id(), "back"),
                ThreadlineException.class);
        assertThat(e.code()).isEqualTo(ErrorCode.GRAPH_INCOMPATIBLE);
        assertThat(e.details()).containsEntry("missing", List.of("node 'review'"));
        assertThat(store.head(thread).orElseThrow().checkpointId()).isEqualTo(head.id());
        // A declared migration lets the write through; the step after it moves the thread and records the move.
        ThreadRuntime<Doc> migrating = runtime(DocGraphs.reviewRenamed(true));
        assertThat(migrating.update(thread, Update.of(Doc.LOG.append("y")), "fix").checkpoint().next())
                .containsExactly("review");
        StepResult<Doc> moved = migrating.step(thread);
        assertThat(moved.checkpoint().nodes()).containsExactly("check");
        assertThat(moved.checkpoint().metadata()).containsEntry("graphMigrated", "review>check");
    }

    @Test
    void anUpdateOfAPinnedThreadUnderAnotherGraphIsRefusedAsPinned() {
        Checkpoint before = runtime(DocGraphs.v1Builder().pinThreads().compile()).step(thread).checkpoint();
        ThreadlineException e = catchThrowableOfType(() -> runtime(DocGraphs.withSummary())
                .update(thread, Update.of(Doc.LOG.append("x")), "fix"), ThreadlineException.class);
        assertThat(e.code()).isEqualTo(ErrorCode.GRAPH_PINNED);
        assertThat(store.head(thread).orElseThrow().checkpointId()).isEqualTo(before.id());
    }
}
