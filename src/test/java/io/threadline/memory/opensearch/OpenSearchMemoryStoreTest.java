package io.threadline.memory.opensearch;

import io.threadline.ErrorCode;
import io.threadline.ThreadlineException;
import io.threadline.memory.Embeddings;
import io.threadline.memory.MemoryMerge;
import io.threadline.memory.MemoryPruneReport;
import io.threadline.memory.MemoryQuery;
import io.threadline.memory.MemoryRecord;
import io.threadline.memory.MemorySettings;
import io.threadline.memory.MemoryStore;
import io.threadline.memory.MemoryStoreContract;
import io.threadline.memory.MemoryWrite;
import io.threadline.memory.PutResult;
import io.threadline.memory.WordEmbeddingModel;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.function.ThrowingConsumer;
import org.opensearch.client.opensearch.OpenSearchAsyncClient;
import org.opensearch.client.opensearch.OpenSearchClient;
import org.opensearch.client.opensearch.core.BulkRequest;
import org.opensearch.client.opensearch.core.BulkResponse;
import org.opensearch.client.opensearch.core.CreateRequest;
import org.opensearch.client.opensearch.core.CreateResponse;
import org.opensearch.client.opensearch.core.IndexRequest;
import org.opensearch.client.opensearch.core.IndexResponse;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.ServerSocket;
import java.net.URI;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** The OpenSearch store against the shared memory contract, on a real local node with the k-NN plugin. */
class OpenSearchMemoryStoreTest extends MemoryStoreContract {

    private static OpenSearchMemoryStore store;
    private static OpenSearchClient client;
    private static OpenSearchAsyncClient async;
    private static OpenSearchMemorySettings settings;

    @BeforeAll
    static void index() {
        settings = new OpenSearchMemorySettings("memories-" + UUID.randomUUID(), "lucene", WordEmbeddingModel.DIMENSION, 4);
        // A generous limit: the machines these tests run on are shared, and a node there can take seconds to create an index.
        client = OpenSearchClients.create(OpenSearchNode.get().endpoint(), Duration.ofSeconds(30));
        async = new OpenSearchAsyncClient(client._transport());
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
        assertThat(store.awaitTouches(Duration.ofSeconds(10))).isTrue();
        try {
            client.indices().refresh(r -> r.index(settings.index()));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /**
     * A node that refuses every index, create and data {@code _bulk} with one status: 409 (every write meets a
     * concurrent change), 429 (overloaded). Writer marks go through the generic client and are not refused.
     */
    static final class Refusing extends OpenSearchClient {
        final AtomicInteger writes = new AtomicInteger();
        private final int status;
        private final String type;

        Refusing(OpenSearchClient real, int status, String type) {
            super(real._transport(), real._transportOptions());
            this.status = status;
            this.type = type;
        }

        private org.opensearch.client.opensearch._types.OpenSearchException refused() {
            writes.incrementAndGet();
            return new org.opensearch.client.opensearch._types.OpenSearchException(org.opensearch.client.opensearch._types.ErrorResponse.of(
                    e -> e.status(status).error(c -> c.type(type).reason("refused"))));
        }

        @Override
        public <T> IndexResponse index(IndexRequest<T> r) {
            throw refused();
        }

        @Override
        public <T> CreateResponse create(CreateRequest<T> r) {
            throw refused();
        }

        @Override
        public BulkResponse bulk(BulkRequest r) {
            throw refused();
        }
    }

    @Test
    void aWriteThatKeepsMeetingConcurrentChangesGivesUpWithConflict() {
        store.put(new MemoryWrite("known", a, "ns", "already here", "fact", 0.5, null, null, null, Map.of()), T0);
        Refusing conflicting = new Refusing(client, 409, "version_conflict_engine_exception");
        OpenSearchMemoryStore contested = new OpenSearchMemoryStore(conflicting, new Embeddings(new WordEmbeddingModel()),
                MemorySettings.DEFAULT, settings);
        for (MemoryWrite w : List.of(MemoryWrite.of(a, "ns", "a brand new memory"),
                new MemoryWrite("known", a, "ns", "a new version", "fact", 0.5, null, null, null, Map.of()))) {
            conflicting.writes.set(0);
            assertThatThrownBy(() -> contested.put(w, T0))
                    .isInstanceOfSatisfying(ThreadlineException.class, e -> assertThat(e.code()).isEqualTo(ErrorCode.CONFLICT));
            assertThat(conflicting.writes.get()).isEqualTo(VersionedWrites.MAX_ATTEMPTS);
        }
        assertThat(store.get(a, "known").orElseThrow().content()).isEqualTo("already here");
    }

    @Test
    void aTouchAppliesOnlyToTheVersionTheSearchSaw() throws Exception {
        store.put(new MemoryWrite("v", a, "ns", "first words", "fact", 0.5, null, null, null, Map.of()), T0);
        var seen = client.get(g -> g.index(settings.index()).id(a + "/v"), MemoryDocument.class);
        AccessTouches.Seen atFirst = new AccessTouches.Seen(seen.id(), seen.seqNo(), seen.primaryTerm());
        Instant later = T0.plus(Duration.ofDays(1));
        // Rewritten since it was seen: the write's own access time stands.
        store.put(new MemoryWrite("v", a, "ns", "second words", "fact", 0.5, null, null, null, Map.of()), T0.plusSeconds(5));
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
        store.put(new MemoryWrite("gone", a, "ns", "soon deleted", "fact", 0.5, null, null, null, Map.of()), T0);
        var seen = client.get(g -> g.index(settings.index()).id(a + "/gone"), MemoryDocument.class);
        assertThat(store.delete(a, "gone")).isTrue();
        assertThat(AccessTouches.touch(async, settings.index(),
                List.of(new AccessTouches.Seen(seen.id(), seen.seqNo(), seen.primaryTerm())), T0.plusSeconds(7200)).get()).isZero();
        assertThat(store.get(a, "gone")).isEmpty();
    }

    @Test
    void aTouchOnANodeThatIsDownIsDroppedNotThrown() throws Exception {
        int closedPort;
        try (ServerSocket s = new ServerSocket(0)) {
            closedPort = s.getLocalPort();
        }
        var down = new OpenSearchAsyncClient(
                OpenSearchClients.create(URI.create("http://127.0.0.1:" + closedPort))._transport());
        assertThat(AccessTouches.touch(down, settings.index(), List.of(new AccessTouches.Seen(a + "/x", 0, 1)), T0).get()).isZero();
        assertThat(AccessTouches.touch(down, settings.index(), List.of(), T0).get()).isZero();
    }

    @Test
    void aNodeThatDoesNotAnswerInTimeIsDependencyUnavailable() throws Exception {
        try (ServerSocket silent = new ServerSocket(0)) {
            // Accepts connections (the backlog does) but never answers a request.
            OpenSearchMemoryStore slow = new OpenSearchMemoryStore(
                    OpenSearchClients.create(URI.create("http://127.0.0.1:" + silent.getLocalPort()), Duration.ofMillis(500)),
                    new Embeddings(new WordEmbeddingModel()), MemorySettings.DEFAULT, settings);
            long started = System.nanoTime();
            assertThatThrownBy(() -> slow.get("t", "x"))
                    .isInstanceOfSatisfying(ThreadlineException.class, e -> assertThat(e.code()).isEqualTo(ErrorCode.DEPENDENCY_UNAVAILABLE));
            assertThat(Duration.ofNanos(System.nanoTime() - started)).isLessThan(Duration.ofSeconds(10));
        }
    }

    @Test
    void anUnreachableNodeIsDependencyUnavailable() throws Exception {
        int closedPort;
        try (ServerSocket s = new ServerSocket(0)) {
            closedPort = s.getLocalPort();
        }
        OpenSearchMemoryStore down = new OpenSearchMemoryStore(OpenSearchClients.create(URI.create("http://127.0.0.1:" + closedPort)),
                new Embeddings(new WordEmbeddingModel()), MemorySettings.DEFAULT, settings);
        assertThatThrownBy(() -> down.put(MemoryWrite.of("t", "ns", "hello"), T0))
                .isInstanceOfSatisfying(ThreadlineException.class, e -> assertThat(e.code()).isEqualTo(ErrorCode.DEPENDENCY_UNAVAILABLE));
        assertThatThrownBy(() -> down.search(MemoryQuery.text("t", "hello", 3), T0))
                .isInstanceOfSatisfying(ThreadlineException.class, e -> assertThat(e.code()).isEqualTo(ErrorCode.DEPENDENCY_UNAVAILABLE));
    }

    /** The fields of the index's mapping, top level. */
    private static Set<String> fields(String index) throws IOException {
        return client.indices().getMapping(g -> g.index(index)).result().get(index).mappings().properties().keySet();
    }

    @Test
    void metadataKeysNeverBecomeFieldsOfTheIndexAndNoOtherFieldCanGrowIt() throws Exception {
        store.put(new MemoryWrite("meta", a, "ns", "a memory with metadata", "fact", 0.5, null, null, null,
                Map.of("colour", "green", "size", "small")), T0);
        var mapping = client.indices().getMapping(g -> g.index(settings.index())).result().get(settings.index()).mappings();
        assertThat(mapping.dynamic()).isEqualTo(org.opensearch.client.opensearch._types.mapping.DynamicMapping.Strict);
        assertThat(mapping.properties().get("metadata").object().enabled()).isFalse();
        assertThat(mapping.properties()).doesNotContainKey("metadata.colour");
        Set<String> before = fields(settings.index());
        for (int p = 0; p < 5; p++) {
            store.put(new MemoryWrite("meta-" + p, b, "ns", "another memory numbered " + p + " zz" + p, "fact", 0.5, null, null, null,
                    Map.of("key_" + p, "v", "other_" + p, "w")), T0);
        }
        assertThat(fields(settings.index())).isEqualTo(before);
        // A document with a field the mapping does not name is refused, not mapped.
        assertThatThrownBy(() -> client.index(i -> i.index(settings.index()).id("stray").document(Map.of("stray", "x"))))
                .isInstanceOfSatisfying(org.opensearch.client.opensearch._types.OpenSearchException.class,
                        e -> assertThat(e.error().type()).isEqualTo("strict_dynamic_mapping_exception"));
        assertThat(fields(settings.index())).isEqualTo(before);
    }

    /** The mapping an earlier Threadline created: each metadata key a keyword field, by a dynamic template. */
    private static void createEarlierIndex(String name) throws IOException {
        var keyword = org.opensearch.client.opensearch._types.mapping.Property.of(p -> p.keyword(k -> k));
        client.indices().create(c -> c.index(name).settings(s -> s.knn(true).numberOfShards(1)).mappings(m -> m
                .dynamicTemplates(Map.of("metadata_as_keywords",
                        org.opensearch.client.opensearch._types.mapping.DynamicTemplate.of(t -> t.pathMatch("metadata.*").mapping(keyword))))
                .properties("tenant", keyword).properties("namespace", keyword).properties("id", keyword)
                .properties("createdAt", org.opensearch.client.opensearch._types.mapping.Property.of(p -> p.date(d -> d)))
                .properties("accessedAt", org.opensearch.client.opensearch._types.mapping.Property.of(p -> p.date(d -> d)))
                .properties("expiresAt", org.opensearch.client.opensearch._types.mapping.Property.of(p -> p.date(d -> d)))
                .properties(MemoryIndex.EMBEDDING, org.opensearch.client.opensearch._types.mapping.Property.of(p -> p.knnVector(
                        v -> v.dimension(WordEmbeddingModel.DIMENSION)
                                .method(mm -> mm.name("hnsw").engine("lucene").spaceType("cosinesimil")))))));
    }

    @Test
    void anIndexCreatedByAnEarlierVersionIsRefusedWithWhatToDoAndTheDocumentedReindexMovesIt() throws Exception {
        String old = "old-memories-" + UUID.randomUUID();
        createEarlierIndex(old);
        float[] vector = new Embeddings(new WordEmbeddingModel()).embed("prefers green tea");
        String at = T0.toString();
        client.index(i -> i.index(old).id(a + "/m1").refresh(org.opensearch.client.opensearch._types.Refresh.True)
                .document(Map.ofEntries(Map.entry("id", "m1"), Map.entry("tenant", a),
                        Map.entry("namespace", "prefs"), Map.entry("content", "prefers green tea"),
                        Map.entry("embedding", vector), Map.entry("kind", "preference"),
                        Map.entry("importance", 0.5), Map.entry("createdAt", at), Map.entry("accessedAt", at),
                        Map.entry("expiresAt", T0.plus(Duration.ofDays(1)).toString()),
                        Map.entry("metadata", Map.of("source", "chat")))));
        OpenSearchMemorySettings oldSettings = new OpenSearchMemorySettings(old, "lucene", WordEmbeddingModel.DIMENSION, 4);
        OpenSearchMemoryStore onOld = new OpenSearchMemoryStore(client, new Embeddings(new WordEmbeddingModel()),
                MemorySettings.DEFAULT, oldSettings);
        assertThatThrownBy(onOld::ensureIndex).isInstanceOfSatisfying(ThreadlineException.class, e -> {
            assertThat(e.code()).isEqualTo(ErrorCode.INTERNAL);
            assertThat(e.getMessage()).contains(old, "threadline.memory.opensearch.index", "reindex");
        });

        // README.md, "Upgrading an index": create the new index (first use), then _reindex with the script. The test
        // node has no reindex module (the integ-test zip carries only lang-painless), so the copy is a get and an index
        // here, and the script runs through _update, which gives it the same ctx._source as _reindex does.
        String fresh = "new-memories-" + UUID.randomUUID();
        OpenSearchMemoryStore onNew = new OpenSearchMemoryStore(client, new Embeddings(new WordEmbeddingModel()),
                MemorySettings.DEFAULT, new OpenSearchMemorySettings(fresh, "lucene", WordEmbeddingModel.DIMENSION, 4));
        onNew.ensureIndex();
        var source = client.get(g -> g.index(old).id(a + "/m1"), Map.class).source();
        client.index(i -> i.index(fresh).id(a + "/m1").document(source));
        client.update(u -> u.index(fresh).id(a + "/m1").refresh(org.opensearch.client.opensearch._types.Refresh.True)
                .script(sc -> sc.inline(in -> in.source(REINDEX_SCRIPT))), Map.class);
        assertThat(onNew.search(MemoryQuery.text(a, "green tea", 5)
                .where(Map.of("source", "chat")), T0)).extracting(h -> h.memory().id()).containsExactly("m1");
        assertThat(onNew.get(a, "m1").orElseThrow().metadata()).containsEntry("source", "chat");
        // Its expiry came along as the field the filters read (version 3): not found once it has expired.
        assertThat(onNew.search(MemoryQuery.text(a, "green tea", 5), T0.plus(Duration.ofDays(2)))).isEmpty();
    }

    @Test
    void sweepsWalkEveryPageOfATenant() throws Exception {
        // Pages of 2: the expired, the over-cap and a thread's memories each span several pages.
        TenantSweeps sweeps = new TenantSweeps(client, settings.index(), new TenantSweeps.Pages() {
            @Override
            public <T> T run(TimeLimitedTransport.Requests<T> page) {
                try {
                    return page.run();
                } catch (IOException e) {
                    throw new UncheckedIOException(e);
                }
            }
        }, 2);
        // Words in distinct buckets of WordEmbeddingModel's hash, so no two memories merge.
        String[] words = {"alpha", "bravo", "charlie", "delta", "echo", "golf", "hotel", "lima", "mike", "oscar", "tango"};
        for (int i = 0; i < 5; i++) {
            store.put(new MemoryWrite("x" + i, a, "short", words[i] + " expires soon", "fact", 0.5, Duration.ofMinutes(1),
                    "thread-x", null, Map.of()), T0);
        }
        for (int i = 5; i < 11; i++) {
            store.put(new MemoryWrite("c" + i, a, "capped", words[i] + " stays a while", "fact", i / 20.0, null, null, null,
                    Map.of()), T0);
        }
        Instant later = T0.plus(Duration.ofHours(1));
        assertThat(sweeps.deleteAll(a, MemoryQueries.expired(a, later))).containsExactly("x0", "x1", "x2", "x3", "x4");
        // The two most important of six are kept; the other four go, least important first.
        assertThat(sweeps.deleteOverCap(a, MemoryQueries.filter(a, null, null, Map.of(), later), 2))
                .containsExactly("c8", "c7", "c6", "c5");
        assertThat(store.get(a, "c10")).isPresent();
        assertThat(store.get(a, "c9")).isPresent();
        assertThat(sweeps.deleteAll(a, MemoryQueries.fromThread(a, "thread-x"))).isEmpty();
    }

    @Test
    void aBatchLongerThanABulkRequestAndAPruneLongerThanAPageReachEveryMemory() {
        // Bulk requests of 3 writes and sweep pages of 2 memories (threadline.memory.opensearch.bulk-size / sweep-page).
        OpenSearchMemoryStore small = new OpenSearchMemoryStore(client, new Embeddings(new WordEmbeddingModel()), MemorySettings.DEFAULT,
                new OpenSearchMemorySettings(settings.index(), "lucene", WordEmbeddingModel.DIMENSION, 4, 0, 16, 100, 3, 2));
        String[] words = {"alpha", "bravo", "charlie", "delta", "echo", "golf", "hotel", "lima", "mike", "oscar", "tango"};
        List<MemoryWrite> batch = new ArrayList<>();
        for (int i = 0; i < 5; i++) {
            batch.add(new MemoryWrite("x" + i, a, "short", words[i] + " expires soon", "fact", 0.5, Duration.ofMinutes(1),
                    "thread-x", null, Map.of()));
        }
        for (int i = 5; i < 11; i++) {
            batch.add(new MemoryWrite("c" + i, a, "capped", words[i] + " stays a while", "fact", i / 20.0, null, null, null,
                    Map.of()));
        }
        // The last write is a near-duplicate of c10, in the same bulk request: it merges into c10, as a put after c10 would.
        batch.add(new MemoryWrite(null, a, "capped", "Tango stays a while!", "fact", 0.9, null, null, null, Map.of()));
        List<PutResult> results = small.putAll(batch, T0);
        assertThat(results).extracting(r -> r.memory().id()).containsExactly("x0", "x1", "x2", "x3", "x4", "c5", "c6", "c7", "c8", "c9",
                "c10", "c10");
        assertThat(results).extracting(PutResult::merged).containsExactly(false, false, false, false, false, false,
                false, false, false, false, false, true);
        assertThat(store.get(a, "c10").orElseThrow().importance()).isEqualTo(0.9);
        Instant later = T0.plus(Duration.ofHours(1));
        MemoryPruneReport report = small.prune(a, 2, later);
        assertThat(report.expiredIds()).containsExactly("x0", "x1", "x2", "x3", "x4");
        // The two most important of six are kept; the other four go, least important first.
        assertThat(report.overCapIds()).containsExactly("c8", "c7", "c6", "c5");
        assertThat(small.forgetThread(a, "thread-x").removed()).isZero();
        assertThat(store.get(a, "c9")).isPresent();
    }

    /** The painless script README.md gives for moving memories out of an index created by an earlier version. */
    static final String REINDEX_SCRIPT = "def s = ctx._source; if (s.metadataTerms == null) { def t = []; if (s.metadata != null) "
            + "{ for (e in s.metadata.entrySet()) { t.add(e.getKey() + '=' + e.getValue()); } } s.metadataTerms = t; } "
            + "s.expiry = s.expiresAt == null ? Long.MAX_VALUE : Instant.parse(s.expiresAt).toEpochMilli(); "
            + "if (s.supersededAt == null) { s.supersededAt = Long.MAX_VALUE; } if (s.validFrom == null) { s.validFrom = Long.MIN_VALUE; } "
            + "if (s.validTo == null) { s.validTo = Long.MAX_VALUE; }";

    /**
     * A writer alone in its namespace (its two writer marks consecutive versions) does not look for near-duplicates a
     * concurrent writer added: a new memory is one k-NN check, not two; a batch one {@code _msearch}, not two. With
     * another writer between its marks it does ({@code concurrent...} tests of the contract).
     */
    @Test
    void aLoneWriterSkipsTheSearchForConcurrentNearDuplicates() throws Exception {
        try (RecordingProxy proxy = RecordingProxy.to(OpenSearchNode.get().endpoint())) {
            var proxied = OpenSearchClients.create(proxy.endpoint(), Duration.ofSeconds(30));
            OpenSearchMemoryStore lone = new OpenSearchMemoryStore(proxied, new Embeddings(new WordEmbeddingModel()), MemorySettings.DEFAULT,
                    settings);
            Instant now = Instant.parse("2026-12-06T12:00:00Z");
            proxy.clear();

            lone.put(MemoryWrite.of("lone", "notes", "the lighthouse keeper paints the door blue"), now);
            List<String> put = proxy.requests().stream().map(r -> r.method() + " " + r.pathAndQuery().replaceAll("\\?.*", "")).toList();
            proxy.clear();
            lone.putAll(List.of(MemoryWrite.of("lone", "notes", "tides come twice a day"),
                    MemoryWrite.of("lone", "logs", "the ferry left at nine"), MemoryWrite.of("lone", "notes", "gulls nest on the roof")), now);
            List<String> batch = proxy.requests().stream().map(r -> r.method() + " " + r.pathAndQuery().replaceAll("\\?.*", "")).toList();
            assertThat(lone.search(MemoryQuery.text("lone", "gulls roof", 1), now)).singleElement()
                    .satisfies(h -> assertThat(h.memory().content()).isEqualTo("gulls nest on the roof"));
            proxied._transport().close();

            assertThat(put).as("put's requests").filteredOn(r -> r.endsWith("/_search")).hasSize(1);
            assertThat(put).as("put's requests").filteredOn(r -> r.endsWith("/_bulk")).hasSize(2);
            assertThat(batch).as("putAll's requests").filteredOn(r -> r.endsWith("/_msearch")).hasSize(1);
            assertThat(batch).as("putAll's requests").filteredOn(r -> r.endsWith("/_bulk")).hasSize(3);
        }
    }

    /** A client that runs {@code first} just before its first create or data {@code _bulk}: a concurrent writer's create. */
    static final class CreatesFirst extends OpenSearchClient {
        private final AtomicBoolean done = new AtomicBoolean();
        private final ThrowingConsumer<Void> first;

        CreatesFirst(OpenSearchClient real, ThrowingConsumer<Void> first) {
            super(real._transport(), real._transportOptions());
            this.first = first;
        }

        private void before() throws IOException {
            if (done.compareAndSet(false, true)) {
                try {
                    first.accept(null);
                } catch (Throwable e) {
                    throw new IOException(e);
                }
            }
        }

        @Override
        public <T> CreateResponse create(CreateRequest<T> r)
                throws IOException {
            before();
            return super.create(r);
        }

        @Override
        public BulkResponse bulk(BulkRequest r)
                throws IOException {
            before();
            return super.bulk(r);
        }
    }

    /**
     * A writer B opened the mark and never closed it (a crash, a timeout); its near-duplicate lands between a later
     * writer's check and its create. The later writer's own two bumps are consecutive, but its open landed on an even
     * version (a window left open), so it reconciles: one memory.
     */
    @Test
    void aWriterThatNeverClosesItsMarkLeavesLaterWritersReconciling() throws Exception {
        for (boolean batch : new boolean[] {false, true}) {
            String tenant = "deadwriter" + (batch ? "batch" : "put");
            new WriterMarks(new RawRequests(client), settings.index()).open(WriterMarks.of(tenant, "prefs")); // B's first bump only
            Embeddings embeddings = new Embeddings(new WordEmbeddingModel());
            MemoryWrite b = MemoryWrite.of(tenant, "prefs", "the user likes green tea!");
            MemoryRecord bRecord = MemoryMerge.newRecord(Embeddings.defaultId(b), b, embeddings.embed(b.content()), T0, T0);
            CreatesFirst racing = new CreatesFirst(client, x -> client.create(c -> c.index(settings.index())
                    .id(VersionedWrites.docId(tenant, bRecord.id())).document(MemoryDocument.of(bRecord))
                    .refresh(org.opensearch.client.opensearch._types.Refresh.True)));
            OpenSearchMemoryStore later = new OpenSearchMemoryStore(racing, embeddings, MemorySettings.DEFAULT, settings);
            MemoryWrite l = MemoryWrite.of(tenant, "prefs", "the user likes green tea!!");
            if (batch) {
                later.putAll(List.of(l, MemoryWrite.of(tenant, "notes", "the ferry left at nine")), T0);
            } else {
                later.put(l, T0);
            }
            settle();
            assertThat(store.search(MemoryQuery.text(tenant, "green tea", 10).under("prefs"), T0)).as(batch ? "putAll" : "put").hasSize(1);
        }
    }

    /** A write that fails after its first bump still makes its second: the mark is left at an even version (closed). */
    @Test
    void aWriteThatFailsStillClosesItsMark() throws Exception {
        OpenSearchMemoryStore overloaded = new OpenSearchMemoryStore(new Refusing(client, 429, "es_rejected_execution_exception"), new Embeddings(new WordEmbeddingModel()),
                MemorySettings.DEFAULT, settings);
        assertThatThrownBy(() -> overloaded.put(MemoryWrite.of("failedput", "prefs", "the user likes green tea"), T0))
                .isInstanceOfSatisfying(ThreadlineException.class, e -> assertThat(e.code()).isEqualTo(ErrorCode.DEPENDENCY_UNAVAILABLE));
        assertThatThrownBy(() -> overloaded.putAll(List.of(MemoryWrite.of("failedbatch", "prefs", "the user likes green tea"),
                MemoryWrite.of("failedbatch", "notes", "the ferry left at nine")), T0))
                .isInstanceOfSatisfying(ThreadlineException.class, e -> assertThat(e.code()).isEqualTo(ErrorCode.DEPENDENCY_UNAVAILABLE));
        for (String[] mark : new String[][] {{"failedput", "prefs"}, {"failedbatch", "prefs"}, {"failedbatch", "notes"}}) {
            assertThat(client.get(g -> g.index(settings.index()).id(WriterMarks.of(mark[0], mark[1])), Map.class).version())
                    .as(String.join("/", mark)).isEqualTo(2L);
        }
    }
}
