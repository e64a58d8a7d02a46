package io.threadline.models;

import dev.langchain4j.model.embedding.EmbeddingModel;
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

/**
 * Cohere Embed v3 on Bedrock (an {@code embedding-model-id} of {@code cohere.*}): langchain4j's BedrockCohereEmbeddingModel
 * sends the texts as documents, truncated at the end, and reads the float vectors of the answer — against
 * {@link FakeBedrock} on loopback.
 */
class BedrockCohereTest {

    private static final FakeBedrock BEDROCK = new FakeBedrock();
    private static BedrockRuntimeClient client;
    private static EmbeddingModel model;

    @BeforeAll
    static void start() {
        URI endpoint = URI.create(BEDROCK.start().get("threadline.bedrock.endpoint-override"));
        BedrockSettings settings = new BedrockSettings("amazon.nova-lite-v1:0", "cohere.embed-multilingual-v3", 1024,
                Optional.of("eu-west-1"), Optional.of(endpoint), Duration.ofSeconds(5), Duration.ofSeconds(1), 1, OptionalInt.empty());
        client = BedrockModels.client(settings, Clock.systemUTC());
        model = BedrockModels.embeddingModel(client, settings);
    }

    @AfterAll
    static void stop() {
        client.close();
        BEDROCK.stop();
        FakeBedrock.REQUESTS.clear();
    }

    @Test
    void textsAreEmbeddedAsDocumentsThroughInvokeModel() {
        FakeBedrock.REQUESTS.clear();
        float[] tea = model.embed("prefers green tea").content().vector();
        float[] again = model.embed("green tea").content().vector();

        assertThat(tea).hasSize(1024);
        assertThat(again).hasSize(1024);
        assertThat(FakeBedrock.REQUESTS).hasSize(2).allSatisfy(r -> {
            assertThat(r.path()).isEqualTo("/model/cohere.embed-multilingual-v3/invoke");
            assertThat(r.body().path("input_type").asText()).isEqualTo("search_document");
            assertThat(r.body().path("truncate").asText()).isEqualTo("END");
            assertThat(r.authorization()).contains("/eu-west-1/bedrock/aws4_request");
        });
        assertThat(FakeBedrock.REQUESTS.get(0).body().path("texts").get(0).asText()).isEqualTo("prefers green tea");
        double dot = 0;
        for (int i = 0; i < tea.length; i++) {
            dot += tea[i] * again[i];
        }
        assertThat(dot).as("shared words, shared dimensions").isGreaterThan(0);
    }
}
