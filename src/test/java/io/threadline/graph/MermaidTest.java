package io.threadline.graph;

import io.threadline.examples.reference.ReferenceAgent;
import io.threadline.state.Channel;
import io.threadline.state.ListChannel;
import io.threadline.state.Update;
import org.junit.jupiter.api.Test;

import java.util.Arrays;
import java.util.List;

import static io.threadline.graph.StateGraph.END;
import static io.threadline.graph.StateGraph.START;
import static org.assertj.core.api.Assertions.assertThat;

class MermaidTest {

    public record S(List<String> log) {
        public static final ListChannel<S, String> LOG = Channel.appending("log");
    }

    private static List<String> lines(String mermaid) {
        return Arrays.stream(mermaid.split("\n")).map(String::trim).toList();
    }

    @Test
    void referenceAgentGraphHasStartEndNodesAndEdges() {
        String mermaid = ReferenceAgent.graph().toMermaid();
        List<String> lines = lines(mermaid);

        assertThat(mermaid).startsWith("flowchart TD\n").endsWith("\n");
        assertThat(lines).contains(
                "__start__([START])",
                "__end__([END])",
                "process[process]",
                "execute[execute]",
                "respond[respond]",
                "__start__ --> process",
                "execute --> respond",
                "respond --> __end__",
                "process -. TOOL .-> execute",
                "process -. ANSWER .-> respond");
        assertThat(mermaid).doesNotContain("classDef").doesNotContain("class ");
    }

    @Test
    void nodesAreListedBetweenStartAndEndInDeclarationOrder() {
        List<String> lines = lines(ReferenceAgent.graph().toMermaid());

        assertThat(lines.subList(0, 6)).containsExactly(
                "flowchart TD",
                "__start__([START])",
                "process[process]",
                "execute[execute]",
                "respond[respond]",
                "__end__([END])");
    }

    @Test
    void enumRouteEdgesFollowTheEnumOrder() {
        List<String> lines = lines(ReferenceAgent.graph().toMermaid());

        assertThat(lines).containsSubsequence("process -. TOOL .-> execute", "process -. ANSWER .-> respond");
    }

    @Test
    void stringRouteEdgesAreDottedWithoutLabels() {
        String mermaid = StateGraph.of(S.class)
                .node("a", (s, c) -> Update.none())
                .node("b", (s, c) -> Update.none())
                .edge(START, "a")
                .route("a", s -> Route.end("done"), "b", END)
                .edge("b", END)
                .compile()
                .toMermaid();

        assertThat(lines(mermaid)).containsSubsequence("a -.-> b", "a -.-> __end__")
                .doesNotContain("a --> b");
    }

    @Test
    void highlightedNodeGetsTheCurrentClass() {
        String mermaid = ReferenceAgent.graph().toMermaid(List.of("execute"));
        List<String> lines = lines(mermaid);

        assertThat(lines).contains("classDef current fill:#ffd966,stroke:#b45f06,stroke-width:2px", "class execute current");
        assertThat(lines).containsSubsequence("classDef current fill:#ffd966,stroke:#b45f06,stroke-width:2px",
                "class execute current");
        assertThat(lines).filteredOn(l -> l.startsWith("class ")).containsExactly("class execute current");
    }

    @Test
    void unknownHighlightedNamesAreIgnored() {
        List<String> lines = lines(ReferenceAgent.graph().toMermaid(List.of("ghost", "respond", END)));

        assertThat(lines).filteredOn(l -> l.startsWith("class ")).containsExactly("class respond current");
        assertThat(String.join("\n", lines)).doesNotContain("ghost");
    }

    @Test
    void highlightingAddsOnlyClassLinesToThePlainDiagram() {
        CompiledGraph<?> graph = ReferenceAgent.graph();
        String plain = graph.toMermaid();
        String highlighted = graph.toMermaid(List.of("execute"));

        // Same graph object, same JVM: the diagram part is identical, the highlight is appended.
        assertThat(highlighted).startsWith(plain);
        assertThat(graph.toMermaid(List.of())).isEqualTo(plain);
    }

    /** The diagram text must not depend on the JVM run (e.g. on Map.copyOf's randomised order). */
    @Test
    void plainEdgesAreListedStartFirstThenInNodeDeclarationOrder() {
        List<String> lines = lines(ReferenceAgent.graph().toMermaid());

        assertThat(lines).filteredOn(l -> l.contains(" --> "))
                .containsExactly("__start__ --> process", "execute --> respond", "respond --> __end__");
    }

    @Test
    void nodesNamedLikeMermaidKeywordsGetSafeIds() {
        CompiledGraph<S> graph = StateGraph.of(S.class)
                .node("end", (s, ctx) -> Update.none())
                .node("style", (s, ctx) -> Update.none())
                .chain(START, "end", "style", END)
                .compile();
        List<String> lines = lines(graph.toMermaid(List.of("end")));
        assertThat(lines).contains("node_end[end]", "node_style[style]", "__start__ --> node_end",
                "node_end --> node_style", "node_style --> __end__", "class node_end current");
    }
    /** The edges tools draw (the inspector) are the diagram's: same edges, same order, labels kept. */
    @Test
    void edgesListWhatTheDiagramDraws() {
        assertThat(ReferenceAgent.graph().edges()).containsExactly(
                new GraphEdge(START, "process", null, false),
                new GraphEdge("execute", "respond", null, false),
                new GraphEdge("respond", END, null, false),
                new GraphEdge("process", "execute", "TOOL", true),
                new GraphEdge("process", "respond", "ANSWER", true));
        CompiledGraph<S> routed = StateGraph.of(S.class)
                .node("a", (s, c) -> Update.none())
                .node("b", (s, c) -> Update.none())
                .edge(START, "a")
                .route("a", s -> Route.end("done"), "b", END)
                .edge("b", END)
                .compile();
        assertThat(routed.edges()).containsExactly(new GraphEdge(START, "a", null, false), new GraphEdge("b", END, null, false),
                new GraphEdge("a", "b", null, true), new GraphEdge("a", END, null, true));
    }
}
