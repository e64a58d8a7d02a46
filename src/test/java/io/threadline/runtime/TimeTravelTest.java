package io.threadline.runtime;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.TextNode;
import io.threadline.ErrorCode;
import io.threadline.ThreadlineException;
import io.threadline.checkpoint.Checkpoint;
import io.threadline.examples.reference.LocalDemo;
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
import io.threadline.state.ValueChannel;
import jakarta.validation.constraints.Max;
import jakarta.validation.constraints.NotNull;
import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;

import static io.threadline.graph.StateGraph.END;
import static io.threadline.graph.StateGraph.START;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** Interrupt and resume, fork, rewind, update and history with diffs, on the in-memory store. */
class TimeTravelTest {

    public record Order(@NotNull List<String> log, String approval, @Max(100) int amount) {
        public static final ListChannel<Order, String> LOG = Channel.appending("log");
        public static final ValueChannel<Order, String> APPROVAL = Channel.overwriting("approval");
        public static final ValueChannel<Order, Integer> AMOUNT = Channel.overwriting("amount");
    }

    private final InMemoryCheckpointStore store = new InMemoryCheckpointStore();
    private final ThreadKey thread = ThreadKey.of("t1", "order-1");
    private final AtomicInteger charges = new AtomicInteger();

    /** prepare → approve (asks a human) → charge. */
    private CompiledGraph<Order> graph() {
        return StateGraph.of(Order.class)
                .node("prepare", (s, ctx) -> Update.of(Order.LOG.append("prepared " + s.amount())))
                .node("approve", (s, ctx) -> {
                    JsonNode answer = ctx.interrupt(Map.of("question", "charge " + s.amount() + "?"));
                    return Update.of(Order.APPROVAL.set(answer.asText()), Order.LOG.append("approval: " + answer.asText()));
                })
                .node("charge", (s, ctx) -> {
                    charges.incrementAndGet();
                    return Update.of(Order.LOG.append("charged " + s.amount()));
                })
                .chain(START, "prepare", "approve", "charge", END)
                .compile();
    }

    private ThreadRuntime<Order> runtime(CompiledGraph<Order> graph) {
        return ThreadRuntime.builder(graph).store(store).validator(LocalDemo.plainValidator()).build();
    }

    @Test
    void aNodeInterruptsAndALaterResumeDeliversTheValueExactlyThere() {
        ThreadRuntime<Order> rt = runtime(graph());
        RunResult<Order> first = rt.run(thread, Update.of(Order.AMOUNT.set(42)), RunBudget.steps(10));

        assertThat(first.stopReason()).isEqualTo(RunResult.StopReason.INTERRUPTED);
        Checkpoint waiting = first.steps().get(first.steps().size() - 1);
        assertThat(waiting.status()).isEqualTo(Status.INTERRUPTED);
        assertThat(waiting.interrupt().tree().get("node").asText()).isEqualTo("approve");
        assertThat(waiting.interrupt().tree().get("when").asText()).isEqualTo("INSIDE");
        assertThat(waiting.interrupt().tree().at("/payload/question").asText()).isEqualTo("charge 42?");
        assertThat(waiting.next()).containsExactly("approve");

        // Another invocation (a cold runtime on the same store) resumes it.
        ThreadRuntime<Order> later = runtime(graph());
        StepResult<Order> resumed = later.resume(thread, TextNode.valueOf("yes"), null);
        assertThat(resumed.checkpoint().nodes()).containsExactly("approve");
        assertThat(resumed.checkpoint().metadata()).containsEntry("resumed", waiting.id().value());
        assertThat(resumed.state().approval()).isEqualTo("yes");
        RunResult<Order> rest = later.run(thread, Update.none(), RunBudget.steps(10));
        assertThat(rest.stopReason()).isEqualTo(RunResult.StopReason.DONE);
        assertThat(rest.state().log()).containsExactly("prepared 42", "approval: yes", "charged 42");
        assertThat(charges.get()).isEqualTo(1);

        // The resumed step replays on its recorded resume value; the interrupted one reproduces its interrupt.
        assertThat(later.replay(thread, resumed.checkpoint().id()).verdict())
                .isEqualTo(ReplayReport.Verdict.SAME);
        assertThat(later.replay(thread, CheckpointId.parse(waiting.id().value())).verdict()).isEqualTo(ReplayReport.Verdict.SAME);
    }

    @Test
    void resumingAThreadThatIsNotInterruptedIsRefusedAndWritesNothing() {
        ThreadRuntime<Order> rt = runtime(graph());
        assertThatThrownBy(() -> rt.resume(thread, TextNode.valueOf("yes"), null))
                .isInstanceOfSatisfying(ThreadlineException.class, e -> assertThat(e.code()).isEqualTo(ErrorCode.INTERRUPTED));
        rt.step(thread, Update.of(Order.AMOUNT.set(5)), null);
        long steps = rt.history(thread, HistoryQuery.first(10)).checkpoints().size();

        assertThatThrownBy(() -> rt.resume(thread, TextNode.valueOf("yes"), null))
                .isInstanceOfSatisfying(ThreadlineException.class, e -> {
                    assertThat(e.code()).isEqualTo(ErrorCode.INTERRUPTED);
                    assertThat(e.getMessage()).contains("is not interrupted", "RUNNING");
                });
        assertThat(rt.history(thread, HistoryQuery.first(10)).checkpoints()).hasSize((int) steps);
    }

    @Test
    void stepping_anInterruptedThreadIsRefused() {
        ThreadRuntime<Order> rt = runtime(graph());
        rt.run(thread, Update.of(Order.AMOUNT.set(1)), RunBudget.steps(10));
        assertThatThrownBy(() -> rt.step(thread))
                .isInstanceOfSatisfying(ThreadlineException.class, e -> assertThat(e.code()).isEqualTo(ErrorCode.INTERRUPTED));
    }

    @Test
    void theGraphCanPauseBeforeAndAfterNamedNodes() {
        CompiledGraph<Order> paused = StateGraph.of(Order.class)
                .node("prepare", (s, ctx) -> Update.of(Order.LOG.append("prepared")))
                .node("charge", (s, ctx) -> Update.of(Order.LOG.append("charged with " + ctx.resumeValue().map(JsonNode::asText).orElse("-"))))
                .chain(START, "prepare", "charge", END)
                .interruptBefore("charge")
                .compile();
        ThreadRuntime<Order> rt = runtime(paused);

        RunResult<Order> first = rt.run(thread, Update.none(), RunBudget.steps(10));
        Checkpoint waiting = first.steps().get(first.steps().size() - 1);
        assertThat(waiting.interrupt().tree().get("when").asText()).isEqualTo("BEFORE");
        assertThat(first.state().log()).containsExactly("prepared");

        StepResult<Order> resumed = rt.resume(thread, TextNode.valueOf("ok"), null);
        assertThat(resumed.state().log()).containsExactly("prepared", "charged with ok");
        assertThat(resumed.checkpoint().status()).isEqualTo(Status.DONE);

        CompiledGraph<Order> after = StateGraph.of(Order.class)
                .node("prepare", (s, ctx) -> Update.of(Order.LOG.append("prepared")))
                .node("charge", (s, ctx) -> Update.of(Order.LOG.append("charged")))
                .chain(START, "prepare", "charge", END)
                .interruptAfter("prepare")
                .compile();
        ThreadKey other = ThreadKey.of("t1", "order-2");
        ThreadRuntime<Order> rt2 = runtime(after);
        StepResult<Order> prepared = rt2.step(other);
        assertThat(prepared.checkpoint().status()).isEqualTo(Status.INTERRUPTED);
        assertThat(prepared.state().log()).containsExactly("prepared");
        assertThat(rt2.resume(other, null, null).state().log()).containsExactly("prepared", "charged");
    }

    @Test
    void forkStartsANewThreadFromAnyCheckpointAndLeavesTheSourceAlone() {
        ThreadRuntime<Order> rt = runtime(graph());
        RunResult<Order> run = rt.run(thread, Update.of(Order.AMOUNT.set(7)), RunBudget.steps(10));
        String prepared = run.steps().get(0).id().value();
        ThreadKey fork = ThreadKey.of("t1", "order-1-fork");

        StepResult<Order> forked = rt.fork(thread, CheckpointId.parse(prepared), fork, "try another amount");

        assertThat(forked.checkpoint().step()).isEqualTo(1);
        assertThat(forked.checkpoint().metadata()).containsEntry("forkOf", "order-1@" + prepared).containsEntry("by", "external")
                .containsEntry("reason", "try another amount");
        assertThat(forked.state().log()).containsExactly("prepared 7");
        assertThat(forked.checkpoint().next()).containsExactly("approve");
        rt.update(fork, Update.of(Order.AMOUNT.set(8)), "lower it");
        assertThat(rt.run(fork, Update.none(), RunBudget.steps(5)).stopReason()).isEqualTo(RunResult.StopReason.INTERRUPTED);
        assertThat(rt.history(thread, HistoryQuery.first(10)).checkpoints()).hasSize(run.steps().size());
        assertThat(rt.state(thread).state().amount()).isEqualTo(7);

        assertThatThrownBy(() -> rt.fork(thread, CheckpointId.parse(prepared), fork, null))
                .isInstanceOfSatisfying(ThreadlineException.class, e -> assertThat(e.code()).isEqualTo(ErrorCode.CONFLICT));
        assertThatThrownBy(() -> rt.fork(thread, CheckpointId.parse(prepared), ThreadKey.of("t2", "x"), null))
                .isInstanceOfSatisfying(ThreadlineException.class, e -> assertThat(e.code()).isEqualTo(ErrorCode.INVALID_INPUT));
    }

    @Test
    void rewindAppendsACheckpointEqualToAnOlderOne() {
        ThreadRuntime<Order> rt = runtime(graph());
        RunResult<Order> run = rt.run(thread, Update.of(Order.AMOUNT.set(3)), RunBudget.steps(10));
        rt.resume(thread, TextNode.valueOf("no"), null);
        String first = run.steps().get(0).id().value();
        int before = rt.history(thread, HistoryQuery.first(50)).checkpoints().size();

        StepResult<Order> rewound = rt.rewind(thread, CheckpointId.parse(first), "approval was a mistake");

        assertThat(rt.history(thread, HistoryQuery.first(50)).checkpoints()).hasSize(before + 1);
        assertThat(rewound.state()).isEqualTo(rt.stateAt(thread, CheckpointId.parse(first)).state());
        assertThat(rewound.checkpoint().next()).containsExactly("approve");
        assertThat(rewound.checkpoint().metadata()).containsEntry("rewoundTo", first).containsEntry("op", "rewind");
        assertThat(runtime(graph()).state(thread).state()).as("a cold load agrees").isEqualTo(rewound.state());
        assertThat(rt.run(thread, Update.none(), RunBudget.steps(5)).stopReason()).isEqualTo(RunResult.StopReason.INTERRUPTED);
    }

    @Test
    void updateIsValidatedAttributedAndTheThreadGoesOnWhereItWas() {
        ThreadRuntime<Order> rt = runtime(graph());
        rt.run(thread, Update.of(Order.AMOUNT.set(50)), RunBudget.steps(10));
        int before = rt.history(thread, HistoryQuery.first(50)).checkpoints().size();

        assertThatThrownBy(() -> rt.update(thread, Update.of(Order.AMOUNT.set(500)), "too much"))
                .isInstanceOfSatisfying(ThreadlineException.class, e -> assertThat(e.code()).isEqualTo(ErrorCode.VALIDATION_FAILED));
        assertThat(rt.history(thread, HistoryQuery.first(50)).checkpoints()).hasSize(before);

        StepResult<Order> updated = rt.update(thread, Update.of(Order.AMOUNT.set(40)), "customer asked for less");
        assertThat(updated.checkpoint().status()).as("still waiting for the approval").isEqualTo(Status.INTERRUPTED);
        assertThat(updated.checkpoint().nodes()).isEmpty();
        assertThat(updated.checkpoint().metadata()).containsEntry("by", "external").containsEntry("reason", "customer asked for less");
        assertThatThrownBy(() -> rt.replay(thread, updated.checkpoint().id()))
                .isInstanceOfSatisfying(ThreadlineException.class, e -> assertThat(e.code()).isEqualTo(ErrorCode.INVALID_INPUT));
        rt.resume(thread, TextNode.valueOf("yes"), null);
        assertThat(rt.run(thread, Update.none(), RunBudget.steps(5)).state().log()).contains("charged 40");
    }

    @Test
    void historyShowsEachCheckpointsDiffAgainstItsParent() {
        ThreadRuntime<Order> rt = runtime(graph());
        rt.run(thread, Update.of(Order.AMOUNT.set(9)), RunBudget.steps(10));
        rt.resume(thread, TextNode.valueOf("yes"), null);
        var page = rt.history(thread, HistoryQuery.first(10));

        List<ThreadRuntime.Change> changes = rt.diffs(thread, page);

        ThreadRuntime.Change firstStep = changes.get(changes.size() - 1);
        assertThat(firstStep.checkpoint().isSnapshot()).isTrue();
        assertThat(firstStep.diff().toString()).contains("\"path\":\"/amount\"", "\"path\":\"/log/-\"", "prepared 9")
                .doesNotContain("\"path\":\"\"");
        ThreadRuntime.Change approval = changes.get(0);
        assertThat(approval.diff().toString()).contains("/approval", "approval: yes");
    }
}
