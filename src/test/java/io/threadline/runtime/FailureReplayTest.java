package io.threadline.runtime;

import dev.langchain4j.agent.tool.P;
import dev.langchain4j.agent.tool.Tool;
import dev.langchain4j.agent.tool.ToolExecutionRequest;
import dev.langchain4j.data.message.AiMessage;
import dev.langchain4j.data.message.UserMessage;
import dev.langchain4j.model.chat.ChatModel;
import dev.langchain4j.model.chat.request.ChatRequest;
import dev.langchain4j.model.chat.response.ChatResponse;
import io.threadline.checkpoint.EffectLog;
import io.threadline.checkpoint.InMemoryCheckpointStore;
import io.threadline.checkpoint.Status;
import io.threadline.checkpoint.ThreadKey;
import io.threadline.effects.CallFailure;
import io.threadline.effects.Effect;
import io.threadline.effects.EffectError;
import io.threadline.effects.Effects;
import io.threadline.Failures;
import io.threadline.effects.ToolBox;
import io.threadline.graph.CompiledGraph;
import io.threadline.graph.Durability;
import io.threadline.graph.NodePolicy;
import io.threadline.graph.RetryPolicy;
import io.threadline.graph.StateGraph;
import io.threadline.graph.StepContext;
import io.threadline.memory.Embeddings;
import io.threadline.memory.InMemoryMemoryStore;
import io.threadline.memory.MemorySettings;
import io.threadline.memory.MemoryStore;
import io.threadline.memory.WordEmbeddingModel;
import io.threadline.state.Channel;
import io.threadline.state.ListChannel;
import io.threadline.state.Update;
import io.threadline.state.ValueChannel;
import jakarta.validation.constraints.Max;
import jakarta.validation.constraints.NotNull;
import jakarta.validation.constraints.PositiveOrZero;
import org.assertj.core.api.Assertions;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;

import static io.threadline.graph.StateGraph.END;
import static io.threadline.graph.StateGraph.START;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * A failure looks the same to a node and its {@link RetryPolicy} live and in a replay: a failed call
 * is a {@link CallFailure} in both, matched by the type it had live. The README's example
 * ({@code retryOn(IOException.class)} around a tool that throws a checked {@code IOException}) runs as
 * written, and its replay is SAME.
 */
class FailureReplayTest {

    public record State(@NotNull List<String> log, String receipt, @PositiveOrZero @Max(2) int retryCount) {
        public static final ListChannel<State, String> LOG = Channel.appending("log");
        public static final ValueChannel<State, String> RECEIPT = Channel.overwriting("receipt");
        public static final ValueChannel<State, Integer> RETRY_COUNT = Channel.overwriting("retryCount");
    }

    /** The README's tool: its payment service is down for the first {@code failures} calls (a checked IOException). */
    public static final class Payments {
        final AtomicInteger calls = new AtomicInteger();
        final int failures;

        Payments(int failures) {
            this.failures = failures;
        }

        Payments() {
            this(0);
        }

        @Tool("Charges the customer's card")
        public String charge(@P(name = "cents", value = "the amount in cents") int cents) throws IOException {
            if (calls.incrementAndGet() <= failures) {
                throw new IOException("payment service timed out");
            }
            return "receipt-" + cents;
        }
    }

    /** Asks for one charge of 4200 cents. */
    static final class ChargingModel implements ChatModel {
        @Override
        public ChatResponse doChat(ChatRequest request) {
            return ChatResponse.builder().aiMessage(AiMessage.from(ToolExecutionRequest.builder().id("call-1").name("charge")
                    .arguments("{\"cents\": 4200}").build())).build();
        }
    }

    private final InMemoryCheckpointStore store = new InMemoryCheckpointStore();
    private final MemoryStore memory = new InMemoryMemoryStore(new Embeddings(new WordEmbeddingModel()), MemorySettings.DEFAULT);
    private final ChatModel chatModel = new ChargingModel();
    private final ThreadKey thread = ThreadKey.of("acme", "payments");

    /** The README's node: the model picks the call, the tool makes it. */
    Update<State> think(State state, StepContext ctx) {
        ChatResponse reply = ctx.chat(ChatRequest.builder().messages(UserMessage.from(state.log().get(state.log().size() - 1)))
                .toolSpecifications(ctx.toolSpecifications()).build());
        String receipt = ctx.executeTool(reply.aiMessage().toolExecutionRequests().get(0));
        return Update.of(State.RECEIPT.set(receipt));
    }

    /** The README's example, as written there. */
    private ThreadRuntime<State> readmeExample(Payments payments) {
        CompiledGraph<State> graph = StateGraph.of(State.class)
                .node("think", this::think, NodePolicy.<State>durability(Durability.SYNC)
                        .withRetry(RetryPolicy.<State>attempts(3).retryOn(IOException.class).countRetriesIn(State.RETRY_COUNT)))
                .chain(START, "think", END)
                .compile();
        ThreadRuntime<State> runtime = ThreadRuntime.builder(graph).store(store).memory(memory)
                .chatModel(chatModel).tools(ToolBox.of(payments)).build();
        return runtime;
    }

    private static Update<State> ask(String text) {
        return Update.of(State.LOG.append(text));
    }

    @Test
    void theReadmeExampleRetriesAToolsCheckedIOExceptionAndItsReplayIsTheSame() {
        Payments payments = new Payments(1);
        ThreadRuntime<State> runtime = readmeExample(payments);

        StepResult<State> done = runtime.step(thread, ask("charge 42 euros"), null);

        assertThat(done.checkpoint().status()).isEqualTo(Status.DONE);
        assertThat(done.state().receipt()).isEqualTo("receipt-4200");
        assertThat(done.state().retryCount()).isEqualTo(1);
        assertThat(payments.calls).hasValue(2);
        List<Effect> effects = Effects.decode(store.get(thread, done.checkpoint().id()).orElseThrow().effects());
        EffectError recorded = effects.get(1).error();
        assertThat(recorded.type()).isEqualTo(IOException.class.getName());
        assertThat(recorded.supertypes()).containsExactly(Exception.class.getName(), Throwable.class.getName());

        ReplayReport report = readmeExample(new Payments()).replay(thread, done.checkpoint().id());
        assertThat(report.verdict()).as(report.summary()).isEqualTo(ReplayReport.Verdict.SAME);
    }

    @Test
    void aToolFailingEveryAttemptFailsTheStepAfterThreeWithItsOwnTypeAndItsReplayIsTheSame() {
        Payments payments = new Payments(3);

        StepResult<State> failed = readmeExample(payments).step(thread, ask("charge 42 euros"), null);

        assertThat(failed.checkpoint().status()).isEqualTo(Status.FAILED);
        assertThat(failed.checkpoint().error().type()).isEqualTo(IOException.class.getName());
        assertThat(failed.checkpoint().error().message()).isEqualTo("payment service timed out");
        assertThat(failed.checkpoint().metadata()).containsEntry("attempts.think", "3");
        assertThat(payments.calls).hasValue(3);

        ReplayReport report = readmeExample(new Payments()).replay(thread, failed.checkpoint().id());
        assertThat(report.verdict()).as(report.summary()).isEqualTo(ReplayReport.Verdict.SAME);
        assertThat(report.replayedError().type()).isEqualTo(IOException.class.getName());
    }

    @Test
    void aToolBoxThrowsACheckedExceptionAsACallFailureOfItsType() {
        ToolExecutionRequest charge = ToolExecutionRequest.builder().id("c").name("charge").arguments("{\"cents\": 1}").build();

        Assertions.assertThatThrownBy(() -> ToolBox.of(new Payments(1)).execute(charge))
                .isInstanceOfSatisfying(CallFailure.class, e -> {
                    assertThat(e.isA(IOException.class)).isTrue();
                    assertThat(e.isA(RuntimeException.class)).as("an IOException is not unchecked").isFalse();
                    assertThat(e.type()).isEqualTo(IOException.class.getName());
                })
                .hasMessage("payment service timed out")
                .hasCauseInstanceOf(IOException.class);
        Assertions.assertThatThrownBy(() -> ToolBox.of(new Ledger()).execute(
                        ToolExecutionRequest.builder().id("b").name("book").arguments("{\"cents\": 1}").build()))
                .as("an unchecked exception is thrown on as it is").isInstanceOf(LedgerDown.class);
    }

    /** An unchecked failure of a subclass of the type the policy names. */
    static final class LedgerDown extends UncheckedIOException {
        LedgerDown(String message) {
            super(message, new IOException(message));
        }
    }

    public static final class Ledger {
        final AtomicInteger calls = new AtomicInteger();

        @Tool("Books the charge")
        public String book(@P(name = "cents", value = "the amount in cents") int cents) {
            if (calls.incrementAndGet() == 1) {
                throw new LedgerDown("ledger unavailable");
            }
            return "booked-" + cents;
        }
    }

    private CompiledGraph<State> booking(RetryPolicy<State> retry) {
        return StateGraph.of(State.class)
                .node("book", (s, ctx) -> Update.of(State.RECEIPT.set(ctx.executeTool(ToolExecutionRequest.builder().id("b")
                        .name("book").arguments("{\"cents\": 100}").build()))), NodePolicy.retry(retry))
                .chain(START, "book", END)
                .compile();
    }

    @Test
    void anUncheckedToolFailureRetriedLiveIsRetriedInItsReplay() {
        RetryPolicy<State> retry = RetryPolicy.<State>attempts(2).backoff(Duration.ZERO, 1, Duration.ZERO)
                .retryOn(UncheckedIOException.class);
        Ledger ledger = new Ledger();
        ThreadRuntime<State> live = ThreadRuntime.builder(booking(retry)).store(store).tools(ToolBox.of(ledger)).build();

        StepResult<State> done = live.step(thread, ask("book"), null);

        assertThat(done.state().receipt()).isEqualTo("booked-100");
        assertThat(ledger.calls).hasValue(2);
        ReplayReport report = ThreadRuntime.builder(booking(retry)).store(store).tools(ToolBox.of(new Ledger())).build()
                .replay(thread, done.checkpoint().id());
        assertThat(report.verdict()).as(report.summary()).isEqualTo(ReplayReport.Verdict.SAME);
    }

    @Test
    void aNodeCatchingAToolFailureSeesTheSameFailureLiveAndInReplay() {
        CompiledGraph<State> graph = StateGraph.of(State.class)
                .node("book", (s, ctx) -> {
                    try {
                        return Update.of(State.RECEIPT.set(ctx.executeTool(ToolExecutionRequest.builder().id("b")
                                .name("book").arguments("{\"cents\": 100}").build())));
                    } catch (CallFailure e) {
                        return Update.of(State.RECEIPT.set(e.getClass().getSimpleName() + " " + e.type()
                                + " io=" + e.isA(UncheckedIOException.class) + " runtime=" + Failures.isA(e, RuntimeException.class)
                                + " state=" + e.isA(IllegalStateException.class) + ": " + e.getMessage()));
                    }
                })
                .chain(START, "book", END)
                .compile();
        ThreadRuntime<State> live = ThreadRuntime.builder(graph).store(store).tools(ToolBox.of(new Ledger())).build();

        StepResult<State> done = live.step(thread, ask("book"), null);

        assertThat(done.state().receipt()).isEqualTo("CallFailure " + LedgerDown.class.getName()
                + " io=true runtime=true state=false: ledger unavailable");
        ReplayReport report = ThreadRuntime.builder(graph).store(store).build()
                .replay(thread, done.checkpoint().id());
        assertThat(report.verdict()).as(report.summary()).isEqualTo(ReplayReport.Verdict.SAME);
    }

    @Test
    void aRecordingMadeBeforeSupertypesWereKeptStillReplaysTheSame() {
        RetryPolicy<State> retry = RetryPolicy.<State>attempts(2).backoff(Duration.ZERO, 1, Duration.ZERO)
                .retryOn(LedgerDown.class);
        ThreadRuntime<State> live = ThreadRuntime.builder(booking(retry)).store(store).tools(ToolBox.of(new Ledger())).build();
        live.step(thread, ask("book"), null);
        String exported = RecordedThread.of(store, thread).toJson();
        assertThat(exported).contains("\"supertypes\"");
        // The stored form before this change: an error with type, message and code only.
        String old = exported.replaceAll(",\\s*\"supertypes\"\\s*:\\s*\\[[^\\]]*\\]", "");
        assertThat(old).doesNotContain("supertypes").contains(LedgerDown.class.getName());

        List<ReplayReport> reports = RecordedThread.fromJson(old).replayAll(booking(retry), new Ledger());

        assertThat(reports).extracting(ReplayReport::verdict).containsOnly(ReplayReport.Verdict.SAME);
    }

    @Test
    void anOldFormatFailureMatchesItsOwnTypeAndRuntimeExceptionByName() {
        String stored = "[{\"seq\":0,\"node\":\"think\",\"attempt\":1,\"kind\":\"TOOL\",\"name\":\"charge\",\"request\":{},"
                + "\"error\":{\"type\":\"java.io.UncheckedIOException\",\"message\":\"down\"}}]";

        EffectError error = Effects.decode(EffectLog.fromJson(stored)).get(0).error();
        CallFailure replayed = new CallFailure(error);

        assertThat(error.supertypes()).isEmpty();
        assertThat(replayed.isA(UncheckedIOException.class)).isTrue();
        assertThat(Failures.isA(replayed, RuntimeException.class)).isTrue();
        assertThat(replayed.isA(IOException.class)).isFalse();
        assertThat(replayed.isA(IllegalStateException.class)).isFalse();
        assertThat(Effects.encode(Effects.decode(EffectLog.fromJson(stored))).json()).doesNotContain("supertypes");
    }
}
