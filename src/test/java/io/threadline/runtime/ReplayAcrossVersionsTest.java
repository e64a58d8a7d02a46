package io.threadline.runtime;

import io.threadline.checkpoint.Checkpoint;
import io.threadline.checkpoint.InMemoryCheckpointStore;
import io.threadline.checkpoint.ThreadKey;
import io.threadline.graph.CompiledGraph;
import io.threadline.graph.DocGraphs;
import io.threadline.graph.DocGraphs.Doc;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Replaying an old checkpoint under a new graph says so: the report names both fingerprints, a step that comes out
 * otherwise is GRAPH_CHANGED (not DIFFERENT, which means the same graph's code changed), and a step whose node is gone
 * is GRAPH_CHANGED naming the node instead of failing.
 */
class ReplayAcrossVersionsTest {

    private final InMemoryCheckpointStore store = new InMemoryCheckpointStore();
    private final ThreadKey thread = ThreadKey.of("acme", "replayed");
    private Checkpoint drafted;
    private Checkpoint reviewed;

    private ThreadRuntime<Doc> runtime(CompiledGraph<Doc> graph) {
        return ThreadRuntime.builder(graph).store(store).build();
    }

    @BeforeEach
    void recordUnderV1() {
        ThreadRuntime<Doc> v1 = runtime(DocGraphs.v1());
        drafted = v1.step(thread).checkpoint();
        reviewed = v1.step(thread).checkpoint();
    }

    @Test
    void underTheSameGraphTheReportNamesItTwiceAndIsSame() {
        ReplayReport report = runtime(DocGraphs.v1()).replay(thread, reviewed.id());
        assertThat(report.verdict()).isEqualTo(ReplayReport.Verdict.SAME);
        assertThat(report.recordedGraph()).isEqualTo(DocGraphs.v1().fingerprint().value()).isEqualTo(report.replayedGraph());
        assertThat(report.summary()).doesNotContain("graph");
    }

    @Test
    void aStepThatComesOutOtherwiseUnderANewGraphIsGraphChangedNotDifferent() {
        CompiledGraph<Doc> v2 = DocGraphs.withSummary();
        ReplayReport report = runtime(v2).replay(thread, drafted.id());
        assertThat(report.verdict()).isEqualTo(ReplayReport.Verdict.GRAPH_CHANGED);
        assertThat(report.summary()).startsWith("GRAPH_CHANGED: recorded under graph " + DocGraphs.v1().fingerprint().value()
                + ", replayed under graph " + v2.fingerprint().value()).contains("decisions");
        assertThat(report.replayedDecisions()).isNotEmpty();
        assertThat(report.recordedGraph()).isEqualTo(DocGraphs.v1().fingerprint().value());
        assertThat(report.replayedGraph()).isEqualTo(v2.fingerprint().value());
    }

    @Test
    void aStepWhoseNodeIsGoneIsGraphChangedNamingTheNode() {
        ReplayReport report = runtime(DocGraphs.reviewRenamed(false)).replay(thread, reviewed.id());
        assertThat(report.verdict()).isEqualTo(ReplayReport.Verdict.GRAPH_CHANGED);
        assertThat(report.summary()).contains("has no node [review]").contains("cannot run as it was recorded");
        ReplayReport migrated = runtime(DocGraphs.reviewRenamed(true)).replay(thread, reviewed.id());
        assertThat(migrated.summary()).contains("migrates [review] to other nodes");
    }

    @Test
    void aStepAGraphChangeDoesNotTouchIsSameAndSaysUnderWhichGraphs() {
        CompiledGraph<Doc> v2 = DocGraphs.v1Builder().interruptAfter("publish").compile();
        ReplayReport report = runtime(v2).replay(thread, drafted.id());
        assertThat(report.verdict()).isEqualTo(ReplayReport.Verdict.SAME);
        assertThat(report.summary()).endsWith("(recorded under graph " + DocGraphs.v1().fingerprint().value() + ", replayed under graph "
                + v2.fingerprint().value() + ")");
    }
}
