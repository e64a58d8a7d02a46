package io.threadline.models;

import com.fasterxml.jackson.databind.JsonNode;
import dev.langchain4j.agent.tool.ToolSpecification;
import dev.langchain4j.data.message.AiMessage;
import dev.langchain4j.data.message.UserMessage;
import dev.langchain4j.exception.InvalidRequestException;
import dev.langchain4j.model.bedrock.BedrockChatModel;
import dev.langchain4j.model.chat.ChatModel;
import dev.langchain4j.model.chat.request.ChatRequest;
import dev.langchain4j.model.chat.request.json.JsonObjectSchema;
import io.quarkus.arc.ClientProxy;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.QuarkusTestProfile;
import io.quarkus.test.junit.TestProfile;
import io.threadline.ErrorCode;
import io.threadline.ThreadlineException;
import io.threadline.examples.reference.AgentState;
import io.threadline.examples.reference.Message;
import io.threadline.checkpoint.ThreadKey;
import io.threadline.config.MemoryStores;
import io.threadline.memory.MemoryHit;
import io.threadline.memory.MemoryQuery;
import io.threadline.memory.MemoryStore;
import io.threadline.memory.MemoryWrite;
import io.threadline.runtime.RunBudget;
import io.threadline.runtime.RunResult;
import io.threadline.runtime.ThreadRuntime;
import io.threadline.state.Update;
import jakarta.inject.Inject;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.UUID;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * Amazon Bedrock chosen at run time ({@code threadline.models.*.provider=bedrock}): the application's chat model and
 * memory embeddings are langchain4j's real Bedrock clients (BedrockChatModel on the Converse API, BedrockTitanEmbeddingModel
 * on InvokeModel) over the AWS SDK, signed with static test credentials, against {@link FakeBedrock} on loopback —
 * never AWS. The reference agent runs a tool round through it end to end.
 */
@QuarkusTest
@TestProfile(BedrockWiringTest.WithBedrock.class)
class BedrockWiringTest {

    static final String CHAT_MODEL = "amazon.nova-lite-v1:0";
    static final String EMBEDDING_MODEL = "amazon.titan-embed-text-v2:0";

    public static class WithBedrock implements QuarkusTestProfile {
        @Override
        public Map<String, String> getConfigOverrides() {
            return Map.of("threadline.models.chat.provider", "bedrock",
                    "threadline.models.embedding.provider", "bedrock",
                    "threadline.memory.store", "memory",
                    "threadline.bedrock.region", "eu-west-1",
                    "threadline.bedrock.chat-model-id", CHAT_MODEL,
                    "threadline.bedrock.embedding-model-id", EMBEDDING_MODEL,
                    "threadline.bedrock.embedding-dimension", "256",
                    // One attempt: a throttled call answers at once (the SDK would back off and retry otherwise).
                    "threadline.bedrock.max-attempts", "1");
        }

        @Override
        public List<TestResourceEntry> testResources() {
            return List.of(new TestResourceEntry(FakeBedrock.class));
        }
    }

    @Inject
    ChatModel chatModel;

    @Inject
    MemoryStores memory;

    @Inject
    ThreadRuntime<AgentState> runtime;

    @BeforeEach
    @AfterEach
    void reset() {
        FakeBedrock.throttling = false;
        FakeBedrock.refusing = false;
        FakeBedrock.REQUESTS.clear();
    }

    @Test
    void theChatModelIsLangchain4jsBedrockClient() {
        ChatModel bean = (ChatModel) ClientProxy.unwrap(chatModel);
        assertThat(bean).isInstanceOf(ModelFailures.Chat.class);
        assertThat(((ModelFailures.Chat) bean).delegate()).isInstanceOf(BedrockChatModel.class);
    }

    @Test
    void aToolCallAnswerBecomesAToolExecutionRequest() {
        ToolSpecification calculator = ToolSpecification.builder().name("calculator").description("one arithmetic operation")
                .parameters(JsonObjectSchema.builder().addStringProperty("expression").required("expression").build()).build();

        AiMessage reply = chatModel.chat(ChatRequest.builder().messages(UserMessage.from("what is 6 * 7"))
                .toolSpecifications(calculator).build()).aiMessage();

        assertThat(reply.toolExecutionRequests()).singleElement().satisfies(call -> {
            assertThat(call.id()).isEqualTo("tooluse_threadline_1");
            assertThat(call.name()).isEqualTo("calculator");
            assertThat(call.arguments()).contains("\"expression\"").contains("6 * 7");
        });
        FakeBedrock.Request sent = FakeBedrock.REQUESTS.get(0);
        assertThat(sent.path()).isEqualTo("/model/" + CHAT_MODEL + "/converse");
        assertThat(sent.authorization()).startsWith("AWS4-HMAC-SHA256 Credential=" + FakeBedrock.ACCESS_KEY + "/")
                .contains("/eu-west-1/bedrock/aws4_request");
        JsonNode body = sent.body();
        assertThat(body.path("messages").get(0).path("role").asText()).isEqualTo("user");
        assertThat(body.path("messages").get(0).path("content").get(0).path("text").asText()).isEqualTo("what is 6 * 7");
        JsonNode tool = body.path("toolConfig").path("tools").get(0).path("toolSpec");
        assertThat(tool.path("name").asText()).isEqualTo("calculator");
        assertThat(tool.path("inputSchema").path("json").path("properties").has("expression")).isTrue();
    }

    @Test
    void theReferenceAgentRunsAToolRoundOnBedrock() {
        RunResult<AgentState> run = runtime.run(ThreadKey.of("bedrock", "t-" + UUID.randomUUID()),
                Update.of(AgentState.MESSAGES.append(Message.user("what is 6 * 7"))), RunBudget.steps(5));

        assertThat(run.stopReason()).isEqualTo(RunResult.StopReason.DONE);
        assertThat(run.state().messages().get(run.state().messages().size() - 1).content()).isEqualTo("The result is 42.");
        List<FakeBedrock.Request> converse = FakeBedrock.REQUESTS.stream().filter(r -> r.path().endsWith("/converse")).toList();
        assertThat(converse).hasSize(2);
        // The second call hands back the tool's result under the id of the model's tool use.
        JsonNode messages = converse.get(1).body().path("messages");
        JsonNode result = messages.get(messages.size() - 1).path("content").get(0).path("toolResult");
        assertThat(result.path("toolUseId").asText()).isEqualTo("tooluse_threadline_1");
        assertThat(result.path("content").get(0).path("text").asText()).isEqualTo("42");
        assertThat(converse.get(1).body().path("toolConfig").path("tools")).isNotEmpty();
        // Memory: the recall in process and the remembered answer were embedded by Titan on Bedrock.
        assertThat(FakeBedrock.REQUESTS).anySatisfy(r -> assertThat(r.path()).isEqualTo("/model/" + EMBEDDING_MODEL + "/invoke"));
    }

    @Test
    void memoriesAreEmbeddedByTitanOnBedrock() {
        MemoryStore store = memory.store().orElseThrow();
        Instant now = Instant.parse("2026-06-01T12:00:00Z");
        store.put(MemoryWrite.of("acme", "users/7", "prefers green tea in the morning"), now);
        store.put(MemoryWrite.of("acme", "users/7", "the quarterly report is due friday"), now);

        List<MemoryHit> hits = store.search(MemoryQuery.text("acme", "green tea", 2), now);

        assertThat(hits.get(0).memory().content()).isEqualTo("prefers green tea in the morning");
        assertThat(hits.get(0).memory().embedding()).isEmpty(); // hits carry no vector
        assertThat(store.get("acme", hits.get(0).memory().id()).orElseThrow().embedding()).hasSize(256);
        assertThat(FakeBedrock.REQUESTS).extracting(r -> r.body().path("inputText").asText())
                .containsExactly("prefers green tea in the morning", "the quarterly report is due friday", "green tea");
        assertThat(FakeBedrock.REQUESTS).allSatisfy(r -> {
            assertThat(r.path()).isEqualTo("/model/" + EMBEDDING_MODEL + "/invoke");
            assertThat(r.body().path("dimensions").asInt()).isEqualTo(256);
            assertThat(r.authorization()).contains("/eu-west-1/bedrock/aws4_request");
        });
    }

    @Test
    void throttlingIsDependencyUnavailable() {
        FakeBedrock.throttling = true;

        assertThatThrownBy(() -> chatModel.chat(ChatRequest.builder().messages(UserMessage.from("what is 6 * 7")).build()))
                .isInstanceOfSatisfying(ThreadlineException.class, e -> {
                    assertThat(e.code()).isEqualTo(ErrorCode.DEPENDENCY_UNAVAILABLE);
                    assertThat(e.getMessage()).contains(CHAT_MODEL).contains("safe to retry");
                });
        assertThatThrownBy(() -> memory.store().orElseThrow().put(MemoryWrite.of("acme", "users/7", "anything at all"), Instant.now()))
                .isInstanceOfSatisfying(ThreadlineException.class, e -> assertThat(e.code()).isEqualTo(ErrorCode.DEPENDENCY_UNAVAILABLE));
        // A step whose model call is throttled answers DEPENDENCY_UNAVAILABLE and commits nothing: the thread has no state.
        ThreadKey thread = ThreadKey.of("bedrock", "throttled-" + UUID.randomUUID());
        assertThatThrownBy(() -> runtime.step(thread, Update.of(AgentState.MESSAGES.append(Message.user("what is 6 * 7"))), null))
                .isInstanceOfSatisfying(ThreadlineException.class, e -> assertThat(e.code()).isEqualTo(ErrorCode.DEPENDENCY_UNAVAILABLE));
        assertThatThrownBy(() -> runtime.state(thread))
                .isInstanceOfSatisfying(ThreadlineException.class, e -> assertThat(e.code()).isEqualTo(ErrorCode.THREAD_NOT_FOUND));
        // max-attempts=1: one request per call, no retry behind the caller's back.
        assertThat(FakeBedrock.REQUESTS.stream().filter(r -> r.path().endsWith("/converse")).count()).isEqualTo(2);
    }

    @Test
    void aRefusedRequestIsTheModelsOwnFailureNotAnOutage() {
        FakeBedrock.refusing = true;

        assertThatThrownBy(() -> chatModel.chat(ChatRequest.builder().messages(UserMessage.from("hello")).build()))
                .isNotInstanceOf(ThreadlineException.class)
                .isInstanceOf(InvalidRequestException.class)
                .hasMessageContaining("malformed input request");
    }
}
