package io.threadline.examples.reference;

import io.threadline.checkpoint.Checkpoint;
import io.threadline.checkpoint.HistoryQuery;
import io.threadline.checkpoint.InMemoryCheckpointStore;
import io.threadline.checkpoint.Status;
import io.threadline.checkpoint.ThreadKey;
import io.threadline.effects.Effect;
import io.threadline.effects.EffectKind;
import io.threadline.effects.Effects;
import io.threadline.memory.Embeddings;
import io.threadline.memory.InMemoryMemoryStore;
import io.threadline.memory.MemorySettings;
import io.threadline.memory.MemoryStore;
import io.threadline.memory.WordEmbeddingModel;
import io.threadline.runtime.RunBudget;
import io.threadline.runtime.RunResult;
import io.threadline.runtime.ThreadRuntime;
import io.threadline.state.Update;
import org.junit.jupiter.api.Test;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The reference agent on the offline {@link LocalChatModel}: model → tool → model, turn after turn,
 * with every model and tool call recorded in the checkpoint of the step that made it.
 */
class ReferenceAgentTest {

    private final InMemoryCheckpointStore store = new InMemoryCheckpointStore();
    private final ThreadRuntime<AgentState> runtime = LocalDemo.runtime(store, null);
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
            assertThat(d.reason()).isEqualTo("the model asked for calculator(6 * 7)");
        });
        assertThat(first.state().toolOutputs()).containsEntry("calculator", "42");
        assertThat(last(first.state())).isEqualTo(Message.assistant("The answer to 'what is 6 * 7' is 42."));

        RunResult<AgentState> second = say("hello there");
        assertThat(second.steps()).extracting(s -> s.nodes().get(0)).containsExactly("process", "respond");
        assertThat(second.steps().get(0).decisions().get(0).reason()).isEqualTo("the model answered without a tool");
        assertThat(last(second.state()).content()).isEqualTo("I read 'hello there', but none of my tools applies; try 'what is 6 * 7'.");
        assertThat(second.state().toolCalls()).as("a turn's tool calls are not the next turn's").isEmpty();

        RunResult<AgentState> third = say("count the words in one two three");
        assertThat(third.state().toolOutputs()).containsEntry("word_count", "3").containsEntry("calculator", "42");
        // 3 turns: user + system (+ tool) + assistant each.
        assertThat(third.state().messages()).extracting(Message::role).containsExactly(
                "user", "system", "tool", "assistant",
                "user", "system", "assistant",
                "user", "system", "tool", "assistant");
        assertThat(third.state().messages().get(9).content()).isEqualTo("word_count(one two three) = 3");
        assertThat(third.state().lastDecision()).isEqualTo("answered with word_count");
        assertThat(third.state().retryCount()).isZero();

        List<Checkpoint> history = store.history(thread, HistoryQuery.first(50)).checkpoints();
        assertThat(history).extracting(Checkpoint::step).containsExactly(8L, 7L, 6L, 5L, 4L, 3L, 2L, 1L);
        assertThat(history).filteredOn(c -> c.status() == Status.DONE).extracting(Checkpoint::step).containsExactly(8L, 5L, 3L);
        // A cold runtime reading the same store sees the same conversation.
        assertThat(LocalDemo.runtime(store, null).state(thread).state()).isEqualTo(third.state());
    }

    @Test
    void anArithmeticTaskGoesModelToolModelAndEachCallIsRecordedWithItsStep() {
        RunResult<AgentState> run = say("what is 6 * 7");

        List<Effect> process = effects(run.steps().get(0));
        assertThat(process).singleElement().satisfies(e -> {
            assertThat(e.kind()).isEqualTo(EffectKind.MODEL);
            assertThat(e.node()).isEqualTo("process");
            assertThat(e.request().get("tools")).extracting(t -> t.asText()).containsExactly("calculator", "word_count");
            assertThat(e.request().at("/messages/0/role").asText()).isEqualTo("system");
            assertThat(e.request().at("/messages/1/text").asText()).isEqualTo("what is 6 * 7");
            assertThat(e.response().at("/toolCalls/0/name").asText()).isEqualTo("calculator");
            assertThat(e.response().at("/toolCalls/0/arguments").asText()).isEqualTo("{\"expression\":\"6 * 7\"}");
            assertThat(e.response().get("finishReason").asText()).isEqualTo("TOOL_EXECUTION");
            assertThat(e.response().get("model").asText()).isEqualTo(LocalChatModel.MODEL_NAME);
            assertThat(e.response().at("/tokens/output").asInt()).isEqualTo(3);
        });
        assertThat(effects(run.steps().get(1))).singleElement().satisfies(e -> {
            assertThat(e.kind()).isEqualTo(EffectKind.TOOL);
            assertThat(e.name()).isEqualTo("calculator");
            assertThat(e.request().get("arguments").asText()).isEqualTo("{\"expression\":\"6 * 7\"}");
            assertThat(e.response().asText()).isEqualTo("42");
        });
        assertThat(effects(run.steps().get(2))).singleElement().satisfies(e -> {
            assertThat(e.kind()).isEqualTo(EffectKind.MODEL);
            assertThat(e.node()).isEqualTo("respond");
            // The model sees its own call and the tool's result after the conversation process sent.
            assertThat(e.request().get("messages")).extracting(m -> m.get("role").asText()).containsExactly("system", "user", "ai", "tool");
            assertThat(e.request().at("/messages/3/text").asText()).isEqualTo("42");
            assertThat(e.request().at("/messages/3/id").asText()).isEqualTo("call_1");
            assertThat(e.response().get("text").asText()).isEqualTo("The answer to 'what is 6 * 7' is 42.");
            assertThat(e.response().get("finishReason").asText()).isEqualTo("STOP");
        });
        assertThat(run.state().toolCalls()).singleElement()
                .isEqualTo(new ToolCall("call_1", "calculator", "{\"expression\":\"6 * 7\"}", "42"));
    }

    @Test
    void aWordCountTaskUsesTheWordCounterAndTheAnswerReachesTheNextTurnsModel() {
        say("count the words in the quick brown fox");
        RunResult<AgentState> run = say("what is 1 + 1");

        assertThat(effects(run.steps().get(1))).singleElement().satisfies(e -> assertThat(e.name()).isEqualTo("calculator"));
        List<Effect> process = effects(run.steps().get(0));
        // The earlier turn's question and answer go to the model; the tool and system notes of the thread do not.
        assertThat(process.get(0).request().get("messages")).extracting(m -> m.get("role").asText() + ": " + m.get("text").asText())
                .containsExactly("system: " + ReferenceAgent.INSTRUCTIONS,
                        "user: count the words in the quick brown fox",
                        "ai: The answer to 'count the words in the quick brown fox' is 4.",
                        "user: what is 1 + 1");
    }

    @Test
    void twoToolsInOneTurnRunInOneExecuteStep() {
        RunResult<AgentState> run = say("what is 2 + 3 and count the words in a b c");

        assertThat(run.steps()).extracting(s -> s.nodes().get(0)).containsExactly("process", "execute", "respond");
        assertThat(effects(run.steps().get(1))).extracting(Effect::name).containsExactly("calculator", "word_count");
        assertThat(run.state().toolOutputs()).containsEntry("calculator", "5").containsEntry("word_count", "3");
        assertThat(last(run.state()).content())
                .isEqualTo("The answers to 'what is 2 + 3 and count the words in a b c' are 5 (calculator) and 3 (word_count).");
        assertThat(run.state().lastDecision()).isEqualTo("answered with calculator, word_count");
    }

    @Test
    void withMemoryItRecallsWhatItAnsweredInAnotherConversation() {
        MemoryStore memory = new InMemoryMemoryStore(
                new Embeddings(new WordEmbeddingModel()),
                MemorySettings.DEFAULT);
        ThreadRuntime<AgentState> withMemory = LocalDemo.runtime(store, memory);
        withMemory.run(thread, Update.of(AgentState.MESSAGES.append(Message.user("what is 6 * 7"))), RunBudget.steps(10));
        ThreadKey other = ThreadKey.of("acme", "conversation-2");
        RunResult<AgentState> later = withMemory.run(other, Update.of(AgentState.MESSAGES.append(Message.user("what is 6 * 7 again"))),
                RunBudget.steps(10));
        String remembered = "asked 'what is 6 * 7', answered: The answer to 'what is 6 * 7' is 42.";
        assertThat(later.state().messages().get(1).content()).contains("recalled: " + remembered);
        // The model is told what was recalled, in its system message.
        assertThat(effects(later.steps().get(0))).filteredOn(e -> e.kind() == EffectKind.MODEL).singleElement()
                .satisfies(e -> assertThat(e.request().at("/messages/0/text").asText())
                        .contains(ReferenceAgent.MEMORY_HEADING + "\n- " + remembered));
        // A task without a tool: the local model mentions the memory in its direct answer.
        RunResult<AgentState> plain = withMemory.run(other, Update.of(AgentState.MESSAGES.append(Message.user("what is 6 times seven"))),
                RunBudget.steps(10));
        assertThat(last(plain.state()).content()).startsWith("I read 'what is 6 times seven', but none of my tools applies")
                .contains("From earlier conversations I remember: asked 'what is 6 * 7");
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
        assertThat(last(run.state()).content()).isEqualTo("I could not work out 'what is 1 / 0': division by zero.");
        assertThat(run.steps()).extracting(Checkpoint::status).containsExactly(Status.RUNNING, Status.RUNNING, Status.DONE);
        assertThat(run.steps().get(1).metadata()).as("an error that is the tool's answer is not retried")
                .doesNotContainKey("attempts.execute");
    }

    @Test
    void aStepWithoutAUserMessageGreetsWithoutAskingTheModel() {
        RunResult<AgentState> run = runtime.run(thread, Update.none(), RunBudget.steps(10));
        assertThat(last(run.state()).content()).isEqualTo(ReferenceAgent.GREETING);
        assertThat(run.steps()).allSatisfy(s -> assertThat(effects(s)).isEmpty());
    }

    @Test
    void demoPrintsTheStepsHistoryAndGraph() {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        LocalDemo.run(List.of("what is 2 + 2", "bye"), new PrintStream(bytes, true, StandardCharsets.UTF_8));
        String out = bytes.toString(StandardCharsets.UTF_8);
        assertThat(out).contains("< The answer to 'what is 2 + 2' is 4.")
                .contains("because the model asked for calculator(2 + 2)")
                .contains("History of demo-tenant/demo-thread (newest first):")
                .contains("#5")
                .contains("flowchart TD")
                .contains("process -. TOOL .-> execute");
    }

    private List<Effect> effects(Checkpoint step) {
        return Effects.decode(store.get(step.thread(), step.id())
                .orElseThrow().effects());
    }

    private static Message last(AgentState state) {
        return state.messages().get(state.messages().size() - 1);
    }
}
