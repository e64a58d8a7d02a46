package io.threadline.models;

import dev.langchain4j.model.bedrock.BedrockCohereEmbeddingModel;
import dev.langchain4j.model.bedrock.BedrockTitanEmbeddingModel;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import software.amazon.awssdk.services.bedrockruntime.BedrockRuntimeClient;

import java.net.URI;
import java.time.Clock;
import java.time.Duration;
import java.util.Optional;
import java.util.OptionalInt;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** The embedding model and settings checks of {@link BedrockModels}: a dimension the model cannot give is refused before any call. */
class BedrockModelsTest {

    private static BedrockRuntimeClient client;

    @BeforeAll
    static void client() {
        client = BedrockModels.client(settings("amazon.titan-embed-text-v2:0", 1024), Clock.systemUTC());
    }

    @AfterAll
    static void close() {
        client.close();
    }

    static BedrockSettings settings(String embeddingModel, int dimension) {
        return new BedrockSettings("amazon.nova-lite-v1:0", embeddingModel, dimension, Optional.of("eu-west-1"),
                Optional.of(URI.create("http://127.0.0.1:9")), Duration.ofSeconds(5), Duration.ofSeconds(1), 1, OptionalInt.empty());
    }

    @Test
    void titanAndCohereAreBuiltForTheirDimensions() {
        assertThat(BedrockModels.embeddingModel(client, settings("amazon.titan-embed-text-v2:0", 512)))
                .isInstanceOfSatisfying(BedrockTitanEmbeddingModel.class, m -> assertThat(m.getDimensions()).isEqualTo(512));
        assertThat(BedrockModels.embeddingModel(client, settings("amazon.titan-embed-text-v1", 1536))).isInstanceOf(BedrockTitanEmbeddingModel.class);
        assertThat(BedrockModels.embeddingModel(client, settings("cohere.embed-multilingual-v3", 1024))).isInstanceOf(BedrockCohereEmbeddingModel.class);
    }

    @Test
    void aDimensionTheModelCannotGiveIsRefused() {
        assertThatThrownBy(() -> BedrockModels.embeddingModel(client, settings("amazon.titan-embed-text-v2:0", 384)))
                .hasMessageContaining("must be 256, 512 or 1024");
        assertThatThrownBy(() -> BedrockModels.embeddingModel(client, settings("amazon.titan-embed-text-v1", 1024)))
                .hasMessageContaining("threadline.bedrock.embedding-dimension=1536");
        assertThatThrownBy(() -> BedrockModels.embeddingModel(client, settings("cohere.embed-english-v3", 512)))
                .hasMessageContaining("threadline.bedrock.embedding-dimension=1024");
    }

    @Test
    void anythingButTitanOrCohereIsRefused() {
        assertThatThrownBy(() -> BedrockModels.embeddingModel(client, settings("amazon.nova-lite-v1:0", 1024)))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("must be a Titan");
    }

    @Test
    void settingsAreChecked() {
        assertThatThrownBy(() -> settings("amazon.titan-embed-text-v2:0", 0)).hasMessageContaining("embedding-dimension must be positive");
        assertThatThrownBy(() -> new BedrockSettings("m", "e", 1024, Optional.empty(), Optional.empty(), Duration.ZERO,
                Duration.ofSeconds(1), 1, OptionalInt.empty())).hasMessageContaining("timeout");
        assertThatThrownBy(() -> new BedrockSettings("m", "e", 1024, Optional.empty(), Optional.empty(), Duration.ofSeconds(1),
                Duration.ofSeconds(1), 0, OptionalInt.empty())).hasMessageContaining("max-attempts must be at least 1");
    }
}
