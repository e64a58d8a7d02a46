package io.threadline.runtime;

import io.threadline.checkpoint.PendingEffect;
import io.threadline.ErrorCode;
import io.threadline.ThreadlineException;
import io.threadline.checkpoint.CheckpointId;
import io.threadline.checkpoint.HistoryQuery;
import io.threadline.checkpoint.InMemoryCheckpointStore;
import io.threadline.checkpoint.Status;
import io.threadline.checkpoint.ThreadKey;
import io.threadline.graph.CompiledGraph;
import io.threadline.graph.StateGraph;
import io.threadline.state.Channel;
import io.threadline.state.ListChannel;
import io.threadline.state.Update;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.function.ThrowingConsumer;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Consumer;

import static io.threadline.graph.StateGraph.END;
import static io.threadline.graph.StateGraph.START;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * A thread belongs to the agent that created it: every checkpoint a named runtime writes names its agent,
 * and another agent's runtime on the same store refuses to read or step it ({@code AGENT_MISMATCH}),
 * writing nothing.
 */
class AgentBindingTest {

    public record Notes(List<String> lines) {
        public static final ListChannel<Notes, String> LINES = Channel.appending("lines");
    }

    private final InMemoryCheckpointStore store = new InMemoryCheckpointStore();
    private final ThreadKey thread = ThreadKey.of("acme", "bound");

    private static CompiledGraph<Notes> graph(String line) {
        return StateGraph.of(Notes.class)
                .node("write", (s, ctx) -> Update.of(Notes.LINES.append(line)))
                .chain(START, "write", END)
                .compile();
    }

    private ThreadRuntime<Notes> runtime(String agent) {
        ThreadRuntimeBuilder<Notes> builder = ThreadRuntime.builder(graph(agent == null ? "anyone" : agent)).store(store);
        return agent == null ? builder.build() : builder.agent(agent).build();
    }

    @Test
    void everyCheckpointANamedRuntimeWritesNamesItsAgent() {
        ThreadRuntime<Notes> alpha = runtime("alpha");
        StepResult<Notes> first = alpha.step(thread);
        CheckpointId firstId = first.checkpoint().id();
        alpha.update(thread, Update.of(Notes.LINES.append("edited")), "a fix");
        alpha.rewind(thread, firstId, "undo");
        alpha.fork(thread, firstId, ThreadKey.of("acme", "bound-fork"), "try again");

        assertThat(first.checkpoint().metadata().get("agent")).isEqualTo("alpha");
        assertThat(store.history(thread, new HistoryQuery(10, null)).checkpoints())
                .hasSize(3).allSatisfy(cp -> assertThat(cp.metadata()).containsEntry(ThreadRuntime.AGENT_KEY, "alpha"));
        assertThat(store.history(ThreadKey.of("acme", "bound-fork"), new HistoryQuery(10, null)).checkpoints())
                .singleElement().satisfies(cp -> assertThat(cp.metadata()).containsEntry(ThreadRuntime.AGENT_KEY, "alpha"));
    }

    @Test
    void anotherAgentCanNeitherReadNorStepTheThreadAndWritesNothing() {
        ThreadRuntime<Notes> alpha = runtime("alpha");
        StepResult<Notes> written = alpha.step(thread);
        CheckpointId id = written.checkpoint().id();
        ThreadRuntime<Notes> beta = runtime("beta");

        Map<String, ThrowingConsumer<ThreadRuntime<Notes>>> calls = new LinkedHashMap<>();
        calls.put("step", rt -> rt.step(thread, Update.of(Notes.LINES.append("intruder")), null));
        calls.put("run", rt -> rt.run(thread, Update.none(), new RunBudget(3, null)));
        calls.put("state", rt -> rt.state(thread));
        calls.put("stateAt", rt -> rt.stateAt(thread, id));
        calls.put("history", rt -> rt.history(thread, new HistoryQuery(10, null)));
        calls.put("replay", rt -> rt.replay(thread, id));
        calls.put("update", rt -> rt.update(thread, Update.of(Notes.LINES.append("intruder")), "why not"));
        calls.put("rewind", rt -> rt.rewind(thread, id, "why not"));
        calls.put("fork", rt -> rt.fork(thread, id, ThreadKey.of("acme", "stolen"), "why not"));
        calls.put("resume", rt -> rt.resume(thread, (Object) "yes", null));
        calls.put("export check", rt -> rt.checkBound(store.history(thread, new HistoryQuery(10, null)).checkpoints()));

        calls.forEach((name, call) -> assertThatThrownBy(() -> call.accept(beta)).as(name)
                .isInstanceOfSatisfying(ThreadlineException.class, e -> {
                    assertThat(e.code()).isEqualTo(ErrorCode.AGENT_MISMATCH);
                    assertThat(e.details()).containsEntry("agent", "alpha").containsEntry("requested", "beta");
                    assertThat(e.getMessage()).contains("belongs to agent 'alpha'");
                }));

        assertThat(store.head(thread).orElseThrow().checkpointId()).isEqualTo(id);
        assertThat(store.head(ThreadKey.of("acme", "stolen"))).isEmpty();
        assertThat(alpha.state(thread).state().lines()).containsExactly("alpha");
    }

    @Test
    void aThreadNoNamedAgentWroteIsBoundByTheFirstAgentThatWritesIt() {
        runtime(null).step(thread);                                  // written before agents were named
        ThreadRuntime<Notes> alpha = runtime("alpha");
        assertThat(runtime("beta").state(thread).checkpoint().metadata().get("agent")).as("unbound: anyone may read it").isNull();

        alpha.step(thread);

        assertThat(alpha.state(thread).state().lines()).containsExactly("anyone", "alpha");
        assertThatThrownBy(() -> runtime("beta").state(thread))
                .isInstanceOfSatisfying(ThreadlineException.class, e -> assertThat(e.code()).isEqualTo(ErrorCode.AGENT_MISMATCH));
        assertThat(runtime(null).state(thread).checkpoint().metadata().get("agent")).as("a runtime without a name reads any thread").isEqualTo("alpha");
    }

    @Test
    void aBadAgentNameIsRefusedWhenTheRuntimeIsBuilt() {
        for (String bad : new String[] {"", "Upper", "9starts-with-digit", "has space", "x".repeat(49), "under_score"}) {
            assertThatThrownBy(() -> ThreadRuntime.builder(graph("x")).agent(bad))
                    .as(bad).isInstanceOf(IllegalArgumentException.class).hasMessageContaining("lower-case letters");
        }
        assertThat(ThreadRuntime.builder(graph("x")).agent("support-2").build().agent()).contains("support-2");
    }

    // ---------------------------------------------------------------- typed interrupts

    /** What the node asks a human, and the answer it reads back, in its own types. */
    public record Question(String text, int amount) {}

    public record Decision(boolean approved, String by) {}

    public record Request(List<String> lines) {
        public static final ListChannel<Request, String> LINES = Channel.appending("lines");
    }

    private static CompiledGraph<Request> approvalGraph() {
        return StateGraph.of(Request.class)
                .node("approve", (s, ctx) -> {
                    Decision d = ctx.interrupt(new Question("refund?", 120), Decision.class);
                    return Update.of(Request.LINES.append((d.approved() ? "approved by " : "rejected by ") + d.by()));
                })
                .chain(START, "approve", END)
                .compile();
    }

    @Test
    void aNodeWaitsForAndReadsBackItsOwnAnswerType() {
        ThreadRuntime<Request> rt = ThreadRuntime.builder(approvalGraph()).agent("refunds").build();
        ThreadKey refund = ThreadKey.of("acme", "refund-1");
        StepResult<Request> waiting = rt.step(refund);
        assertThat(waiting.checkpoint().status()).isEqualTo(Status.INTERRUPTED);
        assertThat(waiting.checkpoint().interrupt().tree().path("payload").path("amount").asInt()).isEqualTo(120);

        StepResult<Request> done = rt.resume(refund, new Decision(true, "maria"), null);

        assertThat(done.checkpoint().status()).isEqualTo(Status.DONE);
        assertThat(done.state().lines()).containsExactly("approved by maria");
        assertThat(rt.replay(refund, done.checkpoint().id()).verdict())
                .as("the typed answer replays from its record").isEqualTo(ReplayReport.Verdict.SAME);
    }

    @Test
    void anAnswerThatDoesNotFitIsRefusedAndTheThreadStillWaits() {
        ThreadRuntime<Request> rt = ThreadRuntime.builder(approvalGraph()).store(store).agent("refunds").build();
        ThreadKey refund = ThreadKey.of("acme", "refund-2");
        StepResult<Request> waiting = rt.step(refund);

        Consumer<Object> refused = value -> assertThatThrownBy(() -> rt.resume(refund, value, null)).as(String.valueOf(value))
                .isInstanceOfSatisfying(ThreadlineException.class, e -> {
                    assertThat(e.code()).isEqualTo(ErrorCode.INVALID_INPUT);
                    assertThat(e.details()).containsEntry("field", "value").containsEntry("node", "approve");
                    assertThat(e.getMessage()).contains("Decision");
                });
        refused.accept("yes please");
        refused.accept(Map.of("approved", "maybe"));

        assertThat(store.head(refund).orElseThrow().checkpointId().value()).isEqualTo(waiting.checkpoint().id().value());
        assertThat(store.pendingEffects(refund, 2).stream().map(PendingEffect::json).toList()).isEmpty();
        assertThat(rt.resume(refund, Map.of("approved", false, "by", "li"), null).state().lines()).containsExactly("rejected by li");
    }
}
