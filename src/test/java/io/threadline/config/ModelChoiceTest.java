package io.threadline.config;

import io.smallrye.config.SmallRyeConfig;
import io.threadline.ErrorCode;
import io.threadline.ThreadlineException;
import org.junit.jupiter.api.Test;

import java.time.Clock;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * The run-time choices of {@code threadline.models.*} and {@code threadline.memory.opensearch.signing*}, read by the
 * real config mappings: each unknown value, and OpenAI in a build without it, stops the start-up with a message
 * saying what to set.
 */
class ModelChoiceTest {

    private static SmallRyeConfig config(Map<String, String> values) {
        return MemoryStoresFixture.config(values);
    }

    private static ModelChoice choice(Map<String, String> values) {
        SmallRyeConfig c = config(values);
        ModelChoice choice = new ModelChoice();
        choice.models = c.getConfigMapping(ModelsConfig.class);
        choice.bedrock = c.getConfigMapping(BedrockConfig.class);
        return choice;
    }

    @Test
    void theLocalModelIsTheDefault() {
        // No hosted model: the default producer (examples.reference.LocalChatModelProducer) makes the offline one.
        assertThat(choice(Map.of()).hostedChatModel()).isEmpty();
        assertThat(choice(Map.of("threadline.models.chat.provider", "local")).hostedChatModel()).isEmpty();
    }

    @Test
    void openAiNeedsItsBuild() {
        assertThatThrownBy(() -> choice(Map.of("threadline.models.chat.provider", "openai")).hostedChatModel())
                .isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("-Dquarkus.langchain4j.chat-model.provider=openai");
    }

    @Test
    void anUnknownChatProviderIsRefused() {
        assertThatThrownBy(() -> choice(Map.of("threadline.models.chat.provider", "gpt")).hostedChatModel())
                .isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("threadline.models.chat.provider must be local, bedrock or openai, got 'gpt'");
    }

    @Test
    void anUnknownEmbeddingProviderIsRefused() {
        assertThatThrownBy(() -> choice(Map.of("threadline.models.embedding.provider", "titan")).embeddingModel())
                .isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("threadline.models.embedding.provider must be default or bedrock, got 'titan'");
    }

    @Test
    void signingValuesAreCheckedAtStartUp() {
        for (Map.Entry<String, String> bad : Map.of("threadline.memory.opensearch.signing", "sigv4",
                "threadline.memory.opensearch.signing-service", "opensearch").entrySet()) {
            MemoryStores stores = new MemoryStores();
            stores.config = config(Map.of("threadline.memory.store", "opensearch", bad.getKey(), bad.getValue()))
                    .getConfigMapping(MemoryConfig.class);
            // (Bedrock embeddings: built on the first call, so the choice at start-up needs no bean)
            stores.models = choice(Map.of("threadline.models.embedding.provider", "bedrock"));
            stores.clock = Clock.systemUTC();
            assertThatThrownBy(stores::store).isInstanceOfSatisfying(ThreadlineException.class,
                            e -> assertThat(e.code()).isEqualTo(ErrorCode.MISCONFIGURED))
                    .hasMessageContaining(bad.getKey()).hasMessageContaining("'" + bad.getValue() + "'");
        }
    }
}
