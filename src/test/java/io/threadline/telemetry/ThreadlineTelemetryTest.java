package io.threadline.telemetry;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.langchain4j.agent.tool.P;
import dev.langchain4j.agent.tool.Tool;
import dev.langchain4j.agent.tool.ToolExecutionRequest;
import dev.langchain4j.data.message.AiMessage;
import dev.langchain4j.data.message.UserMessage;
import dev.langchain4j.model.chat.ChatModel;
import dev.langchain4j.model.chat.request.ChatRequest;
import dev.langchain4j.model.chat.response.ChatResponse;
import dev.langchain4j.model.output.FinishReason;
import dev.langchain4j.model.output.TokenUsage;
import io.opentelemetry.api.common.AttributeKey;
import io.opentelemetry.api.trace.Span;
import io.opentelemetry.api.trace.SpanKind;
import io.opentelemetry.api.trace.StatusCode;
import io.opentelemetry.sdk.metrics.data.MetricData;
import io.opentelemetry.sdk.trace.data.EventData;
import io.opentelemetry.sdk.trace.data.SpanData;
import io.quarkus.logging.json.runtime.JsonFormatter;
import io.threadline.ErrorCode;
import io.threadline.ThreadlineException;
import io.threadline.checkpoint.InMemoryCheckpointStore;
import io.threadline.checkpoint.Status;
import io.threadline.checkpoint.ThreadKey;
import io.threadline.effects.ToolBox;
import io.threadline.graph.CompiledGraph;
import io.threadline.graph.Durability;
import io.threadline.graph.NodePolicy;
import io.threadline.graph.RetryPolicy;
import io.threadline.graph.Route;
import io.threadline.graph.StateGraph;
import io.threadline.memory.Embeddings;
import io.threadline.memory.InMemoryMemoryStore;
import io.threadline.memory.MemoryForgetReport;
import io.threadline.memory.MemoryHit;
import io.threadline.memory.MemoryPruneReport;
import io.threadline.memory.MemoryQuery;
import io.threadline.memory.MemoryRecord;
import io.threadline.memory.MemoryStore;
import io.threadline.memory.MemorySettings;
import io.threadline.memory.MemoryWrite;
import io.threadline.memory.PutResult;
import io.threadline.memory.WordEmbeddingModel;
import io.threadline.runtime.RuntimeOptions;
import io.threadline.runtime.StepResult;
import io.threadline.runtime.ThreadRuntime;
import io.threadline.state.Channel;
import io.threadline.state.ListChannel;
import io.threadline.state.Sensitive;
import io.threadline.state.Update;
import io.threadline.state.ValueChannel;
import jakarta.validation.Validation;
import jakarta.validation.Validator;
import jakarta.validation.constraints.NotNull;
import jakarta.validation.constraints.Size;
import org.assertj.core.groups.Tuple;
import org.jboss.logging.MDC;
import org.jboss.logmanager.ExtLogRecord;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import java.util.logging.Level;

import static io.threadline.graph.StateGraph.END;
import static io.threadline.graph.StateGraph.START;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * The runtime observed by {@link ThreadlineTelemetry} on a real OpenTelemetry SDK: the spans a step
 * exports (names, parent/child structure, attributes, events), its metrics and EMF line, its log
 * context — and that a {@link Sensitive} value reaches none of them although it passes through the
 * model prompt, a tool's arguments and a memory query.
 */
class ThreadlineTelemetryTest {

    static final String SECRET = "tok-SECRET-4711";

    public record Desk(@NotNull List<String> log, @Size(max = 20) String answer, @Sensitive String apiToken) {
        public static final ListChannel<Desk, String> LOG = Channel.appending("log");
        public static final ValueChannel<Desk, String> ANSWER = Channel.overwriting("answer");
        public static final ValueChannel<Desk, String> API_TOKEN = Channel.overwriting("apiToken");
    }

    /** Asks for the lookup tool, passing on the token it was given — as a real model might. */
    static final class TokenModel implements ChatModel {
        final AtomicInteger calls = new AtomicInteger();
        volatile RuntimeException failWith;

        @Override
        public ChatResponse doChat(ChatRequest request) {
            calls.incrementAndGet();
            if (failWith != null) {
                throw failWith;
            }
            String prompt = ((UserMessage) request.messages().get(0)).singleText();
            return ChatResponse.builder()
                    .aiMessage(AiMessage.from(ToolExecutionRequest.builder().id("call-7").name("lookup")
                            .arguments("{\"token\":\"" + prompt.substring(prompt.indexOf("tok-")) + "\"}").build()))
                    .tokenUsage(new TokenUsage(12, 7)).finishReason(FinishReason.TOOL_EXECUTION)
                    .modelName("gpt-test-2026-01").id("resp-1").build();
        }
    }

    public static final class Lookup {
        @Tool("Looks the account up")
        public String lookup(@P("token") String token) {
            return "account of " + token.length() + " chars";
        }
    }

    private final OtelFixture otel = new OtelFixture();
    private final List<String> emf = new ArrayList<>();
    private final ThreadlineTelemetry telemetry = ThreadlineTelemetry.of(otel.sdk).withEmf("Threadline", "threadline", emf::add);
    private final InMemoryCheckpointStore store = new InMemoryCheckpointStore();
    private final InMemoryMemoryStore memory = new InMemoryMemoryStore(new Embeddings(new WordEmbeddingModel()), MemorySettings.DEFAULT);
    private final Validator validator = Validation.buildDefaultValidatorFactory().getValidator();
    private final TokenModel model = new TokenModel();
    private final ThreadKey thread = ThreadKey.of("acme", "desk-1");
    private final AtomicReference<Map<String, Object>> mdcInNode = new AtomicReference<>();

    @AfterEach
    void close() {
        otel.close();
    }

    private CompiledGraph<Desk> graph(NodePolicy<Desk> thinkPolicy, Runnable inThink) {
        return StateGraph.of(Desk.class)
                .node("think", (s, ctx) -> {
                    mdcInNode.set(Map.copyOf(MDC.getMap()));
                    inThink.run();
                    ChatResponse r = ctx.chat(ChatRequest.builder().modelName("gpt-test").temperature(0.2).maxOutputTokens(100)
                            .messages(List.of(UserMessage.from("use " + s.apiToken()))).toolSpecifications(ctx.toolSpecifications()).build());
                    String found = ctx.executeTool(r.aiMessage().toolExecutionRequests().get(0));
                    ctx.recall("users/1", "what do we know about " + s.apiToken(), 3);
                    ctx.remember("users/1", "looked up an account", "fact", 0.5);
                    return Update.of(Desk.LOG.append(found));
                }, thinkPolicy)
                .node("answer", (s, ctx) -> Update.of(Desk.ANSWER.set("done")))
                .edge(START, "think")
                .route("think", s -> Route.to("answer", "the tool found the account"), "answer")
                .edge("answer", END)
                .compile();
    }

    private ThreadRuntime<Desk> runtime(CompiledGraph<Desk> graph) {
        return ThreadRuntime.builder(graph)
                .store(store)
                .validator(validator)
                .options(RuntimeOptions.defaults().withObserver(telemetry))
                .memory(memory)
                .chatModel(model)
                .tools(ToolBox.of(new Lookup()))
                .build();
    }

    private StepResult<Desk> firstStep(ThreadRuntime<Desk> runtime) {
        return runtime.step(thread, Update.of(Desk.API_TOKEN.set(SECRET)), null);
    }

    @Test
    void aStepIsASpanWithItsStoreCallsModelToolAndMemoryUnderIt() {
        ThreadRuntime<Desk> runtime = runtime(graph(NodePolicy.defaults(), () -> { }));
        StepResult<Desk> r = firstStep(runtime);

        SpanData step = otel.span("step think");
        assertThat(step.getKind()).isEqualTo(SpanKind.INTERNAL);
        assertThat(step.getParentSpanContext().isValid()).as("a root here: no invocation around it").isFalse();
        assertThat(step.getAttributes().get(TelemetryKeys.THREAD_ID)).isEqualTo("desk-1");
        assertThat(step.getAttributes().get(TelemetryKeys.TENANT)).isEqualTo("acme");
        assertThat(step.getAttributes().get(TelemetryKeys.STEP)).isEqualTo(1L);
        assertThat(step.getAttributes().get(TelemetryKeys.SCHEDULED)).containsExactly(START);
        assertThat(step.getAttributes().get(TelemetryKeys.NODES)).containsExactly("think");
        assertThat(step.getAttributes().get(TelemetryKeys.NEXT)).containsExactly("answer");
        assertThat(step.getAttributes().get(TelemetryKeys.STATUS)).isEqualTo("RUNNING");
        assertThat(step.getAttributes().get(TelemetryKeys.CHECKPOINT_ID)).isEqualTo(r.checkpoint().id().value());
        assertThat(step.getAttributes().get(TelemetryKeys.PARENT_ID)).isNull();
        assertThat(step.getStatus().getStatusCode()).isEqualTo(StatusCode.UNSET);

        // The routing decision, with its reason.
        EventData route = step.getEvents().stream().filter(e -> e.getName().equals(TelemetryKeys.ROUTE_EVENT)).findFirst().orElseThrow();
        assertThat(route.getAttributes().get(TelemetryKeys.ROUTE_FROM)).isEqualTo("think");
        assertThat(route.getAttributes().get(TelemetryKeys.ROUTE_TO)).containsExactly("answer");
        assertThat(route.getAttributes().get(TelemetryKeys.ROUTE_REASON)).isEqualTo("the tool found the account");

        // Children of the step, in order: the load finds nothing, the node's calls, the commit, the outbox's write.
        List<String> children = otel.childrenOf(step).stream().map(SpanData::getName).toList();
        assertThat(children).containsSubsequence("checkpoint.load", "chat gpt-test", "execute_tool lookup", "recall",
                "checkpoint.commit", "memory.put");

        SpanData chat = otel.span("chat gpt-test");
        assertThat(chat.getKind()).isEqualTo(SpanKind.CLIENT);
        assertThat(chat.getAttributes().get(TelemetryKeys.GEN_AI_OPERATION)).isEqualTo("chat");
        assertThat(chat.getAttributes().get(TelemetryKeys.GEN_AI_REQUEST_MODEL)).isEqualTo("gpt-test");
        assertThat(chat.getAttributes().get(TelemetryKeys.GEN_AI_RESPONSE_MODEL)).isEqualTo("gpt-test-2026-01");
        assertThat(chat.getAttributes().get(TelemetryKeys.GEN_AI_RESPONSE_ID)).isEqualTo("resp-1");
        assertThat(chat.getAttributes().get(TelemetryKeys.GEN_AI_REQUEST_TEMPERATURE)).isEqualTo(0.2);
        assertThat(chat.getAttributes().get(TelemetryKeys.GEN_AI_REQUEST_MAX_TOKENS)).isEqualTo(100L);
        assertThat(chat.getAttributes().get(TelemetryKeys.GEN_AI_INPUT_TOKENS)).isEqualTo(12L);
        assertThat(chat.getAttributes().get(TelemetryKeys.GEN_AI_OUTPUT_TOKENS)).isEqualTo(7L);
        assertThat(chat.getAttributes().get(TelemetryKeys.GEN_AI_FINISH_REASONS)).containsExactly("tool_execution");
        assertThat(chat.getAttributes().get(TelemetryKeys.NODE)).isEqualTo("think");
        assertThat(chat.getEndEpochNanos()).isGreaterThanOrEqualTo(chat.getStartEpochNanos());

        SpanData tool = otel.span("execute_tool lookup");
        assertThat(tool.getAttributes().get(TelemetryKeys.GEN_AI_OPERATION)).isEqualTo("execute_tool");
        assertThat(tool.getAttributes().get(TelemetryKeys.GEN_AI_TOOL_NAME)).isEqualTo("lookup");
        assertThat(tool.getAttributes().get(TelemetryKeys.GEN_AI_TOOL_CALL_ID)).isEqualTo("call-7");

        SpanData recall = otel.span("recall");
        assertThat(recall.getAttributes().get(TelemetryKeys.MEMORY_NAMESPACE)).isEqualTo("users/1");
        assertThat(recall.getAttributes().get(TelemetryKeys.MEMORY_K)).isEqualTo(3L);
        assertThat(recall.getAttributes().get(TelemetryKeys.MEMORY_HITS)).isEqualTo(0L);
        // The store's own search span hangs under the recall effect.
        assertThat(otel.childrenOf(recall)).extracting(SpanData::getName).containsExactly("memory.search");

        SpanData commit = otel.span("checkpoint.commit");
        assertThat(commit.getAttributes().get(TelemetryKeys.STORED_AS)).isEqualTo("snapshot");
        assertThat(commit.getAttributes().get(TelemetryKeys.CHECKPOINT_BYTES)).isEqualTo((long) r.checkpoint().change().size());
        assertThat(commit.getAttributes().get(TelemetryKeys.DB_SYSTEM)).isEqualTo("threadline.memory");
        SpanData put = otel.span("memory.put");
        assertThat(put.getAttributes().get(TelemetryKeys.MEMORY_NAMESPACE)).isEqualTo("users/1");
        assertThat(put.getAttributes().get(TelemetryKeys.MEMORY_MERGED)).isFalse();

        // Step 2 names its parent checkpoint and ends the run.
        otel.spans.reset();
        StepResult<Desk> second = runtime.step(thread);
        SpanData answer = otel.span("step answer");
        assertThat(answer.getAttributes().get(TelemetryKeys.STEP)).isEqualTo(2L);
        assertThat(answer.getAttributes().get(TelemetryKeys.PARENT_ID)).isEqualTo(r.checkpoint().id().value());
        assertThat(answer.getAttributes().get(TelemetryKeys.STATUS)).isEqualTo("DONE");
        assertThat(answer.getAttributes().get(TelemetryKeys.CHECKPOINT_ID)).isEqualTo(second.checkpoint().id().value());
        // Warm, and the step calls nothing outside it: its conditional commit is the head check (the lazy head
        // check), so there is no head read, and nothing is loaded.
        assertThat(otel.childrenOf(answer)).extracting(SpanData::getName).contains("checkpoint.commit")
                .doesNotContain("checkpoint.head", "checkpoint.load");
    }

    @Test
    void traceIdsAreXRayTraceIdsStartingWithTheEpochSecond() {
        long before = System.currentTimeMillis() / 1000;
        firstStep(runtime(graph(NodePolicy.defaults(), () -> { })));
        long after = System.currentTimeMillis() / 1000;
        for (SpanData s : otel.finished()) {
            long seconds = Long.parseLong(s.getTraceId().substring(0, 8), 16);
            assertThat(seconds).as(s.getName() + " " + s.getTraceId()).isBetween(before, after);
        }
        assertThat(otel.finished()).extracting(SpanData::getTraceId).containsOnly(otel.span("step think").getTraceId());
    }

    @Test
    void metricsAndTheEmfLineMeasureTheStep() throws Exception {
        ThreadRuntime<Desk> runtime = runtime(graph(NodePolicy.defaults(), () -> { }));
        StepResult<Desk> r = firstStep(runtime);
        runtime.step(thread);

        List<MetricData> metrics = List.copyOf(otel.metrics.collectAllMetrics());
        assertThat(otel.metric(metrics, "threadline.step.duration").orElseThrow().getHistogramData().getPoints())
                .allSatisfy(p -> assertThat(p.getCount()).isGreaterThan(0));
        long written = otel.metric(metrics, "threadline.checkpoint.written").orElseThrow().getLongSumData().getPoints().stream()
                .mapToLong(p -> p.getValue()).sum();
        assertThat(written).isGreaterThanOrEqualTo(r.checkpoint().change().size());
        assertThat(otel.metric(metrics, "threadline.memory.writes").orElseThrow().getLongSumData().getPoints())
                .anySatisfy(p -> {
                    assertThat(p.getAttributes().get(TelemetryKeys.MEMORY_NAMESPACE)).isEqualTo("users/1");
                    assertThat(p.getValue()).isEqualTo(1);
                });
        assertThat(otel.metric(metrics, "gen_ai.client.token.usage").orElseThrow().getHistogramData().getPoints())
                .extracting(p -> p.getAttributes().get(TelemetryKeys.GEN_AI_TOKEN_TYPE), p -> (long) p.getSum())
                .contains(Tuple.tuple("input", 12L), Tuple.tuple("output", 7L));
        assertThat(otel.metric(metrics, "threadline.state.size")).isPresent();

        // One EMF line per step, in the documented format: every metric named in _aws is a number at the root,
        // every dimension a string at the root.
        assertThat(emf).hasSize(2);
        JsonNode line = new ObjectMapper().readTree(emf.get(0));
        JsonNode directive = line.at("/_aws/CloudWatchMetrics/0");
        assertThat(line.at("/_aws/Timestamp").isIntegralNumber()).isTrue();
        assertThat(directive.get("Namespace").asText()).isEqualTo("Threadline");
        for (JsonNode dimensionSet : directive.get("Dimensions")) {
            for (JsonNode d : dimensionSet) {
                assertThat(line.get(d.asText()).isTextual()).as(d.asText()).isTrue();
            }
        }
        List<String> names = new ArrayList<>();
        for (JsonNode m : directive.get("Metrics")) {
            names.add(m.get("Name").asText());
            assertThat(line.get(m.get("Name").asText()).isNumber()).as(m.toString()).isTrue();
        }
        assertThat(names).contains("StepLatency", "CheckpointBytes", "StateBytes", "Retries", "Conflicts", "MemoryWrites",
                "MemoriesMerged", "InputTokens", "OutputTokens");
        assertThat(line.get("Status").asText()).isEqualTo("RUNNING");
        assertThat(line.get("CheckpointBytes").asLong()).isEqualTo(r.checkpoint().change().size());
        assertThat(line.get("StateBytes").asLong()).isEqualTo(r.checkpoint().change().size());
        assertThat(line.get("MemoryWrites").asLong()).isEqualTo(1);
        assertThat(line.get("InputTokens").asLong()).isEqualTo(12);
        assertThat(line.get("threadId").asText()).isEqualTo("desk-1");
        assertThat(line.get("traceId").asText()).isEqualTo(otel.span("step think").getTraceId());
        JsonNode second = new ObjectMapper().readTree(emf.get(1));
        assertThat(second.get("Status").asText()).isEqualTo("DONE");
        assertThat(second.get("DeltasSinceSnapshot")).as("unknown on a warm step that wrote a delta").isNull();
    }

    @Test
    void theLogContextCarriesTraceThreadTenantAndStepWhileTheStepRuns() {
        MDC.put("tenant", "outer");
        try {
            firstStep(runtime(graph(NodePolicy.defaults(), () -> { })));
            Map<String, Object> seen = mdcInNode.get();
            assertThat(seen).containsEntry(TelemetryKeys.MDC_THREAD, "desk-1").containsEntry(TelemetryKeys.MDC_TENANT, "acme")
                    .containsEntry(TelemetryKeys.MDC_STEP, "1")
                    .containsEntry(TelemetryKeys.MDC_TRACE, otel.span("step think").getTraceId());
            // What was there before the step is back.
            assertThat(MDC.get("tenant")).isEqualTo("outer");
            assertThat(MDC.get(TelemetryKeys.MDC_THREAD)).isNull();
        } finally {
            MDC.remove("tenant");
        }
    }

    @Test
    void aJsonLogLineWrittenDuringAStepCarriesItsContext() throws Exception {
        // The formatter Lambda's logs use (quarkus-logging-json), on a record logged inside the node.
        AtomicReference<String> line = new AtomicReference<>();
        firstStep(runtime(graph(NodePolicy.defaults(), () -> {
            ExtLogRecord record = new ExtLogRecord(Level.INFO,
                    "thinking", ExtLogRecord.FormatStyle.NO_FORMAT, ThreadlineTelemetryTest.class.getName());
            record.copyMdc();
            line.set(new JsonFormatter().format(record));
        })));
        JsonNode json = new ObjectMapper().readTree(line.get());
        JsonNode mdc = json.get("mdc");
        assertThat(mdc.get(TelemetryKeys.MDC_TRACE).asText()).isEqualTo(otel.span("step think").getTraceId());
        assertThat(mdc.get(TelemetryKeys.MDC_THREAD).asText()).isEqualTo("desk-1");
        assertThat(mdc.get(TelemetryKeys.MDC_TENANT).asText()).isEqualTo("acme");
        assertThat(mdc.get(TelemetryKeys.MDC_STEP).asText()).isEqualTo("1");
        assertThat(json.get("message").asText()).isEqualTo("thinking");
    }

    @Test
    void aSensitiveValueReachesNoSpanNoEventAndNoEmfLine() {
        ThreadRuntime<Desk> runtime = runtime(graph(NodePolicy.defaults(), () -> { }));
        firstStep(runtime);
        runtime.step(thread);
        // It did pass through the prompt, the tool's arguments and the memory query.
        assertThat(model.calls).hasValue(1);
        assertThat(otel.finished()).hasSizeGreaterThan(8);
        for (SpanData s : otel.finished()) {
            assertThat(s.getName()).doesNotContain(SECRET);
            s.getAttributes().forEach((k, v) -> assertThat(String.valueOf(v)).as(s.getName() + " " + k).doesNotContain(SECRET));
            for (EventData e : s.getEvents()) {
                e.getAttributes().forEach((k, v) -> assertThat(String.valueOf(v)).as(s.getName() + " " + e.getName()).doesNotContain(SECRET));
            }
        }
        assertThat(emf).isNotEmpty().allSatisfy(line -> assertThat(line).doesNotContain(SECRET));
    }

    @Test
    void aFailedNodeMarksItsStepAndItsCallWithTheErrorTypeAndCountsRetries() {
        model.failWith = new IllegalStateException("model down for " + SECRET);
        ThreadRuntime<Desk> runtime = runtime(graph(NodePolicy.retry(RetryPolicy.<Desk>attempts(2)), () -> { }));
        StepResult<Desk> r = firstStep(runtime);
        assertThat(r.checkpoint().status()).isEqualTo(Status.FAILED);

        SpanData step = otel.span("step think");
        assertThat(step.getStatus().getStatusCode()).isEqualTo(StatusCode.ERROR);
        assertThat(step.getAttributes().get(TelemetryKeys.STATUS)).isEqualTo("FAILED");
        assertThat(step.getAttributes().get(TelemetryKeys.ERROR_TYPE)).isEqualTo("java.lang.IllegalStateException");
        assertThat(step.getAttributes().get(TelemetryKeys.FAILED_NODE)).isEqualTo("think");
        assertThat(step.getEvents()).filteredOn(e -> e.getName().equals(TelemetryKeys.RETRY_EVENT))
                .singleElement().satisfies(e -> assertThat(e.getAttributes().get(TelemetryKeys.ATTEMPTS)).isEqualTo(2L));
        List<SpanData> chats = otel.spans("chat gpt-test");
        assertThat(chats).hasSize(2).allSatisfy(c -> {
            assertThat(c.getStatus().getStatusCode()).isEqualTo(StatusCode.ERROR);
            assertThat(c.getAttributes().get(TelemetryKeys.ERROR_TYPE)).isEqualTo("java.lang.IllegalStateException");
            assertThat(c.getParentSpanId()).isEqualTo(step.getSpanId());
        });
        assertThat(chats).extracting(c -> c.getAttributes().get(TelemetryKeys.ATTEMPT)).containsExactly(1L, 2L);
        // The exception's message quotes the secret: messages are never recorded.
        otel.finished().forEach(s -> assertThat(s.getStatus().getDescription()).doesNotContain(SECRET));

        List<MetricData> metrics = List.copyOf(otel.metrics.collectAllMetrics());
        assertThat(otel.metric(metrics, "threadline.step.retries").orElseThrow().getLongSumData().getPoints())
                .singleElement().satisfies(p -> assertThat(p.getValue()).isEqualTo(1));
        assertThat(emf.get(0)).contains("\"Retries\":1", "\"Status\":\"FAILED\"");
    }

    @Test
    void aConflictEndsTheStepSpanInErrorAndIsCounted() {
        // While this runtime's step runs its node, another process (a second runtime on the same store) commits
        // a step of the same thread first: the commit of the first one must fail with CONFLICT.
        ThreadRuntime<Desk> other = ThreadRuntime.builder(StateGraph.of(Desk.class)
                .node("note", (s, ctx) -> Update.of(Desk.LOG.append("other"))).chain(START, "note", END).compile())
                .store(store)
                .validator(validator)
                .build();
        AtomicInteger runs = new AtomicInteger();
        ThreadRuntime<Desk> runtime = runtime(graph(NodePolicy.defaults(), () -> {
            if (runs.incrementAndGet() == 1) {
                other.step(thread, Update.none(), null);
            }
        }));
        assertThatThrownBy(() -> firstStep(runtime)).isInstanceOfSatisfying(ThreadlineException.class,
                e -> assertThat(e.code()).isEqualTo(ErrorCode.CONFLICT));

        SpanData step = otel.span("step");
        assertThat(step.getStatus().getStatusCode()).isEqualTo(StatusCode.ERROR);
        assertThat(step.getAttributes().get(TelemetryKeys.ERROR_TYPE)).isEqualTo("CONFLICT");
        SpanData commit = otel.span("checkpoint.commit");
        assertThat(commit.getAttributes().get(TelemetryKeys.ERROR_TYPE)).isEqualTo("CONFLICT");
        assertThat(commit.getParentSpanId()).isEqualTo(step.getSpanId());
        assertThat(otel.metric(List.copyOf(otel.metrics.collectAllMetrics()), "threadline.step.conflicts").orElseThrow()
                .getLongSumData().getPoints()).singleElement().satisfies(p -> assertThat(p.getValue()).isEqualTo(1));
        assertThat(emf).singleElement().satisfies(line -> assertThat(line).contains("\"Conflicts\":1", "\"Status\":\"CONFLICT\""));
        // Nothing of the step stays current after it.
        assertThat(Span.current().getSpanContext().isValid()).isFalse();
        assertThat(MDC.get(TelemetryKeys.MDC_THREAD)).isNull();
    }

    @Test
    void invalidStateFailsTheStepSpanWithoutACommit() {
        ThreadRuntime<Desk> runtime = runtime(StateGraph.of(Desk.class)
                .node("babble", (s, ctx) -> Update.of(Desk.ANSWER.set("far too long an answer for this field")))
                .chain(START, "babble", END).compile());
        assertThatThrownBy(() -> firstStep(runtime)).isInstanceOfSatisfying(ThreadlineException.class,
                e -> assertThat(e.code()).isEqualTo(ErrorCode.VALIDATION_FAILED));
        SpanData step = otel.span("step");
        assertThat(step.getAttributes().get(TelemetryKeys.ERROR_TYPE)).isEqualTo("VALIDATION_FAILED");
        assertThat(step.getAttributes().get(TelemetryKeys.STEP)).isEqualTo(1L);
        assertThat(otel.childrenOf(step)).extracting(SpanData::getName).containsExactly("checkpoint.load");
        assertThat(emf).singleElement().satisfies(line -> assertThat(line).contains("\"Status\":\"VALIDATION_FAILED\""));
    }

    @Test
    void anUnavailableMemoryMarksTheRecallAndTheSearch() {
        MemoryStore down = new MemoryStore() {
            // A memory service that answers nothing: what an outage of OpenSearch looks like to the runtime.
            private ThreadlineException outage() {
                return new ThreadlineException(ErrorCode.DEPENDENCY_UNAVAILABLE, "memory is down");
            }

            @Override
            public PutResult put(MemoryWrite write, Instant now) {
                throw outage();
            }

            @Override
            public Optional<MemoryRecord> get(String tenant, String id) {
                throw outage();
            }

            @Override
            public List<MemoryHit> search(MemoryQuery query, Instant now) {
                throw outage();
            }

            @Override
            public boolean delete(String tenant, String id) {
                throw outage();
            }

            @Override
            public MemoryPruneReport prune(String tenant, int maxPerNamespace, Instant now) {
                throw outage();
            }

            @Override
            public MemoryForgetReport forgetThread(String tenant, String threadId) {
                throw outage();
            }

            @Override
            public MemoryForgetReport forgetWhere(String tenant, Map<String, String> entries) {
                throw outage();
            }
        };
        ThreadRuntime<Desk> runtime = ThreadRuntime.builder(StateGraph.of(Desk.class)
                .node("remind", (s, ctx) -> Update.of(Desk.LOG.append("knew " + ctx.recallIfAvailable("users/1", "tea", 3).size())))
                .chain(START, "remind", END).compile())
                .store(store)
                .validator(validator)
                .options(RuntimeOptions.defaults().withObserver(telemetry))
                .memory(down)
                .chatModel(model)
                .build();
        StepResult<Desk> r = firstStep(runtime);
        assertThat(r.checkpoint().metadata()).containsEntry("degraded", "recall");
        SpanData recall = otel.span("recall");
        assertThat(recall.getStatus().getStatusCode()).isEqualTo(StatusCode.ERROR);
        assertThat(recall.getAttributes().get(TelemetryKeys.ERROR_TYPE)).isEqualTo("DEPENDENCY_UNAVAILABLE");
        SpanData search = otel.span("memory.search");
        assertThat(search.getParentSpanId()).isEqualTo(recall.getSpanId());
        assertThat(search.getAttributes().get(TelemetryKeys.ERROR_TYPE)).isEqualTo("DEPENDENCY_UNAVAILABLE");
        // The step itself went on without memories.
        assertThat(otel.span("step remind").getStatus().getStatusCode()).isEqualTo(StatusCode.UNSET);
    }

    @Test
    void aSyncRetryReusesTheToolResultAndSaysSoInsteadOfCallingAgain() {
        AtomicInteger attempts = new AtomicInteger();
        ThreadRuntime<Desk> runtime = runtime(StateGraph.of(Desk.class)
                .node("pay", (s, ctx) -> {
                    String paid = ctx.executeTool(ToolExecutionRequest.builder().id("c1").name("lookup").arguments("{\"token\":\"abc\"}").build());
                    if (attempts.incrementAndGet() == 1) {
                        throw new IllegalStateException("crashed after the tool call");
                    }
                    return Update.of(Desk.LOG.append(paid));
                }, NodePolicy.<Desk>durability(Durability.SYNC).withRetry(RetryPolicy.<Desk>attempts(2)))
                .chain(START, "pay", END).compile());
        StepResult<Desk> r = firstStep(runtime);
        assertThat(r.checkpoint().status()).isEqualTo(Status.DONE);
        assertThat(otel.spans("execute_tool lookup")).as("the tool ran once").hasSize(1);
        SpanData step = otel.span("step pay");
        assertThat(step.getEvents()).filteredOn(e -> e.getName().equals(TelemetryKeys.REUSED_EVENT)).singleElement()
                .satisfies(e -> {
                    assertThat(e.getAttributes().get(TelemetryKeys.EFFECT_NAME)).isEqualTo("lookup");
                    assertThat(e.getAttributes().get(TelemetryKeys.ATTEMPT)).isEqualTo(2L);
                });
        // SYNC persists each effect as it completes: those writes are spans too.
        assertThat(otel.childrenOf(step)).extracting(SpanData::getName).contains("checkpoint.put_pending_effect");
    }

    @Test
    void anInterruptedStepAndTheResumeThatAnswersItAreBothStepSpans() {
        ThreadRuntime<Desk> runtime = runtime(StateGraph.of(Desk.class)
                .node("ask", (s, ctx) -> Update.of(Desk.ANSWER.set(ctx.interrupt(Map.of("question", "go on?")).path("go").asText())))
                .chain(START, "ask", END).compile());
        StepResult<Desk> asked = firstStep(runtime);
        assertThat(asked.checkpoint().status()).isEqualTo(Status.INTERRUPTED);
        StepResult<Desk> resumed = runtime.resume(thread, new ObjectMapper().createObjectNode().put("go", "yes"), null);
        assertThat(resumed.state().answer()).isEqualTo("yes");

        List<SpanData> steps = otel.spans("step ask");
        assertThat(steps).hasSize(2);
        assertThat(steps.get(0).getAttributes().get(TelemetryKeys.STATUS)).isEqualTo("INTERRUPTED");
        assertThat(steps.get(0).getStatus().getStatusCode()).as("waiting for a human is not an error").isEqualTo(StatusCode.UNSET);
        assertThat(steps.get(1).getAttributes().get(TelemetryKeys.STATUS)).isEqualTo("DONE");
        assertThat(steps.get(1).getAttributes().get(TelemetryKeys.PARENT_ID)).isEqualTo(asked.checkpoint().id().value());
        assertThat(emf).hasSize(2);
    }

    @Test
    void forkRewindAndUpdateAreSpansOfTheirOwnButNotSteps() {
        ThreadRuntime<Desk> runtime = runtime(graph(NodePolicy.defaults(), () -> { }));
        StepResult<Desk> first = firstStep(runtime);
        emf.clear();

        StepResult<Desk> forked = runtime.fork(thread, first.checkpoint().id(),
                ThreadKey.of("acme", "desk-2"), "try another answer");
        StepResult<Desk> updated = runtime.update(thread, Update.of(Desk.ANSWER.set("by hand")), "operator fix");
        runtime.rewind(thread, first.checkpoint().id(), "undo the fix");
        assertThatThrownBy(() -> runtime.update(thread, Update.of(Desk.ANSWER.set("x".repeat(50))), "too long"))
                .isInstanceOf(ThreadlineException.class);

        SpanData fork = otel.span("fork");
        assertThat(fork.getAttributes().get(TelemetryKeys.THREAD_ID)).isEqualTo("desk-2");
        assertThat(fork.getAttributes().get(TelemetryKeys.OPERATION)).isEqualTo("fork");
        assertThat(fork.getAttributes().get(TelemetryKeys.CHECKPOINT_ID)).isEqualTo(forked.checkpoint().id().value());
        List<SpanData> updates = otel.spans("update");
        assertThat(updates).hasSize(2);
        assertThat(updates.get(0).getAttributes().get(TelemetryKeys.CHECKPOINT_ID)).isEqualTo(updated.checkpoint().id().value());
        assertThat(updates.get(0).getAttributes().get(TelemetryKeys.PARENT_ID)).isEqualTo(first.checkpoint().id().value());
        assertThat(updates.get(1).getStatus().getStatusCode()).as("an invalid update fails its span").isEqualTo(StatusCode.ERROR);
        assertThat(otel.span("rewind").getAttributes().get(TelemetryKeys.STEP)).isEqualTo(3L);
        assertThat(otel.childrenOf(fork)).as("the store calls are under it").isNotEmpty();
        assertThat(emf).as("no EMF step line for what no node did").isEmpty();
    }

    @Test
    void aStepInsideAnInvocationSpanIsItsChild() {
        ThreadRuntime<Desk> runtime = runtime(graph(NodePolicy.defaults(), () -> { }));
        Span invocation = otel.sdk.getTracer("test").spanBuilder("threadline step").startSpan();
        try (var ignored = invocation.makeCurrent()) {
            firstStep(runtime);
        } finally {
            invocation.end();
        }
        SpanData step = otel.span("step think");
        assertThat(step.getParentSpanId()).isEqualTo(invocation.getSpanContext().getSpanId());
        assertThat(step.getTraceId()).isEqualTo(invocation.getSpanContext().getTraceId());
    }

    @Test
    void withoutAnObserverTheRuntimeExportsNothing() {
        ThreadRuntime<Desk> plain = ThreadRuntime.builder(graph(NodePolicy.defaults(), () -> { }))
                .store(store)
                .validator(validator)
                .memory(memory)
                .chatModel(model)
                .tools(ToolBox.of(new Lookup()))
                .build();
        plain.step(thread, Update.of(Desk.API_TOKEN.set(SECRET)), null);
        assertThat(otel.finished()).isEmpty();
        assertThat(emf).isEmpty();
        assertThat(mdcInNode.get()).doesNotContainKey(TelemetryKeys.MDC_THREAD);
    }

    static AttributeKey<String> key(String name) {
        return AttributeKey.stringKey(name);
    }
}
