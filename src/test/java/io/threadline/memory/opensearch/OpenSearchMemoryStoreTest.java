package io.threadline.memory.opensearch;

import io.threadline.ErrorCode;
import io.threadline.ThreadlineException;
import io.threadline.memory.Embeddings;
import io.threadline.memory.MemorySettings;
import io.threadline.memory.MemoryStore;
import io.threadline.memory.MemoryStoreContract;
import io.threadline.memory.MemoryWrite;
import io.threadline.memory.WordEmbeddingModel;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.net.URI;
import java.util.UUID;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** The OpenSearch store against the shared memory contract, on a real local node with the k-NN plugin. */
class OpenSearchMemoryStoreTest extends MemoryStoreContract {

    private static OpenSearchMemoryStore store;
    private static OpenSearchMemorySettings settings;

    @BeforeAll
    static void index() {
        settings = new OpenSearchMemorySettings("memories-" + UUID.randomUUID(), "lucene", WordEmbeddingModel.DIMENSION, 4);
        store = new OpenSearchMemoryStore(OpenSearchClients.create(OpenSearchNode.get().endpoint()),
                new Embeddings(new WordEmbeddingModel()), MemorySettings.DEFAULT, settings);
        store.ensureIndex();
        store.ensureIndex(); // idempotent
    }

    @Override
    protected MemoryStore store() {
        return store;
    }

    @Test
    void aNodeThatDoesNotAnswerInTimeIsDependencyUnavailable() throws Exception {
        try (java.net.ServerSocket silent = new java.net.ServerSocket(0)) {
            // Accepts connections (the backlog does) but never answers a request.
            OpenSearchMemoryStore slow = new OpenSearchMemoryStore(
                    OpenSearchClients.create(URI.create("http://127.0.0.1:" + silent.getLocalPort()), java.time.Duration.ofMillis(500)),
                    new Embeddings(new WordEmbeddingModel()), MemorySettings.DEFAULT, settings);
            long started = System.nanoTime();
            assertThatThrownBy(() -> slow.get("t", "x"))
                    .isInstanceOfSatisfying(ThreadlineException.class, e -> assertThat(e.code()).isEqualTo(ErrorCode.DEPENDENCY_UNAVAILABLE));
            assertThat(java.time.Duration.ofNanos(System.nanoTime() - started)).isLessThan(java.time.Duration.ofSeconds(10));
        }
    }

    @Test
    void anUnreachableNodeIsDependencyUnavailable() throws Exception {
        int closedPort;
        try (java.net.ServerSocket s = new java.net.ServerSocket(0)) {
            closedPort = s.getLocalPort();
        }
        OpenSearchMemoryStore down = new OpenSearchMemoryStore(OpenSearchClients.create(URI.create("http://127.0.0.1:" + closedPort)),
                new Embeddings(new WordEmbeddingModel()), MemorySettings.DEFAULT, settings);
        assertThatThrownBy(() -> down.put(MemoryWrite.of("t", "ns", "hello"), T0))
                .isInstanceOfSatisfying(ThreadlineException.class, e -> assertThat(e.code()).isEqualTo(ErrorCode.DEPENDENCY_UNAVAILABLE));
        assertThatThrownBy(() -> down.search(io.threadline.memory.MemoryQuery.text("t", "hello", 3), T0))
                .isInstanceOfSatisfying(ThreadlineException.class, e -> assertThat(e.code()).isEqualTo(ErrorCode.DEPENDENCY_UNAVAILABLE));
    }
}
