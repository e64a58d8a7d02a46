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
import java.time.Instant;
import java.util.List;
import java.util.UUID;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** The OpenSearch store against the shared memory contract, on a real local node with the k-NN plugin. */
class OpenSearchMemoryStoreTest extends MemoryStoreContract {

    private static OpenSearchMemoryStore store;
    private static org.opensearch.client.opensearch.OpenSearchClient client;
    private static org.opensearch.client.opensearch.OpenSearchAsyncClient async;
    private static OpenSearchMemorySettings settings;

    @BeforeAll
    static void index() {
        settings = new OpenSearchMemorySettings("memories-" + UUID.randomUUID(), "lucene", WordEmbeddingModel.DIMENSION, 4);
        client = OpenSearchClients.create(OpenSearchNode.get().endpoint());
        async = new org.opensearch.client.opensearch.OpenSearchAsyncClient(client._transport());
        store = new OpenSearchMemoryStore(client,
                new Embeddings(new WordEmbeddingModel()), MemorySettings.DEFAULT, settings);
        store.ensureIndex();
        store.ensureIndex(); // idempotent
    }

    @Override
    protected MemoryStore store() {
        return store;
    }

    @Override
    protected void settle() {
        assertThat(store.awaitTouches(java.time.Duration.ofSeconds(10))).isTrue();
        try {
            client.indices().refresh(r -> r.index(settings.index()));
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }

    /** A node on which every write meets a concurrent change: each index and create answers 409. */
    static final class AlwaysConflicting extends org.opensearch.client.opensearch.OpenSearchClient {
        final java.util.concurrent.atomic.AtomicInteger writes = new java.util.concurrent.atomic.AtomicInteger();

        AlwaysConflicting(org.opensearch.client.opensearch.OpenSearchClient real) {
            super(real._transport(), real._transportOptions());
        }

        private org.opensearch.client.opensearch._types.OpenSearchException conflict() {
            writes.incrementAndGet();
            return new org.opensearch.client.opensearch._types.OpenSearchException(org.opensearch.client.opensearch._types.ErrorResponse.of(
                    e -> e.status(409).error(c -> c.type("version_conflict_engine_exception").reason("version conflict"))));
        }

        @Override
        public <T> org.opensearch.client.opensearch.core.IndexResponse index(org.opensearch.client.opensearch.core.IndexRequest<T> r) {
            throw conflict();
        }

        @Override
        public <T> org.opensearch.client.opensearch.core.CreateResponse create(org.opensearch.client.opensearch.core.CreateRequest<T> r) {
            throw conflict();
        }
    }

    @Test
    void aWriteThatKeepsMeetingConcurrentChangesGivesUpWithConflict() {
        store.put(new MemoryWrite("known", a, "ns", "already here", "fact", 0.5, null, null, null, java.util.Map.of()), T0);
        AlwaysConflicting conflicting = new AlwaysConflicting(client);
        OpenSearchMemoryStore contested = new OpenSearchMemoryStore(conflicting, new Embeddings(new WordEmbeddingModel()),
                MemorySettings.DEFAULT, settings);
        for (MemoryWrite w : List.of(MemoryWrite.of(a, "ns", "a brand new memory"),
                new MemoryWrite("known", a, "ns", "a new version", "fact", 0.5, null, null, null, java.util.Map.of()))) {
            conflicting.writes.set(0);
            assertThatThrownBy(() -> contested.put(w, T0))
                    .isInstanceOfSatisfying(ThreadlineException.class, e -> assertThat(e.code()).isEqualTo(ErrorCode.CONFLICT));
            assertThat(conflicting.writes.get()).isEqualTo(VersionedWrites.MAX_ATTEMPTS);
        }
        assertThat(store.get(a, "known").orElseThrow().content()).isEqualTo("already here");
    }

    @Test
    void aTouchAppliesOnlyToTheVersionTheSearchSaw() throws Exception {
        store.put(new MemoryWrite("v", a, "ns", "first words", "fact", 0.5, null, null, null, java.util.Map.of()), T0);
        var seen = client.get(g -> g.index(settings.index()).id(a + "/v"), MemoryDocument.class);
        AccessTouches.Seen atFirst = new AccessTouches.Seen(seen.id(), seen.seqNo(), seen.primaryTerm());
        Instant later = T0.plus(java.time.Duration.ofDays(1));
        // Rewritten since it was seen: the write's own access time stands.
        store.put(new MemoryWrite("v", a, "ns", "second words", "fact", 0.5, null, null, null, java.util.Map.of()), T0.plusSeconds(5));
        assertThat(AccessTouches.touch(async, settings.index(), List.of(atFirst), later).get()).isZero();
        assertThat(store.get(a, "v").orElseThrow().accessedAt()).isEqualTo(T0.plusSeconds(5));
        // The current version is touched.
        var current = client.get(g -> g.index(settings.index()).id(a + "/v"), MemoryDocument.class);
        assertThat(AccessTouches.touch(async, settings.index(),
                List.of(new AccessTouches.Seen(current.id(), current.seqNo(), current.primaryTerm())), later).get()).isEqualTo(1);
        assertThat(store.get(a, "v").orElseThrow().accessedAt()).isEqualTo(later);
        assertThat(store.get(a, "v").orElseThrow().content()).isEqualTo("second words");
    }

    @Test
    void aTouchNeverBringsBackADeletedMemory() throws Exception {
        store.put(new MemoryWrite("gone", a, "ns", "soon deleted", "fact", 0.5, null, null, null, java.util.Map.of()), T0);
        var seen = client.get(g -> g.index(settings.index()).id(a + "/gone"), MemoryDocument.class);
        assertThat(store.delete(a, "gone")).isTrue();
        assertThat(AccessTouches.touch(async, settings.index(),
                List.of(new AccessTouches.Seen(seen.id(), seen.seqNo(), seen.primaryTerm())), T0.plusSeconds(7200)).get()).isZero();
        assertThat(store.get(a, "gone")).isEmpty();
    }

    @Test
    void aTouchOnANodeThatIsDownIsDroppedNotThrown() throws Exception {
        int closedPort;
        try (java.net.ServerSocket s = new java.net.ServerSocket(0)) {
            closedPort = s.getLocalPort();
        }
        var down = new org.opensearch.client.opensearch.OpenSearchAsyncClient(
                OpenSearchClients.create(URI.create("http://127.0.0.1:" + closedPort))._transport());
        assertThat(AccessTouches.touch(down, settings.index(), List.of(new AccessTouches.Seen(a + "/x", 0, 1)), T0).get()).isZero();
        assertThat(AccessTouches.touch(down, settings.index(), List.of(), T0).get()).isZero();
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
