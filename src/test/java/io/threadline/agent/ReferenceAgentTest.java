package io.threadline.agent;

import io.threadline.checkpoint.Checkpoint;
import io.threadline.checkpoint.HistoryQuery;
import io.threadline.checkpoint.InMemoryCheckpointStore;
import io.threadline.checkpoint.Status;
import io.threadline.checkpoint.ThreadKey;
import io.threadline.runtime.CheckpointSummary;
import io.threadline.runtime.RunBudget;
import io.threadline.runtime.RunResult;
import io.threadline.runtime.RuntimeOptions;
import io.threadline.runtime.ThreadRuntime;
import io.threadline.state.StateCodec;
import io.threadline.state.Update;
import org.junit.jupiter.api.Test;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

class ReferenceAgentTest {

    private final InMemoryCheckpointStore store = new InMemoryCheckpointStore();
    private final ThreadRuntime<AgentState> runtime = new ThreadRuntime<>(ReferenceAgent.graph(), store,
            LocalDemo.plainValidator(), new StateCodec(), RuntimeOptions.defaults());
    private final ThreadKey thread = ThreadKey.of("acme", "conversation-1");

    private RunResult<AgentState> say(String text) {
        return runtime.run(thread, Update.of(AgentState.MESSAGES.append(Message.user(text))), RunBudget.steps(10));
    }

    @Test
    void runsTurnAfterTurnOnOneThreadKeepingTheWholeConversation() {
        RunResult<AgentState> first = say("what is 6 * 7");
        assertThat(first.steps()).extracting(s -> s.nodes().get(0)).containsExactly("process", "execute", "respond");
        assertThat(first.steps().get(0).decisions()).singleElement().satisfies(d -> {
            assertThat(d.to()).containsExactly("execute");
            assertThat(d.reason()).contains("calculator");
        });
        assertThat(first.state().toolOutputs()).containsEntry("calculator", "42");
        assertThat(last(first.state())).isEqualTo(Message.assistant("The answer to 'what is 6 * 7' is 42."));

        RunResult<AgentState> second = say("hello there");
        assertThat(second.steps()).extracting(s -> s.nodes().get(0)).containsExactly("process", "respond");
        assertThat(second.steps().get(0).decisions().get(0).reason()).isEqualTo("no tool matches the task; answer directly");

        RunResult<AgentState> third = say("count the words in one two three");
        assertThat(third.state().toolOutputs()).containsEntry("word_count", "3").containsEntry("calculator", "42");
        // 3 turns: user + system (+ tool) + assistant each.
        assertThat(third.state().messages()).extracting(Message::role).containsExactly(
                "user", "system", "tool", "assistant",
                "user", "system", "assistant",
                "user", "system", "tool", "assistant");
        assertThat(third.state().lastDecision()).isEqualTo("answered with word_count");
        assertThat(third.state().retryCount()).isZero();

        List<Checkpoint> history = store.history(thread, HistoryQuery.first(50)).checkpoints();
        assertThat(history).extracting(Checkpoint::step).containsExactly(8L, 7L, 6L, 5L, 4L, 3L, 2L, 1L);
        assertThat(history).filteredOn(c -> c.status() == Status.DONE).extracting(Checkpoint::step).containsExactly(8L, 5L, 3L);
        // A cold runtime reading the same store sees the same conversation.
        ThreadRuntime<AgentState> cold = new ThreadRuntime<>(ReferenceAgent.graph(), store,
                LocalDemo.plainValidator(), new StateCodec(), RuntimeOptions.defaults());
        assertThat(cold.state(thread).state()).isEqualTo(third.state());
    }

    @Test
    void withMemoryItRecallsWhatItAnsweredInAnotherConversation() {
        io.threadline.memory.MemoryStore memory = new io.threadline.memory.InMemoryMemoryStore(
                new io.threadline.memory.Embeddings(new io.threadline.memory.WordEmbeddingModel()),
                io.threadline.memory.MemorySettings.DEFAULT);
        ThreadRuntime<AgentState> withMemory = new ThreadRuntime<>(ReferenceAgent.graph(), store, LocalDemo.plainValidator(),
                new StateCodec(), RuntimeOptions.defaults(), memory);
        withMemory.run(thread, Update.of(AgentState.MESSAGES.append(Message.user("what is 6 * 7"))), RunBudget.steps(10));
        ThreadKey other = ThreadKey.of("acme", "conversation-2");
        RunResult<AgentState> later = withMemory.run(other, Update.of(AgentState.MESSAGES.append(Message.user("what is 6 * 7 again"))),
                RunBudget.steps(10));
        assertThat(later.state().messages().get(1).content())
                .contains("recalled: asked 'what is 6 * 7', answered: The answer to 'what is 6 * 7' is 42.");
        // Another tenant recalls nothing of acme's.
        RunResult<AgentState> globex = withMemory.run(ThreadKey.of("globex", "c"),
                Update.of(AgentState.MESSAGES.append(Message.user("what is 6 * 7"))), RunBudget.steps(10));
        assertThat(globex.state().messages().get(1).content()).doesNotContain("recalled");
    }

    @Test
    void aBrokenToolAnswersWithItsErrorInsteadOfFailingTheThread() {
        RunResult<AgentState> run = say("what is 1 / 0");
        assertThat(run.stopReason()).isEqualTo(RunResult.StopReason.DONE);
        assertThat(run.state().toolOutputs()).containsEntry("calculator", "error: division by zero");
        assertThat(run.steps()).extracting(CheckpointSummary::status).containsExactly(Status.RUNNING, Status.RUNNING, Status.DONE);
    }

    @Test
    void demoPrintsTheStepsHistoryAndGraph() {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        LocalDemo.run(List.of("what is 2 + 2", "bye"), new PrintStream(bytes, true, StandardCharsets.UTF_8));
        String out = bytes.toString(StandardCharsets.UTF_8);
        assertThat(out).contains("< The answer to 'what is 2 + 2' is 4.")
                .contains("History of demo-tenant/demo-thread (newest first):")
                .contains("#5")
                .contains("flowchart TD")
                .contains("process -. TOOL .-> execute");
    }

    private static Message last(AgentState state) {
        return state.messages().get(state.messages().size() - 1);
    }
}
