package io.threadline.graph;

import io.threadline.graph.internal.GraphSteps;
import io.threadline.graph.internal.StepFailedException;
import io.threadline.graph.internal.StepOutcome;
import io.threadline.ErrorCode;
import io.threadline.ThreadlineException;
import io.threadline.state.AppliedChange;
import io.threadline.state.Channel;
import io.threadline.state.FieldUpdate;
import io.threadline.state.ListChannel;
import io.threadline.state.MapChannel;
import io.threadline.state.Update;
import io.threadline.state.ValueChannel;
import org.junit.jupiter.api.Test;

import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;

import static io.threadline.graph.StateGraph.END;
import static io.threadline.graph.StateGraph.START;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

class CompiledGraphExecuteTest {

    public record S(List<String> log, String status, Map<String, String> notes, int count) {
        public static final ListChannel<S, String> LOG = Channel.appending("log");
        public static final ValueChannel<S, String> STATUS = Channel.overwriting("status");
        public static final MapChannel<S, String> NOTES = Channel.merging("notes");
    }

    enum Next { MORE, DONE }

    /** Fixed tenant, thread, step and clock; ids from a counter. */
    static final class FixedContext implements StepContext {
        static final Instant NOW = Instant.parse("2024-01-02T03:04:05Z");
        private int ids;

        @Override
        public String tenant() {
            return "tenant-1";
        }

        @Override
        public String threadId() {
            return "thread-1";
        }

        @Override
        public long step() {
            return 7;
        }

        @Override
        public Instant now() {
            return NOW;
        }

        @Override
        public String newId() {
            return "id-" + (++ids);
        }
    }

    private final FixedContext ctx = new FixedContext();

    private static S state(String... log) {
        return new S(List.of(log), null, Map.of(), 0);
    }

    private static FieldUpdate<S> log(String item) {
        return S.LOG.append(item);
    }

    private static Node<S> append(String item) {
        return (s, c) -> Update.of(log(item));
    }

    private static Node<S> setStatus(String value) {
        return (s, c) -> Update.of(S.STATUS.set(value));
    }

    private static Node<S> noop() {
        return (s, c) -> Update.none();
    }

    // ---------------------------------------------------------------- single node

    @Test
    void oneNodeStepAppliesItsUpdateAndFinishes() {
        CompiledGraph<S> graph = StateGraph.of(S.class)
                .node("a", (s, c) -> Update.of(log("a at step " + c.step() + " " + c.now() + " " + c.newId()),
                        S.STATUS.set("ok")))
                .chain(START, "a", END)
                .compile();

        StepOutcome<S> out = GraphSteps.execute(graph, state("seed"), graph.entryNodes(), ctx);

        assertThat(out.ran()).containsExactly("a");
        assertThat(out.applied().state().log()).containsExactly("seed", "a at step 7 2024-01-02T03:04:05Z id-1");
        assertThat(out.applied().state().status()).isEqualTo("ok");
        assertThat(out.applied().changedFields()).containsExactly("log", "status");
        assertThat(out.applied().changes()).first().isEqualTo(
                new AppliedChange.Appended("log", 1, List.of("a at step 7 2024-01-02T03:04:05Z id-1")));
        assertThat(out.decisions()).isEmpty();
        assertThat(out.next()).isEmpty();
    }

    @Test
    void inputStateIsNotModified() {
        CompiledGraph<S> graph = StateGraph.of(S.class)
                .node("a", (s, c) -> Update.of(log("x"), S.STATUS.set("changed"),
                        S.NOTES.put("k", "v"), S.NOTES.remove("old")))
                .chain(START, "a", END)
                .compile();
        List<String> log = new ArrayList<>(List.of("seed"));
        Map<String, String> notes = new LinkedHashMap<>(Map.of("old", "1"));
        S input = new S(log, "initial", notes, 3);
        S copy = new S(new ArrayList<>(log), "initial", new LinkedHashMap<>(notes), 3);

        StepOutcome<S> out = GraphSteps.execute(graph, input, List.of("a"), ctx);

        assertThat(input).isEqualTo(copy);
        assertThat(log).containsExactly("seed");
        assertThat(notes).containsExactly(Map.entry("old", "1"));
        assertThat(out.applied().state()).isNotSameAs(input)
                .isEqualTo(new S(List.of("seed", "x"), "changed", Map.of("k", "v"), 3));
    }

    @Test
    void nodeReturningNoChangesLeavesTheSameState() {
        CompiledGraph<S> graph = StateGraph.of(S.class)
                .node("a", noop())
                .chain(START, "a", END)
                .compile();
        S input = state("seed");

        StepOutcome<S> out = GraphSteps.execute(graph, input, List.of("a"), ctx);

        assertThat(out.applied().state()).isSameAs(input);
        assertThat(out.applied().isEmpty()).isTrue();
    }

    @Test
    void nodeReceivesTheStepContext() {
        List<String> seen = new ArrayList<>();
        CompiledGraph<S> graph = StateGraph.of(S.class)
                .node("a", (s, c) -> {
                    seen.add(c.tenant() + "/" + c.threadId() + "/" + c.step() + "/" + c.newId() + "/" + c.newId());
                    return Update.none();
                })
                .chain(START, "a", END)
                .compile();

        GraphSteps.execute(graph, state(), List.of("a"), ctx);

        assertThat(seen).containsExactly("tenant-1/thread-1/7/id-1/id-2");
    }

    // ---------------------------------------------------------------- fan-out and merge

    @Test
    void fanOutRunsBothNodesOnTheSameInputAndMergesInDeclarationOrder() {
        List<S> seen = new CopyOnWriteArrayList<>();
        CompiledGraph<S> graph = StateGraph.of(S.class)
                .node("a", (s, c) -> {
                    seen.add(s);
                    return Update.of(log("a saw " + s.log()));
                })
                .node("b", (s, c) -> {
                    seen.add(s);
                    return Update.of(log("b saw " + s.log()));
                })
                .edge(START, "b") // edges declared b first ...
                .edge(START, "a")
                .edge("b", END)
                .edge("a", END)
                .compile();
        S input = state("seed");

        assertThat(graph.entryNodes()).containsExactly("a", "b"); // ... entry follows node order

        StepOutcome<S> out = GraphSteps.execute(graph, input, List.of("b", "a"), ctx);

        assertThat(out.ran()).containsExactly("a", "b");
        assertThat(seen).hasSize(2).allSatisfy(s -> assertThat(s).isSameAs(input));
        assertThat(out.applied().state().log()).containsExactly("seed", "a saw [seed]", "b saw [seed]");
        assertThat(out.next()).isEmpty();
    }

    @Test
    void routerFanOutSchedulesAllTargetsAndTheyMergeInDeclarationOrder() {
        CompiledGraph<S> graph = StateGraph.of(S.class)
                .node("split", append("split"))
                .node("left", append("left"))
                .node("right", append("right"))
                .edge(START, "split")
                .route("split", s -> Route.toAll(List.of("right", "left"), "both halves"), "left", "right")
                .edge("left", END)
                .edge("right", END)
                .compile();

        StepOutcome<S> first = GraphSteps.execute(graph, state(), graph.entryNodes(), ctx);

        assertThat(first.decisions()).containsExactly(new RouteDecision("split", List.of("right", "left"), "both halves"));
        assertThat(first.next()).containsExactly("left", "right");

        StepOutcome<S> second = GraphSteps.execute(graph, first.applied().state(), first.next(), ctx);

        assertThat(second.ran()).containsExactly("left", "right");
        assertThat(second.applied().state().log()).containsExactly("split", "left", "right");
        assertThat(second.next()).isEmpty();
    }

    @Test
    void mapPutsFromParallelNodesMergeInDeclarationOrder() {
        CompiledGraph<S> graph = StateGraph.of(S.class)
                .node("a", (s, c) -> Update.of(S.NOTES.put("shared", "from a"), S.NOTES.put("a", "1")))
                .node("b", (s, c) -> Update.of(S.NOTES.put("shared", "from b"), S.NOTES.put("b", "2")))
                .edge(START, "b")
                .edge(START, "a")
                .edge("a", END)
                .edge("b", END)
                .compile();

        StepOutcome<S> out = GraphSteps.execute(graph, state(), List.of("b", "a"), ctx);

        assertThat(out.applied().state().notes())
                .containsExactly(Map.entry("shared", "from b"), Map.entry("a", "1"), Map.entry("b", "2"));
    }

    @Test
    void twoNodesOverwritingTheSameFieldInOneStepFail() {
        CompiledGraph<S> graph = StateGraph.of(S.class)
                .node("a", setStatus("from a"))
                .node("b", setStatus("from b"))
                .edge(START, "a")
                .edge(START, "b")
                .edge("a", END)
                .edge("b", END)
                .compile();

        ThreadlineException e = catchThrowableOfType(() -> GraphSteps.execute(graph, state(), List.of("a", "b"), ctx),
                ThreadlineException.class);

        assertThat(e.code()).isEqualTo(ErrorCode.VALIDATION_FAILED);
        assertThat(e.getMessage()).contains("nodes 'a' and 'b' both overwrite 'status' in one step");
        assertThat(e.details()).containsEntry("violations",
                List.of(Map.of("path", "status", "message", "overwritten by two nodes in one step")));
    }

    @Test
    void twoNodesReplacingTheSameListInOneStepFail() {
        CompiledGraph<S> graph = StateGraph.of(S.class)
                .node("a", (s, c) -> Update.of(S.LOG.replace(List.of("a"))))
                .node("b", (s, c) -> Update.of(S.LOG.replace(List.of("b"))))
                .edge(START, "a")
                .edge(START, "b")
                .edge("a", END)
                .edge("b", END)
                .compile();

        assertThatThrownBy(() -> GraphSteps.execute(graph, state(), List.of("a", "b"), ctx))
                .isInstanceOfSatisfying(ThreadlineException.class,
                        e -> assertThat(e.code()).isEqualTo(ErrorCode.VALIDATION_FAILED))
                .hasMessageContaining("nodes 'a' and 'b' both overwrite 'log'");
    }

    @Test
    void oneNodeSettingAFieldTwiceKeepsTheLastValue() {
        CompiledGraph<S> graph = StateGraph.of(S.class)
                .node("a", (s, c) -> Update.of(S.STATUS.set("first"), S.STATUS.set("second")))
                .node("b", append("b"))
                .edge(START, "a")
                .edge(START, "b")
                .edge("a", END)
                .edge("b", END)
                .compile();

        StepOutcome<S> out = GraphSteps.execute(graph, state(), List.of("a", "b"), ctx);

        assertThat(out.applied().state().status()).isEqualTo("second");
        assertThat(out.applied().state().log()).containsExactly("b");
    }

    @Test
    void nextIsTheUnionOfSuccessorsInDeclarationOrderWithoutEnd() {
        CompiledGraph<S> graph = StateGraph.of(S.class)
                .node("a", noop())
                .node("b", noop())
                .node("c", noop())
                .node("d", noop())
                .edge(START, "a")
                .edge(START, "b")
                .edge("a", "d")
                .edge("a", "c")
                .edge("b", END)
                .edge("b", "c")
                .edge("c", END)
                .edge("d", END)
                .compile();

        StepOutcome<S> out = GraphSteps.execute(graph, state(), List.of("a", "b"), ctx);

        assertThat(out.next()).containsExactly("c", "d");
        assertThat(GraphSteps.execute(graph, state(), List.of("c", "d"), ctx).next()).isEmpty();
    }

    @Test
    void scheduledNodeNotInGraphIsInternalError() {
        CompiledGraph<S> graph = StateGraph.of(S.class)
                .node("a", noop())
                .chain(START, "a", END)
                .compile();

        assertThatThrownBy(() -> GraphSteps.execute(graph, state(), List.of("a", "ghost"), ctx))
                .isInstanceOfSatisfying(ThreadlineException.class, e -> assertThat(e.code()).isEqualTo(ErrorCode.INTERNAL))
                .hasMessageContaining("[a, ghost]")
                .hasMessageContaining("are not all in the graph [a]");
    }

    // ---------------------------------------------------------------- routing

    @Test
    void routerDecidesOnTheMergedStateAndTheDecisionIsRecorded() {
        List<List<String>> routerSaw = new ArrayList<>();
        CompiledGraph<S> graph = StateGraph.of(S.class)
                .node("a", append("a"))
                .node("b", append("b"))
                .node("c", noop())
                .edge(START, "a")
                .edge(START, "b")
                .route("a", s -> {
                    routerSaw.add(s.log());
                    return s.log().size() >= 2 ? Route.to("c", "both wrote") : Route.end("only one wrote");
                }, "c", END)
                .edge("b", END)
                .edge("c", END)
                .compile();

        StepOutcome<S> out = GraphSteps.execute(graph, state(), List.of("a", "b"), ctx);

        assertThat(routerSaw).containsExactly(List.of("a", "b"));
        assertThat(out.decisions()).containsExactly(new RouteDecision("a", List.of("c"), "both wrote"));
        assertThat(out.next()).containsExactly("c");
    }

    @Test
    void enumRouteRecordsTheMappedNodeNames() {
        CompiledGraph<S> graph = StateGraph.of(S.class)
                .node("work", append("work"))
                .node("finish", noop())
                .edge(START, "work")
                .route("work", Next.class,
                        s -> s.log().size() < 2 ? Route.to(Next.MORE, "only " + s.log().size() + " item(s)")
                                : Route.to(Next.DONE, "enough"),
                        Map.of(Next.MORE, "work", Next.DONE, "finish"))
                .edge("finish", END)
                .compile();

        StepOutcome<S> first = GraphSteps.execute(graph, state(), List.of("work"), ctx);
        assertThat(first.decisions()).containsExactly(new RouteDecision("work", List.of("work"), "only 1 item(s)"));
        assertThat(first.next()).containsExactly("work");

        StepOutcome<S> second = GraphSteps.execute(graph, first.applied().state(), first.next(), ctx);
        assertThat(second.decisions()).containsExactly(new RouteDecision("work", List.of("finish"), "enough"));
        assertThat(second.next()).containsExactly("finish");
    }

    @Test
    void enumRouteMayMapALabelToEnd() {
        CompiledGraph<S> graph = StateGraph.of(S.class)
                .node("work", noop())
                .edge(START, "work")
                .route("work", Next.class, s -> Route.to(Next.DONE, "nothing left"),
                        Map.of(Next.MORE, "work", Next.DONE, END))
                .compile();

        StepOutcome<S> out = GraphSteps.execute(graph, state(), List.of("work"), ctx);

        assertThat(out.decisions()).containsExactly(new RouteDecision("work", List.of(END), "nothing left"));
        assertThat(out.next()).isEmpty();
    }

    @Test
    void routerChoosingAnUndeclaredNodeFailsTheStepNamingNodeAndTarget() {
        CompiledGraph<S> graph = StateGraph.of(S.class)
                .node("a", noop())
                .node("b", noop())
                .node("c", noop())
                .edge(START, "a")
                .route("a", s -> Route.to("c", "c looked nice"), "b", END)
                .edge("b", "c")
                .edge("c", END)
                .compile();

        StepFailedException e = catchThrowableOfType(() -> GraphSteps.execute(graph, state(), List.of("a"), ctx),
                StepFailedException.class);

        assertThat(e.node()).isEqualTo("a:router");
        assertThat(e.getCause()).hasMessageContaining("router after 'a' chose 'c', which its route does not declare [b, __end__]");
    }

    @Test
    void enumRouterAnsweringWithANodeNameInsteadOfALabelFailsTheStep() {
        CompiledGraph<S> graph = StateGraph.of(S.class)
                .node("work", noop())
                .edge(START, "work")
                .route("work", Next.class, s -> Route.to("work", "by name"), Map.of(Next.MORE, "work", Next.DONE, END))
                .compile();

        assertThatThrownBy(() -> GraphSteps.execute(graph, state(), List.of("work"), ctx))
                .isInstanceOfSatisfying(StepFailedException.class, e -> assertThat(e.node()).isEqualTo("work:router"))
                .hasMessageContaining("router after 'work' chose 'work'");
    }

    @Test
    void routeEndIsAllowedWhenEndIsDeclared() {
        CompiledGraph<S> graph = StateGraph.of(S.class)
                .node("a", noop())
                .node("b", noop())
                .edge(START, "a")
                .route("a", s -> Route.end("all done"), "b", END)
                .edge("b", END)
                .compile();

        StepOutcome<S> out = GraphSteps.execute(graph, state(), List.of("a"), ctx);

        assertThat(out.decisions()).containsExactly(new RouteDecision("a", List.of(END), "all done"));
        assertThat(out.next()).isEmpty();
    }

    @Test
    void routeEndIsRejectedWhenEndIsNotDeclared() {
        CompiledGraph<S> graph = StateGraph.of(S.class)
                .node("a", noop())
                .node("b", noop())
                .edge(START, "a")
                .route("a", s -> Route.end("all done"), "b")
                .edge("b", END)
                .compile();

        StepFailedException e = catchThrowableOfType(() -> GraphSteps.execute(graph, state(), List.of("a"), ctx),
                StepFailedException.class);

        assertThat(e.node()).isEqualTo("a:router");
        assertThat(e.getCause()).hasMessageContaining("router after 'a' chose '__end__', which its route does not declare [b]");
    }

    @Test
    void routerThrowingFailsTheStepKeepingTheCause() {
        IllegalStateException boom = new IllegalStateException("router boom");
        CompiledGraph<S> graph = StateGraph.of(S.class)
                .node("a", noop())
                .edge(START, "a")
                .route("a", s -> {
                    throw boom;
                }, END)
                .compile();

        StepFailedException e = catchThrowableOfType(() -> GraphSteps.execute(graph, state(), List.of("a"), ctx),
                StepFailedException.class);

        assertThat(e.node()).isEqualTo("a:router");
        assertThat(e.getMessage()).contains("node 'a:router' failed").contains("router boom");
        assertThat(e.getCause()).isSameAs(boom);
    }

    @Test
    void routerReturningNullFailsTheStep() {
        CompiledGraph<S> graph = StateGraph.of(S.class)
                .node("a", noop())
                .edge(START, "a")
                .route("a", s -> null, END)
                .compile();

        assertThatThrownBy(() -> GraphSteps.execute(graph, state(), List.of("a"), ctx))
                .isInstanceOfSatisfying(StepFailedException.class, e -> assertThat(e.node()).isEqualTo("a:router"))
                .hasMessageContaining("router after 'a' returned no route");
    }

    // ---------------------------------------------------------------- node failures

    @Test
    void nodeThrowingFailsTheStepNamingTheNodeAndKeepingTheCause() {
        IllegalArgumentException boom = new IllegalArgumentException("node boom");
        CompiledGraph<S> graph = StateGraph.of(S.class)
                .node("fragile", (s, c) -> {
                    throw boom;
                })
                .chain(START, "fragile", END)
                .compile();

        StepFailedException e = catchThrowableOfType(() -> GraphSteps.execute(graph, state(), List.of("fragile"), ctx),
                StepFailedException.class);

        assertThat(e.node()).isEqualTo("fragile");
        assertThat(e.attempts()).isEqualTo(1);
        assertThat(e.getMessage()).contains("node 'fragile' failed").contains("node boom");
        assertThat(e.getCause()).isSameAs(boom);
    }

    @Test
    void nodeThrowingThreadlineExceptionPropagatesUnchanged() {
        ThreadlineException own = new ThreadlineException(ErrorCode.DEPENDENCY_UNAVAILABLE, "model down");
        CompiledGraph<S> graph = StateGraph.of(S.class)
                .node("a", (s, c) -> {
                    throw own;
                })
                .chain(START, "a", END)
                .compile();

        assertThatThrownBy(() -> GraphSteps.execute(graph, state(), List.of("a"), ctx)).isSameAs(own);
    }

    @Test
    void nodeReturningNullFailsTheStep() {
        CompiledGraph<S> graph = StateGraph.of(S.class)
                .node("lazy", (s, c) -> null)
                .chain(START, "lazy", END)
                .compile();

        StepFailedException e = catchThrowableOfType(() -> GraphSteps.execute(graph, state(), List.of("lazy"), ctx),
                StepFailedException.class);

        assertThat(e.node()).isEqualTo("lazy");
        assertThat(e.getMessage()).contains("node 'lazy' returned null").contains("Update.none()");
    }

    // ---------------------------------------------------------------- Route

    @Test
    void routeRequiresANonBlankReason() {
        assertThatThrownBy(() -> Route.to("a", null)).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("needs a reason");
        assertThatThrownBy(() -> Route.to("a", "")).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("needs a reason");
        assertThatThrownBy(() -> Route.to("a", "  \t")).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("needs a reason");
        assertThatThrownBy(() -> Route.end(" ")).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("needs a reason");
        assertThatThrownBy(() -> Route.to(Next.DONE, "")).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("needs a reason");
    }

    @Test
    void routeRequiresAtLeastOneTarget() {
        assertThatThrownBy(() -> Route.toAll(List.of(), "nowhere")).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("at least one target");
    }

    @Test
    void routeTargetsMustBeNamesOrEnumLabels() {
        assertThatThrownBy(() -> Route.toAll(List.of("a", 42), "mixed")).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("got 42");
    }

    @Test
    void routeFactoriesBuildTheExpectedTargets() {
        assertThat(Route.to("a", "r").targets()).containsExactly("a");
        assertThat(Route.to(Next.MORE, "r").targets()).containsExactly(Next.MORE);
        assertThat(Route.toAll(List.of("b", "a"), "r").targets()).containsExactly("b", "a");
        assertThat(Route.end("r")).isEqualTo(new Route(List.of(END), "r"));
    }
}
