package io.threadline.config;

import dev.langchain4j.model.embedding.EmbeddingModel;
import dev.langchain4j.model.openai.OpenAiEmbeddingModel;
import io.quarkus.arc.ClientProxy;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.QuarkusTestProfile;
import io.quarkus.test.junit.TestProfile;
import io.threadline.ErrorCode;
import io.threadline.ThreadlineException;
import io.threadline.memory.MemoryHit;
import io.threadline.memory.MemoryQuery;
import io.threadline.memory.MemoryStore;
import io.threadline.memory.MemoryWrite;
import jakarta.enterprise.inject.Instance;
import jakarta.inject.Inject;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.time.Instant;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * The hosted embedding model, end to end: built with {@code quarkus.langchain4j.embedding-model.provider=openai},
 * the application's EmbeddingModel bean is quarkus-langchain4j's OpenAI client, and the memory store embeds
 * through it — over HTTP, against an OpenAI-compatible endpoint on loopback ({@link FakeOpenAiEmbeddings}).
 * (The other Quarkus tests build without that property and start with no OpenAI key at all.)
 */
@QuarkusTest
@TestProfile(OpenAiEmbeddingWiringTest.WithOpenAi.class)
class OpenAiEmbeddingWiringTest {

    public static class WithOpenAi implements QuarkusTestProfile {
        @Override
        public Map<String, String> getConfigOverrides() {
            return Map.of("threadline.memory.store", "memory",
                    // Build time: selects the OpenAI embedding model (and switches TestEmbeddingModel off).
                    "quarkus.langchain4j.embedding-model.provider", "openai",
                    "quarkus.langchain4j.openai.embedding-model.model-name", "text-embedding-3-small",
                    "quarkus.langchain4j.openai.max-retries", "1");
        }

        @Override
        public List<TestResourceEntry> testResources() {
            return List.of(new TestResourceEntry(FakeOpenAiEmbeddings.class));
        }
    }

    @Inject
    MemoryStores memory;

    @Inject
    Instance<EmbeddingModel> models;

    @BeforeEach
    @AfterEach
    void reset() {
        FakeOpenAiEmbeddings.failing = false;
        FakeOpenAiEmbeddings.REQUESTS.clear();
    }

    @Test
    void theEmbeddingModelIsTheOpenAiClient() {
        assertThat(models.isResolvable()).isTrue();
        assertThat(ClientProxy.unwrap(models.get())).isInstanceOf(OpenAiEmbeddingModel.class);
    }

    @Test
    void memoriesAreEmbeddedByTheHostedModelOverHttp() {
        MemoryStore store = memory.store().orElseThrow();
        Instant now = Instant.parse("2026-06-01T12:00:00Z");
        store.put(MemoryWrite.of("acme", "users/7", "prefers green tea in the morning"), now);
        store.put(MemoryWrite.of("acme", "users/7", "the quarterly report is due friday"), now);

        List<MemoryHit> hits = store.search(MemoryQuery.text("acme", "green tea", 2), now);

        assertThat(hits).hasSize(2);
        assertThat(hits.get(0).memory().content()).isEqualTo("prefers green tea in the morning");
        assertThat(hits.get(0).similarity()).isGreaterThan(hits.get(1).similarity());
        assertThat(FakeOpenAiEmbeddings.REQUESTS).extracting(FakeOpenAiEmbeddings.Request::inputs).containsExactly(
                List.of("prefers green tea in the morning"), List.of("the quarterly report is due friday"), List.of("green tea"));
        assertThat(FakeOpenAiEmbeddings.REQUESTS).allSatisfy(r -> {
            assertThat(r.model()).isEqualTo("text-embedding-3-small");
            assertThat(r.authorization()).isEqualTo("Bearer " + FakeOpenAiEmbeddings.API_KEY);
        });
    }

    @Test
    void aFailingEmbeddingEndpointIsDependencyUnavailable() {
        MemoryStore store = memory.store().orElseThrow();
        FakeOpenAiEmbeddings.failing = true;
        assertThatThrownBy(() -> store.put(MemoryWrite.of("acme", "users/7", "anything at all"), Instant.now()))
                .isInstanceOfSatisfying(ThreadlineException.class, e -> assertThat(e.code()).isEqualTo(ErrorCode.DEPENDENCY_UNAVAILABLE));
        assertThatThrownBy(() -> store.search(MemoryQuery.text("acme", "anything", 1), Instant.now()))
                .isInstanceOfSatisfying(ThreadlineException.class, e -> assertThat(e.code()).isEqualTo(ErrorCode.DEPENDENCY_UNAVAILABLE));
        assertThat(FakeOpenAiEmbeddings.REQUESTS).isNotEmpty();
    }
}
