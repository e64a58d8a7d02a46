package io.threadline.graph;

import io.threadline.state.StateSchema;
import io.threadline.state.Update;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.function.UnaryOperator;

import static io.threadline.graph.DocGraphs.Doc;
import static io.threadline.graph.StateGraph.END;
import static io.threadline.graph.StateGraph.START;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * The graph fingerprint is a function of the structure alone: the same graph gives the same value in every JVM and
 * build (pinned here as a literal), whatever the order edges were declared in and whatever the nodes' code does;
 * and each kind of structural change gives another value.
 */
class GraphFingerprintTest {

    /**
     * DocGraphs.v1's fingerprint. It must never change for that graph: stored checkpoints carry it, and a new value
     * for the same graph would make every stored thread look written by another version. If the canonical encoding
     * has to change, bump {@link GraphFingerprint#FORMAT} and say so in the README.
     */
    private static final String V1 = "6d912d07b8a58932";

    @Test
    void theSameGraphHasTheSameFingerprintInThisBuildAndEveryOther() {
        assertThat(DocGraphs.v1().fingerprint().value()).matches(GraphFingerprint.VALUE).isEqualTo(V1);
        assertThat(DocGraphs.v1().fingerprint()).isEqualTo(DocGraphs.v1().fingerprint());
    }

    @Test
    void anotherJvmComputesTheSameFingerprint() throws IOException, InterruptedException {
        String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        // Another hash seed and another default charset and locale: nothing of the JVM's may leak into the value.
        Process child = new ProcessBuilder(java, "-Dfile.encoding=ISO-8859-1", "-Duser.language=tr", "-XX:+UnlockExperimentalVMOptions", "-XX:hashCode=2",
                "-cp", System.getProperty("java.class.path"), DocGraphs.class.getName()).redirectErrorStream(true).start();
        assertThat(child.waitFor(60, TimeUnit.SECONDS)).isTrue();
        String out = new String(child.getInputStream().readAllBytes(), StandardCharsets.UTF_8).trim();
        assertThat(child.exitValue()).as(out).isZero();
        assertThat(out).isEqualTo(V1);
    }

    @Test
    void neitherTheNodesCodeNorTheOrderEdgesAreDeclaredInCount() {
        CompiledGraph<Doc> otherCode = StateGraph.of(Doc.class)
                .node("draft", (d, ctx) -> Update.of(Doc.LOG.append("a whole new draft")))
                .node("review", (d, ctx) -> Update.none())
                .node("publish", (d, ctx) -> Update.none())
                .edge("publish", END).edge("review", "publish").edge("draft", "review").edge(START, "draft")
                .compile();
        assertThat(otherCode.fingerprint().value()).isEqualTo(V1);
    }

    @Test
    void theCanonicalTextSaysWhatWasHashed() {
        assertThat(DocGraphs.v1().fingerprint().canonical())
                .startsWith("6:format 18:threadline.graph/1\n6:schema 1:1\n")
                .contains("4:node 5:draft 10:durability 4:EXIT 8:attempts 1:1")
                .contains("4:edge 5:draft 6:review\n");
    }

    /** Each kind of structural change, applied to v1, must change the fingerprint — and no two alike. */
    @Test
    void everyKindOfStructuralChangeChangesIt() {
        Map<String, CompiledGraph<?>> changed = new LinkedHashMap<>();
        changed.put("node added", DocGraphs.withSummary());
        changed.put("node renamed", DocGraphs.reviewRenamed(false));
        changed.put("node replaced", DocGraphs.publishReplaced());
        changed.put("node order", StateGraph.of(Doc.class)
                .node("review", DocGraphs.writes("review")).node("draft", DocGraphs.writes("draft")).node("publish", DocGraphs.writes("publish"))
                .edge(START, "draft").chain("draft", "review", "publish", END).compile());
        changed.put("edge", StateGraph.of(Doc.class)
                .node("draft", DocGraphs.writes("draft")).node("review", DocGraphs.writes("review")).node("publish", DocGraphs.writes("publish"))
                .edge(START, "draft").edge("draft", "review").edge("draft", "publish").chain("review", "publish", END).compile());
        changed.put("edge to a route", variant(b -> b, true, null));
        changed.put("route label", variant(b -> b, true, "GOOD"));
        changed.put("durability", variant(b -> b.durability(Durability.SYNC), false, null));
        changed.put("node durability", nodePolicy(NodePolicy.durability(Durability.SYNC)));
        changed.put("retry attempts", nodePolicy(NodePolicy.retry(RetryPolicy.attempts(3))));
        changed.put("retry backoff", nodePolicy(NodePolicy.retry(RetryPolicy.<Doc>attempts(3).backoff(Duration.ofSeconds(1), 2, Duration.ofSeconds(9)))));
        changed.put("retry on", nodePolicy(NodePolicy.retry(RetryPolicy.<Doc>attempts(3).retryOn(IOException.class))));
        changed.put("interrupt before", variant(b -> b.interruptBefore("review"), false, null));
        changed.put("interrupt after", variant(b -> b.interruptAfter("review"), false, null));
        changed.put("schema version", StateGraph.of(StateSchema.of(DocGraphs.DocV2.class))
                .node("draft", (d, c) -> Update.none()).node("review", (d, c) -> Update.none()).node("publish", (d, c) -> Update.none())
                .edge(START, "draft").chain("draft", "review", "publish", END).compile());
        Set<String> seen = new HashSet<>(Set.of(V1));
        changed.forEach((kind, graph) -> assertThat(seen.add(graph.fingerprint().value()))
                .as("%s changes the fingerprint to a value of its own:%n%s", kind, graph.fingerprint().canonical()).isTrue());
    }

    @Test
    void aRouteLabelMappedToAnotherNodeChangesIt() {
        assertThat(variant(b -> b, true, "GOOD").fingerprint()).isNotEqualTo(variant(b -> b, true, "REWORK").fingerprint());
    }

    @Test
    void nodeMigrationsAndPinningAreNotPartOfIt() {
        assertThat(DocGraphs.reviewRenamed(true).fingerprint()).isEqualTo(DocGraphs.reviewRenamed(false).fingerprint());
        assertThat(DocGraphs.v1Builder().pinThreads().compile().fingerprint().value()).isEqualTo(V1);
    }

    private static CompiledGraph<Doc> nodePolicy(NodePolicy<Doc> policy) {
        return StateGraph.of(Doc.class)
                .node("draft", DocGraphs.writes("draft")).node("review", DocGraphs.writes("review"), policy)
                .node("publish", DocGraphs.writes("publish"))
                .edge(START, "draft").chain("draft", "review", "publish", END).compile();
    }

    /** v1, changed by {@code change}; with {@code routed}, review → publish is a route (labelled when {@code toDraftLabel} is set). */
    private static CompiledGraph<Doc> variant(UnaryOperator<StateGraph<Doc>> change, boolean routed, String toDraftLabel) {
        StateGraph<Doc> b = StateGraph.of(Doc.class)
                .node("draft", DocGraphs.writes("draft")).node("review", DocGraphs.writes("review")).node("publish", DocGraphs.writes("publish"))
                .edge(START, "draft").edge("draft", "review").edge("publish", END);
        if (!routed) {
            b.edge("review", "publish");
        } else if (toDraftLabel == null) {
            b.route("review", doc -> Route.to("publish", "fine"), "publish");
        } else {
            DocGraphs.Verdict other = DocGraphs.Verdict.valueOf(toDraftLabel) == DocGraphs.Verdict.GOOD
                    ? DocGraphs.Verdict.REWORK : DocGraphs.Verdict.GOOD;
            b.route("review", DocGraphs.Verdict.class, doc -> Route.to(DocGraphs.Verdict.GOOD, "fine"),
                    Map.of(DocGraphs.Verdict.valueOf(toDraftLabel), "draft", other, "publish"));
        }
        return change.apply(b).compile();
    }
}
