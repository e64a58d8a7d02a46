package io.threadline.examples.reference;

import io.threadline.checkpoint.PendingEffect;
import dev.langchain4j.agent.tool.P;
import dev.langchain4j.agent.tool.Tool;
import io.threadline.checkpoint.Checkpoint;
import io.threadline.checkpoint.CheckpointId;
import io.threadline.checkpoint.HistoryQuery;
import io.threadline.checkpoint.InMemoryCheckpointStore;
import io.threadline.checkpoint.Status;
import io.threadline.checkpoint.ThreadKey;
import io.threadline.effects.Effect;
import io.threadline.effects.Effects;
import io.threadline.effects.ToolBox;
import io.threadline.graph.CompiledGraph;
import io.threadline.memory.Embeddings;
import io.threadline.memory.InMemoryMemoryStore;
import io.threadline.memory.MemorySettings;
import io.threadline.memory.MemoryStore;
import io.threadline.memory.WordEmbeddingModel;
import io.threadline.runtime.ReplayReport;
import io.threadline.runtime.RunBudget;
import io.threadline.runtime.RunResult;
import io.threadline.runtime.ThreadRuntime;
import io.threadline.state.Update;
import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.Locale;
import java.util.concurrent.atomic.AtomicInteger;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * A recorded conversation of the reference agent replays on its recorded model replies and tool
 * results: unchanged code is SAME at every checkpoint, a changed {@code respond} is DIFFERENT in
 * {@code messages}. And {@code execute} retries a tool that is temporarily unavailable without
 * calling again the tools that already answered (durability SYNC).
 */
class ReferenceAgentReplayTest {

    private final InMemoryCheckpointStore store = new InMemoryCheckpointStore();
    private final ThreadKey thread = ThreadKey.of("acme", "replayed");

    private static Update<AgentState> user(String text) {
        return Update.of(AgentState.MESSAGES.append(Message.user(text)));
    }

    private ThreadRuntime<AgentState> runtime(CompiledGraph<AgentState> graph, MemoryStore memory, ToolBox tools) {
        return ThreadRuntime.builder(graph)
                .store(store)
                .validator(LocalDemo.plainValidator())
                .memory(memory)
                .chatModel(new LocalChatModel())
                .tools(tools)
                .build();
    }

    @Test
    void everyCheckpointOfARecordedConversationReplaysTheSame() {
        MemoryStore memory = new InMemoryMemoryStore(new Embeddings(new WordEmbeddingModel()), MemorySettings.DEFAULT);
        ThreadRuntime<AgentState> live = LocalDemo.runtime(store, memory);
        for (String text : List.of("what is 6 * 7", "hello there", "count the words in one two three", "what is 1 / 0",
                "what is 6 * 7 again")) {
            live.run(thread, user(text), RunBudget.steps(10));
        }
        List<Checkpoint> history = store.history(thread, HistoryQuery.first(100)).checkpoints();
        assertThat(history).hasSize(14);

        // A fresh runtime, as on a developer's laptop: no memory service, another model instance.
        ThreadRuntime<AgentState> laptop = runtime(ReferenceAgent.graph(), null, ReferenceAgent.tools());
        for (Checkpoint cp : history) {
            ReplayReport report = laptop.replay(thread, cp.id());
            assertThat(report.verdict()).as("step %d (%s): %s", cp.step(), cp.nodes(), report.summary()).isEqualTo(ReplayReport.Verdict.SAME);
            assertThat(report.effectsServed()).isEqualTo(report.effectsRecorded());
        }
    }

    @Test
    void aChangedRespondReplaysDifferentInTheMessages() {
        LocalDemo.runtime(store, null).run(thread, user("what is 6 * 7"), RunBudget.steps(10));
        CompiledGraph<AgentState> shouting = ReferenceAgent.graph((state, ctx) -> {
            String answer = ctx.chat(ReferenceAgent.answerRequest(state, ctx)).aiMessage().text().toUpperCase(Locale.ROOT);
            return Update.of(AgentState.MESSAGES.append(Message.assistant(answer)), AgentState.LAST_DECISION.set("answered with calculator"));
        });
        ThreadRuntime<AgentState> changed = runtime(shouting, null, ReferenceAgent.tools());

        ReplayReport report = changed.replay(thread, changed.state(thread).checkpoint().id());

        assertThat(report.verdict()).isEqualTo(ReplayReport.Verdict.DIFFERENT);
        assertThat(report.fields()).singleElement().satisfies(f -> {
            assertThat(f.field()).isEqualTo("messages");
            assertThat(f.recorded().toString()).contains("The answer to 'what is 6 * 7' is 42.");
            assertThat(f.replayed().toString()).contains("THE ANSWER TO 'WHAT IS 6 * 7' IS 42.");
        });
        assertThat(report.summary()).contains("field 'messages'");
    }

    /** The agent's tools, with a word counter whose service is down for the first {@code outages} calls. */
    public static final class FlakyTools {
        final AtomicInteger calculatorCalls = new AtomicInteger();
        final AtomicInteger wordCountCalls = new AtomicInteger();
        final AtomicInteger outages;

        FlakyTools(int outages) {
            this.outages = new AtomicInteger(outages);
        }

        @Tool("Evaluates one binary arithmetic operation")
        public String calculator(@P(name = "expression", value = "e.g. 6 * 7") String expression) {
            calculatorCalls.incrementAndGet();
            return new AgentTools().calculator(expression);
        }

        @Tool(name = "word_count", value = "Counts the words of a text")
        public int wordCount(@P(name = "text", value = "the text") String text) {
            wordCountCalls.incrementAndGet();
            if (outages.getAndDecrement() > 0) {
                throw new ToolUnavailableException("word service timed out");
            }
            return new AgentTools().wordCount(text);
        }
    }

    @Test
    void aTemporarilyUnavailableToolIsRetriedAndTheToolsThatAnsweredAreNotCalledAgain() {
        FlakyTools tools = new FlakyTools(1);
        ThreadRuntime<AgentState> rt = runtime(ReferenceAgent.graph(), null, ToolBox.of(tools));

        RunResult<AgentState> run = rt.run(thread, user("what is 2 + 3 and count the words in a b c"), RunBudget.steps(10));

        assertThat(run.stopReason()).isEqualTo(RunResult.StopReason.DONE);
        assertThat(run.state().toolOutputs()).containsEntry("calculator", "5").containsEntry("word_count", "3");
        assertThat(tools.calculatorCalls).as("calculator calls").hasValue(1);
        assertThat(tools.wordCountCalls).as("word_count calls").hasValue(2);
        assertThat(run.steps().get(1).metadata()).containsEntry("attempts.execute", "2");
        assertThat(run.state().retryCount()).as("the seed's retry_count").isEqualTo(1);
        List<Effect> effects = Effects.decode(store.get(thread, CheckpointId.parse(run.steps().get(1).id().value())).orElseThrow().effects());
        assertThat(effects).extracting(e -> e.kind() + " " + e.name() + "@" + e.attempt() + (e.reused() ? " reused" : "") + (e.failed() ? " failed" : ""))
                .containsExactly("TOOL calculator@1", "TOOL word_count@1 failed",
                        "FAILURE " + ToolUnavailableException.class.getName() + "@1 failed",
                        "TOOL calculator@2 reused", "TOOL word_count@2");
        assertThat(store.pendingEffects(thread, run.steps().get(1).step()).stream().map(PendingEffect::json).toList()).as("pending effects are cleared by the commit").isEmpty();
        // The next turn starts counting again.
        assertThat(rt.run(thread, user("what is 1 + 1"), RunBudget.steps(10)).state().retryCount()).isZero();

        // The retry replays as it ran: the failed attempt, then the reused and the new call.
        ReplayReport report = runtime(ReferenceAgent.graph(), null, ReferenceAgent.tools())
                .replay(thread, CheckpointId.parse(run.steps().get(1).id().value()));
        assertThat(report.verdict()).as(report.summary()).isEqualTo(ReplayReport.Verdict.SAME);
    }

    @Test
    void aToolDownForEveryAttemptFailsTheStepAndTheNextStepFinishesWithoutRepeatingTheOtherTool() {
        FlakyTools tools = new FlakyTools(3);
        ThreadRuntime<AgentState> rt = runtime(ReferenceAgent.graph(), null, ToolBox.of(tools));

        RunResult<AgentState> run = rt.run(thread, user("what is 2 + 3 and count the words in a b c"), RunBudget.steps(10));

        assertThat(run.steps()).extracting(s -> s.status()).containsExactly(Status.RUNNING, Status.FAILED);
        assertThat(run.steps().get(1).error().type()).isEqualTo(ToolUnavailableException.class.getName());
        assertThat(run.steps().get(1).error().message()).isEqualTo("tool 'word_count' is unavailable: word service timed out");
        assertThat(tools.calculatorCalls).hasValue(1);
        assertThat(tools.wordCountCalls).hasValue(3);

        RunResult<AgentState> resumed = rt.run(thread, Update.none(), RunBudget.steps(10));

        assertThat(resumed.stopReason()).isEqualTo(RunResult.StopReason.DONE);
        assertThat(resumed.state().toolOutputs()).containsEntry("calculator", "5").containsEntry("word_count", "3");
        assertThat(tools.calculatorCalls).as("the calculator answered before the failure: not called again").hasValue(1);
        assertThat(tools.wordCountCalls).hasValue(4);
    }
}
