package io.threadline.models;

import io.quarkus.test.common.QuarkusTestResourceLifecycleManager;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.QuarkusTestProfile;
import io.quarkus.test.junit.TestProfile;
import io.threadline.examples.reference.AgentState;
import io.threadline.examples.reference.Message;
import io.threadline.checkpoint.ThreadKey;
import io.threadline.memory.opensearch.OpenSearchClients;
import io.threadline.memory.opensearch.OpenSearchNode;
import io.threadline.memory.opensearch.RecordingProxy;
import io.threadline.runtime.RunBudget;
import io.threadline.runtime.RunResult;
import io.threadline.runtime.ThreadRuntime;
import io.threadline.state.Update;
import jakarta.inject.Inject;
import org.junit.jupiter.api.Test;
import org.opensearch.client.opensearch.OpenSearchClient;

import java.util.List;
import java.util.Map;
import java.util.UUID;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The configuration template.yaml gives the functions, run locally: chat and embeddings on Bedrock
 * ({@link FakeBedrock}), long-term memory on OpenSearch with every request SigV4-signed (service {@code es}) — here
 * the real local node behind a {@link RecordingProxy}, with the lucene engine the local node has (faiss on AWS).
 * The reference agent remembers an answer in one conversation and recalls it in the next; the index is created
 * with the dimension of the Bedrock embedding model.
 */
@QuarkusTest
@TestProfile(AwsStackWiringTest.AwsStack.class)
class AwsStackWiringTest {

    static final String INDEX = "aws-stack-" + UUID.randomUUID();

    public static class AwsStack implements QuarkusTestProfile {
        @Override
        public Map<String, String> getConfigOverrides() {
            return Map.ofEntries(Map.entry("threadline.models.chat.provider", "bedrock"),
                    Map.entry("threadline.models.embedding.provider", "bedrock"),
                    Map.entry("threadline.bedrock.region", "eu-west-1"),
                    Map.entry("threadline.bedrock.embedding-dimension", "512"),
                    Map.entry("threadline.bedrock.max-attempts", "1"),
                    Map.entry("threadline.memory.store", "opensearch"),
                    Map.entry("threadline.memory.opensearch.index", INDEX),
                    Map.entry("threadline.memory.opensearch.engine", "lucene"),
                    Map.entry("threadline.memory.opensearch.signing", "aws-sigv4"),
                    Map.entry("threadline.memory.opensearch.signing-service", "es"),
                    Map.entry("threadline.memory.opensearch.signing-region", "eu-west-1"));
        }

        @Override
        public List<TestResourceEntry> testResources() {
            return List.of(new TestResourceEntry(FakeBedrock.class), new TestResourceEntry(SigningProxy.class));
        }
    }

    /** The local node behind a recording proxy; points threadline.memory.opensearch.url at the proxy. */
    public static class SigningProxy implements QuarkusTestResourceLifecycleManager {
        static RecordingProxy proxy;

        @Override
        public Map<String, String> start() {
            proxy = RecordingProxy.to(OpenSearchNode.get().endpoint());
            return Map.of("threadline.memory.opensearch.url", proxy.endpoint().toString());
        }

        @Override
        public void stop() {
            if (proxy != null) {
                proxy.close();
            }
        }
    }

    @Inject
    ThreadRuntime<AgentState> runtime;

    @Test
    void theAgentRemembersAndRecallsThroughSignedOpenSearchWithBedrockEmbeddings() throws Exception {
        RunResult<AgentState> first = runtime.run(ThreadKey.of("aws", "first-" + UUID.randomUUID()),
                Update.of(AgentState.MESSAGES.append(Message.user("what is 6 * 7"))), RunBudget.steps(5));
        RunResult<AgentState> second = runtime.run(ThreadKey.of("aws", "second-" + UUID.randomUUID()),
                Update.of(AgentState.MESSAGES.append(Message.user("what is 6 * 7"))), RunBudget.steps(5));

        assertThat(first.stopReason()).isEqualTo(RunResult.StopReason.DONE);
        assertThat(second.stopReason()).isEqualTo(RunResult.StopReason.DONE);
        assertThat(second.state().messages().get(1).content()).contains("recalled: asked 'what is 6 * 7', answered: The result is 42.");

        List<RecordingProxy.Recorded> requests = SigningProxy.proxy.requests();
        assertThat(requests).isNotEmpty().allSatisfy(r -> assertThat(r.headers().get("authorization"))
                .startsWith("AWS4-HMAC-SHA256 Credential=" + FakeBedrock.ACCESS_KEY + "/").contains("/eu-west-1/es/aws4_request"));
        assertThat(requests).anySatisfy(r -> assertThat(r.pathAndQuery()).startsWith("/" + INDEX + "/_search"));
        assertThat(FakeBedrock.REQUESTS).anySatisfy(r -> assertThat(r.body().path("dimensions").asInt()).isEqualTo(512));

        OpenSearchClient direct = OpenSearchClients.create(OpenSearchNode.get().endpoint());
        assertThat(direct.indices().getMapping(g -> g.index(INDEX)).result().get(INDEX).mappings().properties().get("embedding")
                .knnVector().dimension()).isEqualTo(512);
        direct.indices().delete(d -> d.index(INDEX));
    }
}
