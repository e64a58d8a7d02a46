package io.threadline.graph;

import io.threadline.state.Channel;
import io.threadline.state.ListChannel;
import io.threadline.state.Update;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.util.EnumMap;
import java.util.List;
import java.util.Map;

import static io.threadline.graph.StateGraph.END;
import static io.threadline.graph.StateGraph.START;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatCode;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

class StateGraphCompileTest {

    public record S(List<String> log) {
        public static final ListChannel<S, String> LOG = Channel.appending("log");
    }

    enum Choice { LEFT, MIDDLE, RIGHT }

    private static Node<S> noop() {
        return (state, ctx) -> Update.none();
    }

    private static Router<S> toEnd() {
        return state -> Route.end("finished");
    }

    private static StateGraph<S> graph() {
        return StateGraph.of(S.class);
    }

    private static List<String> problemsOf(StateGraph<S> graph) {
        InvalidGraphException e = catchThrowableOfType(graph::compile, InvalidGraphException.class);
        assertThat(e).as("compile() should reject the graph").isNotNull();
        return e.problems();
    }

    @Test
    void validGraphCompilesWithNodesInDeclarationOrder() {
        CompiledGraph<S> compiled = graph()
                .node("a", noop())
                .node("b", noop())
                .node("c", noop())
                .edge(START, "c")
                .edge(START, "a")
                .route("a", s -> Route.to("b", "always b"), "b", END)
                .chain("b", "c", END)
                .compile();

        assertThat(compiled.nodeNames()).containsExactly("a", "b", "c");
        assertThat(compiled.entryNodes()).containsExactly("a", "c");
        assertThat(compiled.schema().type()).isEqualTo(S.class);
    }

    @Test
    void edgeToUnknownNodeIsReportedWithTheKnownNodes() {
        List<String> problems = problemsOf(graph()
                .node("a", noop())
                .edge(START, "a")
                .edge("a", "ghost")
                .edge("a", END));

        assertThat(problems).containsExactly("edge from 'a' to unknown node 'ghost' (nodes are [a])");
    }

    @Test
    void edgeFromUnknownNodeIsReported() {
        List<String> problems = problemsOf(graph()
                .node("a", noop())
                .chain(START, "a", END)
                .edge("ghost", "a"));

        assertThat(problems).containsExactly("edge from unknown node 'ghost' (nodes are [a])");
    }

    @Test
    void routeToUnknownNodeIsReported() {
        List<String> problems = problemsOf(graph()
                .node("a", noop())
                .edge(START, "a")
                .route("a", toEnd(), "ghost", END));

        assertThat(problems).containsExactly("edge from 'a' to unknown node 'ghost' (nodes are [a])");
    }

    @Test
    void nodeUnreachableFromStartIsReported() {
        List<String> problems = problemsOf(graph()
                .node("a", noop())
                .node("orphan", noop())
                .chain(START, "a", END)
                .edge("orphan", END));

        assertThat(problems).containsExactly("node 'orphan' is unreachable from START");
    }

    @Test
    void cycleWithoutExitIsReportedForEveryNodeInIt() {
        List<String> problems = problemsOf(graph()
                .node("a", noop())
                .node("b", noop())
                .edge(START, "a")
                .edge("a", "b")
                .edge("b", "a"));

        assertThat(problems).containsExactly(
                "node 'a' has no way to END: every path from it loops forever",
                "node 'b' has no way to END: every path from it loops forever");
    }

    @Test
    void cycleWithAnExitCompiles() {
        assertThatCode(() -> graph()
                .node("a", noop())
                .node("b", noop())
                .edge(START, "a")
                .edge("a", "b")
                .route("b", s -> Route.to("a", "again"), "a", END)
                .compile()).doesNotThrowAnyException();
    }

    @Test
    void nodeWithoutOutgoingEdgeIsReported() {
        List<String> problems = problemsOf(graph()
                .node("a", noop())
                .edge(START, "a"));

        assertThat(problems).containsExactly("node 'a' has no outgoing edge: add an edge or a route (to END to finish)");
    }

    @Test
    void duplicateNodeNameIsReported() {
        List<String> problems = problemsOf(graph()
                .node("a", noop())
                .node("a", noop())
                .chain(START, "a", END));

        assertThat(problems).containsExactly("node 'a' is added twice");
    }

    @Test
    void reservedStartAndEndCannotNameNodes() {
        List<String> problems = problemsOf(graph()
                .node(START, noop())
                .node(END, noop())
                .node("a", noop())
                .chain(START, "a", END));

        assertThat(problems).containsExactly(
                "'__start__' is reserved for START/END and cannot name a node",
                "'__end__' is reserved for START/END and cannot name a node");
    }

    @ParameterizedTest
    @ValueSource(strings = {"", "1abc", "_a", "-a", "has space", "dot.name", "caf\u00e9", "a/b",
            "a23456789012345678901234567890123456789012345678901234567890abcde" /* 65 chars */})
    void invalidNodeNameIsReported(String name) {
        List<String> problems = problemsOf(graph()
                .node(name, noop())
                .node("a", noop())
                .chain(START, "a", END));

        assertThat(problems).containsExactly(
                "node name '" + name + "' must start with a letter and use letters, digits, '_' or '-' (max 64)");
    }

    @Test
    void nullNodeNameIsReported() {
        List<String> problems = problemsOf(graph()
                .node(null, noop())
                .node("a", noop())
                .chain(START, "a", END));

        assertThat(problems).containsExactly(
                "node name 'null' must start with a letter and use letters, digits, '_' or '-' (max 64)");
    }

    @ParameterizedTest
    @ValueSource(strings = {"a", "Z9", "snake_case-and-dash",
            "a234567890123456789012345678901234567890123456789012345678901234" /* 64 chars */})
    void validNodeNamesAreAccepted(String name) {
        CompiledGraph<S> compiled = graph()
                .node(name, noop())
                .chain(START, name, END)
                .compile();

        assertThat(compiled.nodeNames()).containsExactly(name);
    }

    @Test
    void nothingFollowingStartIsReported() {
        List<String> problems = problemsOf(graph()
                .node("a", noop())
                .edge("a", END));

        assertThat(problems).containsExactly(
                "nothing follows START: add edge(START, \"<first node>\")",
                "node 'a' is unreachable from START");
    }

    @Test
    void edgeIntoStartIsReported() {
        List<String> problems = problemsOf(graph()
                .node("a", noop())
                .chain(START, "a", END)
                .edge("a", START));

        assertThat(problems).containsExactly("edge from 'a' to START: START is only an entry");
    }

    @Test
    void routeIntoStartIsReported() {
        List<String> problems = problemsOf(graph()
                .node("a", noop())
                .edge(START, "a")
                .route("a", toEnd(), START, END));

        assertThat(problems).containsExactly("edge from 'a' to START: START is only an entry");
    }

    @Test
    void edgeOutOfEndIsReported() {
        List<String> problems = problemsOf(graph()
                .node("a", noop())
                .chain(START, "a", END)
                .edge(END, "a"));

        assertThat(problems).containsExactly("END cannot have outgoing edges");
    }

    @Test
    void nodeWithBothPlainEdgesAndRouterIsReported() {
        List<String> problems = problemsOf(graph()
                .node("a", noop())
                .node("b", noop())
                .chain(START, "a", END)
                .route("a", s -> Route.to("b", "b"), "b")
                .edge("b", END));

        assertThat(problems).containsExactly("node 'a' has both plain edges and a router; put every target in the router");
    }

    @Test
    void twoRoutersOnOneNodeAreReported() {
        List<String> problems = problemsOf(graph()
                .node("a", noop())
                .edge(START, "a")
                .route("a", toEnd(), END)
                .route("a", toEnd(), END));

        assertThat(problems).containsExactly("node 'a' has two routers; combine them into one");
    }

    @Test
    void enumRouteMustMapEveryLabelAndTheProblemNamesTheMissingOnes() {
        List<String> problems = problemsOf(graph()
                .node("a", noop())
                .node("b", noop())
                .edge(START, "a")
                .route("a", Choice.class, s -> Route.to(Choice.LEFT, "left"), Map.of(Choice.LEFT, "b"))
                .edge("b", END));

        assertThat(problems).containsExactly(
                "route from 'a' does not map Choice labels [MIDDLE, RIGHT] to a node: the router could choose them");
    }

    @Test
    void enumRouteMappingEveryLabelCompiles() {
        Map<Choice, String> targets = new EnumMap<>(Choice.class);
        targets.put(Choice.LEFT, "b");
        targets.put(Choice.MIDDLE, "b");
        targets.put(Choice.RIGHT, END);

        assertThatCode(() -> graph()
                .node("a", noop())
                .node("b", noop())
                .edge(START, "a")
                .route("a", Choice.class, s -> Route.to(Choice.RIGHT, "done"), targets)
                .edge("b", END)
                .compile()).doesNotThrowAnyException();
    }

    @Test
    void enumRouteToUnknownNodeIsReported() {
        List<String> problems = problemsOf(graph()
                .node("a", noop())
                .edge(START, "a")
                .route("a", Choice.class, s -> Route.to(Choice.LEFT, "left"),
                        Map.of(Choice.LEFT, END, Choice.MIDDLE, END, Choice.RIGHT, "ghost")));

        assertThat(problems).containsExactly("edge from 'a' to unknown node 'ghost' (nodes are [a])");
    }

    @Test
    void routeWithoutTargetsIsReported() {
        List<String> problems = problemsOf(graph()
                .node("a", noop())
                .edge(START, "a")
                .route("a", toEnd()));

        assertThat(problems).containsExactly(
                "route from 'a' declares no targets",
                "node 'a' has no outgoing edge: add an edge or a route (to END to finish)");
    }

    @Test
    void chainOfOneNameIsReported() {
        List<String> problems = problemsOf(graph()
                .node("a", noop())
                .chain(START, "a", END)
                .chain("a"));

        assertThat(problems).containsExactly("a chain needs at least two names");
    }

    @Test
    void allProblemsAreReportedTogetherInOneException() {
        StateGraph<S> broken = graph()
                .node("a", noop())
                .node("a", noop())
                .node("orphan", noop())
                .node("9lives", noop())
                .edge(START, "a")
                .edge("a", "ghost")
                .edge("a", END)
                .edge("orphan", END)
                .edge(END, "a");

        InvalidGraphException e = catchThrowableOfType(broken::compile, InvalidGraphException.class);

        assertThat(e.problems()).containsExactlyInAnyOrder(
                "node 'a' is added twice",
                "node name '9lives' must start with a letter and use letters, digits, '_' or '-' (max 64)",
                "edge from 'a' to unknown node 'ghost' (nodes are [a, orphan])",
                "END cannot have outgoing edges",
                "node 'orphan' is unreachable from START");
        assertThat(e.getMessage()).startsWith("invalid graph:\n  - ");
        for (String problem : e.problems()) {
            assertThat(e.getMessage()).contains("\n  - " + problem);
        }
    }

    @Test
    void emptyGraphIsRejectedAndProblemsAreImmutable() {
        InvalidGraphException e = catchThrowableOfType(graph()::compile, InvalidGraphException.class);

        assertThat(e.problems()).containsExactly("nothing follows START: add edge(START, \"<first node>\")");
        assertThatThrownBy(() -> e.problems().add("more")).isInstanceOf(UnsupportedOperationException.class);
    }

    /**
     * A router on START passes the compile checks (it gives START a successor), so it must also
     * give the compiled graph its entry nodes: otherwise a run would schedule nothing and end at
     * once. Either compile() rejects the router, or entryNodes() lists its targets.
     */
    @Test
    void routerOnStartIsEitherRejectedOrUsedForEntry() {
        StateGraph<S> g = graph()
                .node("a", noop())
                .route(START, s -> Route.to("a", "enter"), "a")
                .edge("a", END);

        InvalidGraphException e = catchThrowableOfType(g::compile, InvalidGraphException.class);
        if (e != null) {
            assertThat(e.problems()).anyMatch(p -> p.contains("START"));
        } else {
            assertThat(g.compile().entryNodes()).isNotEmpty();
        }
    }
}
