package io.threadline.runtime;

import dev.langchain4j.agent.tool.P;
import dev.langchain4j.agent.tool.Tool;
import dev.langchain4j.agent.tool.ToolExecutionRequest;
import dev.langchain4j.data.message.AiMessage;
import dev.langchain4j.data.message.ChatMessage;
import dev.langchain4j.data.message.ToolExecutionResultMessage;
import dev.langchain4j.data.message.UserMessage;
import dev.langchain4j.model.chat.ChatModel;
import dev.langchain4j.model.chat.request.ChatRequest;
import dev.langchain4j.model.chat.response.ChatResponse;
import io.threadline.ErrorCode;
import io.threadline.ThreadlineException;
import io.threadline.checkpoint.InMemoryCheckpointStore;
import io.threadline.checkpoint.PendingEffect;
import io.threadline.checkpoint.Status;
import io.threadline.checkpoint.ThreadKey;
import io.threadline.effects.Effect;
import io.threadline.effects.EffectKind;
import io.threadline.effects.Effects;
import io.threadline.effects.ToolBox;
import io.threadline.examples.reference.LocalDemo;
import io.threadline.graph.CompiledGraph;
import io.threadline.graph.Durability;
import io.threadline.graph.NodePolicy;
import io.threadline.graph.RetryPolicy;
import io.threadline.graph.StateGraph;
import io.threadline.graph.StepContext;
import io.threadline.state.Channel;
import io.threadline.state.ListChannel;
import io.threadline.state.Sensitive;
import io.threadline.state.Update;
import io.threadline.state.ValueChannel;
import jakarta.validation.constraints.NotNull;
import org.assertj.core.api.Assertions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.atomic.AtomicInteger;

import static io.threadline.graph.StateGraph.END;
import static io.threadline.graph.StateGraph.START;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * Effects are recorded with each step and replayed: a model that asks for a tool, the tool, the
 * answer. Replays of unchanged code are SAME, changed code is DIFFERENT field by field, code asking
 * for other calls is NON_DETERMINISTIC naming the call, failed steps replay their error, and with
 * durability SYNC a retried step reuses the results it already has.
 */
class ReplayTest {

    public record Convo(@NotNull List<String> log, String answer, int retries) {
        public static final ListChannel<Convo, String> LOG = Channel.appending("log");
        public static final ValueChannel<Convo, String> ANSWER = Channel.overwriting("answer");
        public static final ValueChannel<Convo, Integer> RETRIES = Channel.overwriting("retries");
    }

    /** Asks for the adder when it sees a question, answers once it has the tool's result. */
    static final class ScriptedModel implements ChatModel {
        final AtomicInteger calls = new AtomicInteger();

        @Override
        public ChatResponse doChat(ChatRequest request) {
            calls.incrementAndGet();
            ChatMessage last = request.messages().get(request.messages().size() - 1);
            if (last instanceof ToolExecutionResultMessage result) {
                return ChatResponse.builder().aiMessage(AiMessage.from("the sum is " + result.text())).build();
            }
            String question = ((UserMessage) last).singleText();
            String[] numbers = question.replaceAll("[^0-9 ]", "").trim().split("\\s+");
            return ChatResponse.builder().aiMessage(AiMessage.from(ToolExecutionRequest.builder().id("call-1").name("add")
                    .arguments("{\"a\": " + numbers[0] + ", \"b\": " + numbers[1] + "}").build())).build();
        }
    }

    /** The tool, counting how often it really ran. */
    public static final class Adder {
        final AtomicInteger calls = new AtomicInteger();

        @Tool("Adds two integers")
        public int add(@P("first") int a, @P("second") int b) {
            calls.incrementAndGet();
            return a + b;
        }
    }

    private final InMemoryCheckpointStore store = new InMemoryCheckpointStore();
    private final ThreadKey thread = new ThreadKey("t1", "convo-1");
    private final ScriptedModel model = new ScriptedModel();
    private final Adder adder = new Adder();

    /** The node under test: model → tool → model, then {@code after} may throw. */
    interface After {
        void run(int attempt);
    }

    static Update<Convo> think(StepContext ctx, String question, boolean shout, After after, AtomicInteger attempts) {
        List<ChatMessage> messages = new ArrayList<>(List.of(UserMessage.from(question)));
        ChatResponse first = ctx.chat(ChatRequest.builder().messages(messages).toolSpecifications(ctx.toolSpecifications()).build());
        String answer = first.aiMessage().text();
        if (first.aiMessage().hasToolExecutionRequests()) {
            ToolExecutionRequest call = first.aiMessage().toolExecutionRequests().get(0);
            String result = ctx.executeTool(call);
            after.run(attempts.incrementAndGet());
            messages.add(first.aiMessage());
            messages.add(ToolExecutionResultMessage.from(call, result));
            answer = ctx.chat(ChatRequest.builder().messages(messages).build()).aiMessage().text();
        }
        return Update.of(Convo.ANSWER.set(shout ? answer.toUpperCase(Locale.ROOT) : answer),
                Convo.LOG.append("answered at " + ctx.now()));
    }

    private CompiledGraph<Convo> graph(boolean shout, After after, NodePolicy<Convo> policy) {
        AtomicInteger attempts = new AtomicInteger();
        return StateGraph.of(Convo.class)
                .node("think", (s, ctx) -> think(ctx, s.log().get(s.log().size() - 1), shout, after, attempts), policy)
                .chain(START, "think", END)
                .compile();
    }

    private ThreadRuntime<Convo> runtime(CompiledGraph<Convo> graph) {
        return ThreadRuntime.builder(graph)
                .store(store)
                .validator(LocalDemo.plainValidator())
                .chatModel(model)
                .tools(ToolBox.of(adder))
                .build();
    }

    private static Update<Convo> ask(String question) {
        return Update.of(Convo.LOG.append(question));
    }

    private static final After NOTHING = attempt -> { };

    @Test
    void everyCallIsRecordedInOrderWithItsRequestAndResult() {
        ThreadRuntime<Convo> rt = runtime(graph(false, NOTHING, NodePolicy.defaults()));
        StepResult<Convo> done = rt.step(thread, ask("add 2 and 40"), null);

        assertThat(done.state().answer()).isEqualTo("the sum is 42");
        List<Effect> effects = Effects.decode(store.get(thread, done.checkpoint().id()).orElseThrow().effects());
        assertThat(effects).extracting(Effect::kind).containsExactly(EffectKind.MODEL, EffectKind.TOOL, EffectKind.MODEL, EffectKind.CLOCK);
        assertThat(effects.get(1).name()).isEqualTo("add");
        assertThat(effects.get(1).request().get("arguments").asText()).isEqualTo("{\"a\": 2, \"b\": 40}");
        assertThat(effects.get(1).response().asText()).isEqualTo("42");
        assertThat(effects.get(0).response().at("/toolCalls/0/name").asText()).isEqualTo("add");
        assertThat(effects.get(2).response().get("text").asText()).isEqualTo("the sum is 42");
        assertThat(effects).extracting(Effect::seq).containsExactly(0, 1, 2, 3);
    }

    @Test
    void unchangedCodeReplaysTheSameWithoutCallingTheModelOrTheTool() {
        ThreadRuntime<Convo> rt = runtime(graph(false, NOTHING, NodePolicy.defaults()));
        StepResult<Convo> done = rt.step(thread, ask("add 2 and 40"), null);
        int modelCalls = model.calls.get();

        ReplayReport report = rt.replay(thread, done.checkpoint().id());

        assertThat(report.verdict()).isEqualTo(ReplayReport.Verdict.SAME);
        assertThat(report.summary()).startsWith("SAME");
        assertThat(report.effectsServed()).isEqualTo(4);
        assertThat(report.fields()).isEmpty();
        assertThat(report.patch()).isEmpty();
        assertThat(model.calls.get()).isEqualTo(modelCalls);
        assertThat(adder.calls.get()).isEqualTo(1);
    }

    @Test
    void changedCodeIsReportedFieldByField() {
        runtime(graph(false, NOTHING, NodePolicy.defaults())).step(thread, ask("add 2 and 40"), null);
        ThreadRuntime<Convo> changed = runtime(graph(true, NOTHING, NodePolicy.defaults()));

        ReplayReport report = changed.replay(thread, changed.state(thread).checkpoint().id());

        assertThat(report.verdict()).isEqualTo(ReplayReport.Verdict.DIFFERENT);
        assertThat(report.fields()).singleElement().satisfies(f -> {
            assertThat(f.field()).isEqualTo("answer");
            assertThat(f.recorded().asText()).isEqualTo("the sum is 42");
            assertThat(f.replayed().asText()).isEqualTo("THE SUM IS 42");
        });
        assertThat(report.patch().toString()).contains("\"op\":\"replace\"", "\"path\":\"/answer\"", "THE SUM IS 42");
        assertThat(report.summary()).contains("field 'answer' \"the sum is 42\" → \"THE SUM IS 42\"");
    }

    @Test
    void codeAskingForOtherCallsIsNonDeterministicAndNamesTheCall() {
        runtime(graph(false, NOTHING, NodePolicy.defaults())).step(thread, ask("add 2 and 40"), null);
        CompiledGraph<Convo> otherArguments = StateGraph.of(Convo.class)
                .node("think", (s, ctx) -> {
                    ChatResponse r = ctx.chat(ChatRequest.builder().messages(List.of(UserMessage.from("add 2 and 40")))
                            .toolSpecifications(ctx.toolSpecifications()).build());
                    ctx.executeTool(ToolExecutionRequest.builder().id("call-1").name("add").arguments("{\"a\": 2, \"b\": 41}").build());
                    return Update.of(Convo.ANSWER.set(r.aiMessage().text()));
                })
                .chain(START, "think", END)
                .compile();
        ThreadRuntime<Convo> changed = runtime(otherArguments);

        ReplayReport report = changed.replay(thread, changed.state(thread).checkpoint().id());

        assertThat(report.verdict()).isEqualTo(ReplayReport.Verdict.NON_DETERMINISTIC);
        assertThat(report.divergence().node()).isEqualTo("think");
        assertThat(report.divergence().index()).isEqualTo(1);
        assertThat(report.divergence().expected().name()).isEqualTo("add");
        assertThat(report.summary()).contains("call #2", "TOOL add", "\\\"b\\\": 41", "\\\"b\\\": 40");
        assertThat(adder.calls.get()).isEqualTo(1);
    }

    @Test
    void aFailedStepKeepsItsEffectsAndReplaysItsError() {
        ThreadRuntime<Convo> rt = runtime(graph(false, attempt -> {
            throw new IllegalStateException("tool result rejected");
        }, NodePolicy.defaults()));

        StepResult<Convo> failed = rt.step(thread, ask("add 2 and 40"), null);

        assertThat(failed.checkpoint().status()).isEqualTo(Status.FAILED);
        assertThat(failed.checkpoint().error().message()).isEqualTo("tool result rejected");
        List<Effect> effects = Effects.decode(store.get(thread, failed.checkpoint().id()).orElseThrow().effects());
        assertThat(effects).extracting(Effect::kind).containsExactly(EffectKind.MODEL, EffectKind.TOOL, EffectKind.FAILURE);

        ReplayReport same = rt.replay(thread, failed.checkpoint().id());
        assertThat(same.verdict()).isEqualTo(ReplayReport.Verdict.SAME);
        assertThat(same.replayedError().type()).isEqualTo(IllegalStateException.class.getName());

        // Fixed code: the replay of the recorded failure now shows what the step would have produced.
        ReplayReport fixed = runtime(graph(false, NOTHING, NodePolicy.defaults()))
                .replay(thread, failed.checkpoint().id());
        assertThat(fixed.verdict()).isEqualTo(ReplayReport.Verdict.NON_DETERMINISTIC);
        assertThat(fixed.summary()).contains("MODEL chat", "was not recorded");
    }

    @Test
    void withSyncDurabilityARetryReusesTheToolResultAndDoesNotAskTheModelAgain() {
        NodePolicy<Convo> sync = NodePolicy.<Convo>durability(Durability.SYNC)
                .withRetry(RetryPolicy.<Convo>attempts(3).backoff(Duration.ZERO, 1, Duration.ZERO).countRetriesIn(Convo.RETRIES));
        ThreadRuntime<Convo> rt = runtime(graph(false, attempt -> {
            if (attempt == 1) {
                throw new IllegalStateException("died after the tool");
            }
        }, sync));

        StepResult<Convo> done = rt.step(thread, ask("add 2 and 40"), null);

        assertThat(done.state().answer()).isEqualTo("the sum is 42");
        assertThat(adder.calls.get()).as("tool calls").isEqualTo(1);
        assertThat(model.calls.get()).as("model calls: the first is reused, the second made once").isEqualTo(2);
        assertThat(done.state().retries()).isEqualTo(1);
        assertThat(done.checkpoint().metadata()).containsEntry("attempts.think", "2");
        List<Effect> effects = Effects.decode(store.get(thread, done.checkpoint().id()).orElseThrow().effects());
        assertThat(effects).extracting(e -> e.kind() + "@" + e.attempt() + (e.reused() ? "r" : ""))
                .containsExactly("MODEL@1", "TOOL@1", "FAILURE@1", "MODEL@2r", "TOOL@2r", "MODEL@2", "CLOCK@2");
        assertThat(store.pendingEffects(thread, 1).stream().map(PendingEffect::json).toList()).as("pending effects are cleared after the commit").isEmpty();

        // The node's failure depends on its own counter: a fresh copy of the code fails the same way on replay.
        ThreadRuntime<Convo> fresh = runtime(graph(false, attempt -> {
            if (attempt == 1) {
                throw new IllegalStateException("died after the tool");
            }
        }, sync));
        assertThat(fresh.replay(thread, done.checkpoint().id()).verdict()).isEqualTo(ReplayReport.Verdict.SAME);
    }

    @Test
    void withSyncDurabilityAStepRetriedAfterAFailedCheckpointReusesItsEffects() {
        NodePolicy<Convo> sync = NodePolicy.durability(Durability.SYNC);
        AtomicInteger failures = new AtomicInteger();
        ThreadRuntime<Convo> rt = runtime(graph(false, attempt -> {
            if (failures.getAndIncrement() == 0) {
                throw new IllegalStateException("died after the tool");
            }
        }, sync));

        StepResult<Convo> failed = rt.step(thread, ask("add 2 and 40"), null);
        StepResult<Convo> retried = rt.step(thread);

        assertThat(failed.checkpoint().status()).isEqualTo(Status.FAILED);
        assertThat(retried.state().answer()).isEqualTo("the sum is 42");
        assertThat(adder.calls.get()).isEqualTo(1);
        assertThat(model.calls.get()).isEqualTo(2);
        assertThat(rt.replay(thread, retried.checkpoint().id()).verdict())
                .isEqualTo(ReplayReport.Verdict.SAME);
    }

    @Test
    void withExitDurabilityARetryCallsAgain() {
        NodePolicy<Convo> exit = NodePolicy.retry(RetryPolicy.<Convo>attempts(2).backoff(Duration.ZERO, 1, Duration.ZERO));
        ThreadRuntime<Convo> rt = runtime(graph(false, attempt -> {
            if (attempt == 1) {
                throw new IllegalStateException("flaky");
            }
        }, exit));

        StepResult<Convo> done = rt.step(thread, ask("add 2 and 40"), null);

        assertThat(done.state().answer()).isEqualTo("the sum is 42");
        assertThat(adder.calls.get()).isEqualTo(2);
        ThreadRuntime<Convo> fresh = runtime(graph(false, attempt -> {
            if (attempt == 1) {
                throw new IllegalStateException("flaky");
            }
        }, exit));
        ReplayReport report = fresh.replay(thread, done.checkpoint().id());
        assertThat(report.verdict()).isEqualTo(ReplayReport.Verdict.SAME);
        assertThat(report.effectsServed()).as("both attempts are replayed").isEqualTo(report.effectsRecorded());
        assertThat(adder.calls.get()).isEqualTo(2);
    }

    @Test
    void retriesStopAtExceptionsThePolicyDoesNotName() {
        NodePolicy<Convo> onlyIo = NodePolicy.retry(RetryPolicy.<Convo>attempts(5).backoff(Duration.ZERO, 1, Duration.ZERO)
                .retryOn(UncheckedIOException.class));
        ThreadRuntime<Convo> rt = runtime(graph(false, attempt -> {
            throw new IllegalArgumentException("not retried");
        }, onlyIo));

        StepResult<Convo> failed = rt.step(thread, ask("add 2 and 40"), null);

        assertThat(failed.checkpoint().status()).isEqualTo(Status.FAILED);
        assertThat(failed.checkpoint().metadata()).containsEntry("attempts.think", "1");
        assertThat(adder.calls.get()).isEqualTo(1);
    }

    @Test
    void aRecordedThreadExportedToAFileReplaysOfflineAndShowsWhatAChangedNodeDoes(@TempDir Path dir) {
        ThreadRuntime<Convo> rt = runtime(graph(false, NOTHING, NodePolicy.defaults()));
        rt.step(thread, ask("add 2 and 40"), null);
        rt.step(thread, ask("add 1 and 1"), "turn-2");
        Path file = dir.resolve("convo-1.json");
        RecordedThread.of(store, thread).write(file);

        RecordedThread recorded = RecordedThread.read(file);
        assertThat(recorded.checkpoints()).hasSize(2);
        assertThat(recorded.toJson()).contains("\"format\" : \"threadline.thread/1\"", "\"kind\" : \"TOOL\"", "the sum is 42");
        int modelCalls = model.calls.get();

        List<ReplayReport> same = recorded.replayAll(graph(false, NOTHING, NodePolicy.defaults()), new Adder());
        assertThat(same).extracting(ReplayReport::verdict).containsOnly(ReplayReport.Verdict.SAME);

        List<ReplayReport> changed = recorded.replayAll(graph(true, NOTHING, NodePolicy.defaults()), new Adder());
        assertThat(changed).extracting(ReplayReport::verdict).containsOnly(ReplayReport.Verdict.DIFFERENT);
        assertThat(changed.get(1).summary()).isEqualTo("DIFFERENT: field 'answer' \"the sum is 2\" → \"THE SUM IS 2\"");
        Assertions.assertThatThrownBy(() -> changed.get(1).assertSame())
                .isInstanceOf(AssertionError.class).hasMessageContaining("field 'answer'");
        assertThat(model.calls.get()).as("no model call during replays").isEqualTo(modelCalls);
    }

    @Test
    void aFileThatIsNotARecordingIsRefusedClearly() {
        Assertions.assertThatThrownBy(() -> RecordedThread.fromJson("{\"format\":\"other\"}"))
                .isInstanceOfSatisfying(ThreadlineException.class,
                        e -> assertThat(e.code()).isEqualTo(ErrorCode.INVALID_INPUT))
                .hasMessageContaining("threadline.thread/1");
        Assertions.assertThatThrownBy(() -> RecordedThread.fromJson("{\"format\":\"threadline.thread/1\"}"))
                .isInstanceOf(ThreadlineException.class);
        Assertions.assertThatThrownBy(() -> RecordedThread.fromJson("not json"))
                .isInstanceOf(ThreadlineException.class);
    }

    public record Vault(String pin, @Sensitive String secret) {
        public static final ValueChannel<Vault, String> PIN = Channel.overwriting("pin");
        public static final ValueChannel<Vault, String> SECRET = Channel.overwriting("secret");
    }

    @Test
    void aReplayReportNamesADifferingSensitiveFieldWithoutShowingItsValues() {
        InMemoryCheckpointStore vaults = new InMemoryCheckpointStore();
        ThreadKey key = ThreadKey.of("t1", "vault-1");
        CompiledGraph<Vault> recorded = StateGraph.of(Vault.class)
                .node("seal", (s, ctx) -> Update.of(Vault.SECRET.set("hunter2"), Vault.PIN.set("1234")))
                .chain(START, "seal", END).compile();
        CompiledGraph<Vault> changed = StateGraph.of(Vault.class)
                .node("seal", (s, ctx) -> Update.of(Vault.SECRET.set("correct horse"), Vault.PIN.set("1234")))
                .chain(START, "seal", END).compile();
        ThreadRuntime.builder(recorded).store(vaults).validator(LocalDemo.plainValidator()).build().step(key);

        ReplayReport report = ThreadRuntime.builder(changed).store(vaults).validator(LocalDemo.plainValidator()).build()
                .replay(key, vaults.head(key).orElseThrow().checkpointId());

        assertThat(report.verdict()).isEqualTo(ReplayReport.Verdict.DIFFERENT);
        assertThat(report.fields()).singleElement().satisfies(f -> {
            assertThat(f.field()).isEqualTo("secret");
            assertThat(f.recorded().asText()).isEqualTo("***");
            assertThat(f.replayed().asText()).isEqualTo("***");
        });
        assertThat(report.summary() + report.patch()).contains("secret").doesNotContain("hunter2").doesNotContain("correct horse");
    }
}
