package io.threadline.models;

import dev.langchain4j.model.bedrock.BedrockCohereEmbeddingModel;
import dev.langchain4j.model.embedding.EmbeddingModel;
import io.threadline.ThreadlineException;
import io.threadline.memory.Embeddings;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import software.amazon.awssdk.services.bedrockruntime.BedrockRuntimeClient;

import java.net.URI;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.OptionalInt;
import java.util.stream.IntStream;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * Cohere Embed v3 on Bedrock (an {@code embedding-model-id} of {@code cohere.*}): langchain4j's BedrockCohereEmbeddingModel
 * sends the texts as documents, truncated at the end, and reads the float vectors of the answer — against
 * {@link FakeBedrock} on loopback, which refuses what Bedrock refuses: more than 96 texts in one Cohere call, more than
 * one text in one Titan call. {@link Embeddings#embedAll} hands a whole bulk write's texts (up to
 * {@code threadline.memory.opensearch.bulk-size}, 500) to the model at once; the model splits them per its limit.
 */
class BedrockCohereTest {

    private static final FakeBedrock BEDROCK = new FakeBedrock();
    private static BedrockRuntimeClient client;
    private static EmbeddingModel model;
    private static EmbeddingModel titan;

    @BeforeAll
    static void start() {
        URI endpoint = URI.create(BEDROCK.start().get("threadline.bedrock.endpoint-override"));
        BedrockSettings settings = new BedrockSettings("amazon.nova-lite-v1:0", "cohere.embed-multilingual-v3", 1024,
                Optional.of("eu-west-1"), Optional.of(endpoint), Duration.ofSeconds(5), Duration.ofSeconds(1), 1, OptionalInt.empty());
        client = BedrockModels.client(settings, Clock.systemUTC());
        model = BedrockModels.embeddingModel(client, settings);
        titan = BedrockModels.embeddingModel(client, new BedrockSettings("amazon.nova-lite-v1:0", "amazon.titan-embed-text-v2:0", 256,
                Optional.of("eu-west-1"), Optional.of(endpoint), Duration.ofSeconds(5), Duration.ofSeconds(1), 1, OptionalInt.empty()));
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

    @Test
    void aBulkWritesTextsReachCohereInCallsOfAtMost96InOrder() {
        List<String> texts = IntStream.range(0, 200).mapToObj(i -> "memory " + i + " prefers tea number " + i).toList();
        FakeBedrock.REQUESTS.clear();

        float[][] vectors = new Embeddings(model).embedAll(texts);

        assertThat(FakeBedrock.REQUESTS).extracting(r -> r.body().path("texts").size()).containsExactly(96, 96, 8);
        assertThat(FakeBedrock.REQUESTS.get(2).body().path("texts").get(0).asText()).isEqualTo(texts.get(192));
        assertThat(vectors).hasNumberOfRows(200);
        assertThat(vectors[150]).as("vector i is text i's").containsExactly(new Embeddings(model).embed(texts.get(150)));
    }

    @Test
    void aBulkWritesTextsReachTitanOneTextACall() {
        List<String> texts = List.of("green tea", "black coffee", "oolong");
        FakeBedrock.REQUESTS.clear();

        float[][] vectors = new Embeddings(titan).embedAll(texts);

        assertThat(FakeBedrock.REQUESTS).extracting(r -> r.body().path("inputText").asText()).containsExactly(texts.toArray(String[]::new));
        assertThat(vectors).hasNumberOfRows(3);
        assertThat(vectors[2]).hasSize(256).containsExactly(new Embeddings(titan).embed("oolong"));
    }

    @Test
    void moreTextsThanCohereTakesInOneCallAreRefusedAsBedrockDoes() {
        FakeBedrock.REQUESTS.clear();
        var tooMany = BedrockCohereEmbeddingModel.builder().client(client).model("cohere.embed-multilingual-v3").maxSegmentsPerBatch(100)
                .inputType(BedrockCohereEmbeddingModel.InputType.SEARCH_DOCUMENT)
                .maxRetries(0).build();

        assertThatThrownBy(() -> new Embeddings(tooMany).embedAll(IntStream.range(0, 100).mapToObj(i -> "t" + i).toList()))
                .isInstanceOf(ThreadlineException.class).hasMessageContaining("expected maximum item count: 96");
    }
}
