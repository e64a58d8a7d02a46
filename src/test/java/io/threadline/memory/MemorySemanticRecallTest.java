package io.threadline.memory;

import dev.langchain4j.model.embedding.onnx.allminilml6v2.AllMiniLmL6V2EmbeddingModel;
import org.assertj.core.data.Offset;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.time.Instant;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Recall by meaning, not words, with the default in-process embedding model (MiniLM L6 v2, 384
 * dimensions, shipped in a Maven artifact, offline).
 */
class MemorySemanticRecallTest {

    private static Embeddings embeddings;

    @BeforeAll
    static void model() {
        embeddings = new Embeddings(new AllMiniLmL6V2EmbeddingModel());
    }

    @Test
    void theModelIsTheDocumentedOne() {
        assertThat(embeddings.dimension()).isEqualTo(384);
        float[] v = embeddings.embed("hello");
        assertThat(Embeddings.cosine(v, v)).isCloseTo(1.0, Offset.offset(1e-5));
    }

    @Test
    void aQueryFindsTheMemoryThatMeansTheSameWithoutSharingItsWords() {
        MemoryStore store = new InMemoryMemoryStore(embeddings, MemorySettings.DEFAULT);
        Instant now = Instant.parse("2026-06-01T12:00:00Z");
        store.put(MemoryWrite.of("acme", "users/7", "I adore my little kitten"), now);
        store.put(MemoryWrite.of("acme", "users/7", "Quarterly tax filings are due next week"), now);
        store.put(MemoryWrite.of("acme", "users/7", "The best hiking trails are in the Alps"), now);
        List<MemoryHit> hits = store.search(MemoryQuery.text("acme", "pets such as cats", 3), now);
        assertThat(hits.get(0).memory().content()).isEqualTo("I adore my little kitten");
        assertThat(hits.get(0).similarity()).isGreaterThan(hits.get(1).similarity() + 0.1);
    }
}
