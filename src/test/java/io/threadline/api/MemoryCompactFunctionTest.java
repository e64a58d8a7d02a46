package io.threadline.api;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.threadline.ErrorCode;
import io.threadline.ThreadlineException;
import io.threadline.config.MemoryStoresFixture;
import io.threadline.memory.Embeddings;
import io.threadline.memory.MemorySettings;
import io.threadline.memory.MemoryWrite;
import io.threadline.memory.WordEmbeddingModel;
import io.threadline.memory.opensearch.MemoryIndexMaintenance;
import io.threadline.memory.opensearch.OpenSearchClients;
import io.threadline.memory.opensearch.OpenSearchMemorySettings;
import io.threadline.memory.opensearch.OpenSearchMemoryStore;
import io.threadline.memory.opensearch.OpenSearchNode;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.opensearch.client.opensearch.OpenSearchClient;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.ServerSocket;
import java.net.URI;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import java.util.function.Supplier;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * memory-compact's answers (start, poll, nothing to do, the in-memory store, refusals) over a real local node; the
 * deployment's choice of store, through {@link io.threadline.config.MemoryStores#maintenance()} with real configuration,
 * is {@link #noMemoryAndServerlessAreRefusedPlainly}'s.
 */
class MemoryCompactFunctionTest {

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final Instant T0 = Instant.parse("2026-06-01T12:00:00Z");

    private static OpenSearchClient client;
    private static String index;
    private static Supplier<Optional<MemoryIndexMaintenance>> deployed;

    @BeforeAll
    static void indexWithSegments() {
        client = OpenSearchClients.create(OpenSearchNode.get().endpoint(), Duration.ofSeconds(30));
        index = "compact-fn-" + UUID.randomUUID();
        OpenSearchMemoryStore store = new OpenSearchMemoryStore(client, new Embeddings(new WordEmbeddingModel()), MemorySettings.DEFAULT,
                new OpenSearchMemorySettings(index, "lucene", WordEmbeddingModel.DIMENSION, 4));
        store.ensureIndex();
        for (String w : new String[] {"alpha", "bravo", "charlie", "delta"}) {
            store.put(MemoryWrite.of("tenant-" + w, "notes", w + " was said"), T0); // each write refreshed: a segment each
        }
        MemoryIndexMaintenance maintenance = new MemoryIndexMaintenance(client, index);
        deployed = () -> Optional.of(maintenance);
    }

    private static JsonNode json(String s) {
        try {
            return JSON.readTree(s);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static int segments() {
        return new MemoryIndexMaintenance(client, index).segments();
    }

    /** A merge started, polled with its task until done, then nothing left to do; the reply as the function writes it. */
    @Test
    void startsAMergeAndAnswersWhenItIsOver() throws Exception {
        int before = segments();
        assertThat(before).isGreaterThan(1);
        MemoryCompactFunction.Reply started = MemoryCompactFunction.reply(json("{\"maxSegments\":1}"), deployed);
        assertThat(started.error()).isNull();
        assertThat(started.task()).isNotNull();
        assertThat(started.segmentsBefore()).isEqualTo(before);
        assertThat(started.done()).isFalse();
        assertThat(started.maxSegments()).isEqualTo(1);

        JsonNode poll = JSON.valueToTree(Map.of("task", started.task(), "maxSegments", 1));
        long until = System.nanoTime() + Duration.ofSeconds(60).toNanos();
        MemoryCompactFunction.Reply asked = MemoryCompactFunction.reply(poll, deployed);
        while (!asked.done()) {
            assertThat(asked.error()).isNull();
            assertThat(asked.segments()).as("segments only once done").isNull();
            assertThat(System.nanoTime()).as("merged within a minute").isLessThan(until);
            Thread.sleep(150);
            asked = MemoryCompactFunction.reply(poll, deployed);
        }
        assertThat(asked.segments()).isEqualTo(1);
        assertThat(JSON.writeValueAsString(asked)).isEqualTo("{\"task\":\"" + started.task() + "\",\"maxSegments\":1,\"segments\":1,\"done\":true}");

        // The default is one segment; an index that has that few already is done at once, with no task.
        MemoryCompactFunction.Reply again = MemoryCompactFunction.reply(null, deployed);
        assertThat(again.task()).isNull();
        assertThat(again.done()).isTrue();
        assertThat(again.segments()).isEqualTo(1);
    }

    /** Every bad request is INVALID_INPUT naming its field, answered before the store is asked: nothing merges. */
    @Test
    void badRequestsAreRefusedBeforeAnythingIsAsked() {
        Supplier<Optional<MemoryIndexMaintenance>> untouched = () -> {
            throw new AssertionError("the store was asked for a bad request");
        };
        String[][] cases = {
                {"[1]", "request"}, {"\"compact\"", "request"},
                {"{\"maxSegments\":0}", "maxSegments"}, {"{\"maxSegments\":-3}", "maxSegments"},
                {"{\"maxSegments\":\"1\"}", "maxSegments"}, {"{\"maxSegments\":1.5}", "maxSegments"},
                {"{\"maxSegments\":99999999999}", "maxSegments"}, {"{\"maxSegments\":null}", "maxSegments"},
                {"{\"task\":7}", "task"}, {"{\"task\":null}", "task"}, {"{\"tenant\":\"t\"}", "tenant"},
                {"{\"task\":\"n:7\"}", "maxSegments"},
        };
        for (String[] c : cases) {
            MemoryCompactFunction.Reply reply = MemoryCompactFunction.reply(json(c[0]), untouched);
            assertThat(reply.error()).as(c[0]).isNotNull();
            assertThat(reply.error().code()).as(c[0]).isEqualTo(ErrorCode.INVALID_INPUT.name());
            assertThat(reply.error().details()).as(c[0]).containsEntry("field", c[1]);
            assertThat(reply.task()).isNull();
        }
    }

    /**
     * A task that is not a node's task id never reaches a request path (it would name another endpoint): refused
     * before the deployment's index is even looked up — on OpenSearch and on the in-memory store alike, which would
     * otherwise answer it done and echo it.
     */
    @Test
    void aTaskThatIsNoTaskIdIsRefusedBeforeAnyStore() {
        Supplier<Optional<MemoryIndexMaintenance>> untouched = () -> {
            throw new AssertionError("the store was asked for a bad task");
        };
        for (String task : new String[] {"", "../_all", "n:7/../../x", "n:7?pretty", "n", "n:", ":7", "n:x"}) {
            for (Supplier<Optional<MemoryIndexMaintenance>> store : List.of(untouched, Optional::<MemoryIndexMaintenance>empty)) {
                MemoryCompactFunction.Reply reply = MemoryCompactFunction.reply(
                        JSON.valueToTree(Map.of("task", task, "maxSegments", 1)), store);
                assertThat(reply.error()).as(task).isNotNull();
                assertThat(reply.error().code()).as(task).isEqualTo(ErrorCode.INVALID_INPUT.name());
                assertThat(reply.error().details()).as(task).containsEntry("field", "task");
                assertThat(reply.task()).as(task).isNull();
                assertThat(reply.done()).as(task).isNull();
            }
        }
    }

    /** The in-memory store has no segments: done at once, with none, whether started or asked after. */
    @Test
    void theInMemoryStoreHasNothingToMerge() throws Exception {
        Supplier<Optional<MemoryIndexMaintenance>> inMemory = Optional::empty;
        MemoryCompactFunction.Reply started = MemoryCompactFunction.reply(json("{}"), inMemory);
        assertThat(JSON.writeValueAsString(started)).isEqualTo("{\"maxSegments\":1,\"segmentsBefore\":0,\"segments\":0,\"done\":true}");
        MemoryCompactFunction.Reply asked = MemoryCompactFunction.reply(json("{\"task\":\"n:7\",\"maxSegments\":2}"), inMemory);
        assertThat(JSON.writeValueAsString(asked)).isEqualTo("{\"task\":\"n:7\",\"maxSegments\":2,\"segments\":0,\"done\":true}");
    }

    /**
     * The deployment's store decides: OpenSearch (signed for es) is compacted, the in-memory store has nothing to; without
     * memory, or on a Serverless collection (no force merge), the answer is a plain refusal naming which.
     */
    @Test
    void noMemoryAndServerlessAreRefusedPlainly() {
        String node = OpenSearchNode.get().endpoint().toString();
        Map<String, Map<String, String>> refused = Map.of(
                "none", Map.of("threadline.memory.store", "none"),
                "aoss", Map.of("threadline.memory.store", "opensearch", "threadline.memory.opensearch.url", node,
                        "threadline.memory.opensearch.signing", "aws-sigv4", "threadline.memory.opensearch.signing-service", "aoss",
                        "threadline.memory.opensearch.signing-region", "eu-west-1"));
        refused.forEach((memory, config) -> {
            MemoryCompactFunction function = new MemoryCompactFunction();
            function.memoryStores = MemoryStoresFixture.of(config);
            MemoryCompactFunction.Reply reply = function.memoryCompact(json("{}"));
            assertThat(reply.error()).as(memory).isNotNull();
            assertThat(reply.error().code()).as(memory).isEqualTo(ErrorCode.INVALID_INPUT.name());
            assertThat(reply.error().details()).as(memory).containsEntry("memory", memory);
            assertThat(reply.error().message()).as(memory).contains("nothing to compact");
        });
        // The same wiring on OpenSearch (unsigned, on the local node) compacts; the in-memory store has nothing to.
        MemoryCompactFunction onNode = new MemoryCompactFunction();
        onNode.memoryStores = MemoryStoresFixture.of(Map.of("threadline.memory.store", "opensearch",
                "threadline.memory.opensearch.url", node, "threadline.memory.opensearch.index", index));
        MemoryCompactFunction.Reply polled = onNode.memoryCompact(json("{\"task\":\"n:7\",\"maxSegments\":100}"));
        assertThat(polled.error()).as("%s", polled).isNull();
        assertThat(polled.done()).isTrue();
        MemoryCompactFunction inMemory = new MemoryCompactFunction();
        inMemory.memoryStores = MemoryStoresFixture.of(Map.of("threadline.memory.store", "memory"));
        assertThat(inMemory.memoryCompact(json("{}")).segments()).isZero();
    }

    /**
     * A mistyped signing setting is refused by name, as the store's choice refuses it — not an unsigned client every
     * request of which the domain refuses, nor a signer for no service — and memory-compact answers it MISCONFIGURED
     * naming the key (a configuration change cures it), not INTERNAL.
     */
    @Test
    void aMistypedSigningSettingIsRefusedByName() {
        String node = OpenSearchNode.get().endpoint().toString();
        Map<String, String> mistyped = Map.of("threadline.memory.opensearch.signing", "sigv4",
                "threadline.memory.opensearch.signing-service", "ess");
        mistyped.forEach((key, value) -> {
            var stores = MemoryStoresFixture.of(Map.of("threadline.memory.store", "opensearch", "threadline.memory.opensearch.url", node,
                    "threadline.memory.opensearch.signing-region", "eu-west-1", key, value));
            assertThatThrownBy(stores::maintenance).as(key).isInstanceOfSatisfying(ThreadlineException.class, e -> {
                assertThat(e.code()).isEqualTo(ErrorCode.MISCONFIGURED);
                assertThat(e.details()).containsEntry("key", key);
            }).hasMessageContaining(key).hasMessageContaining(value);
            MemoryCompactFunction function = new MemoryCompactFunction();
            function.memoryStores = stores;
            MemoryCompactFunction.Reply reply = function.memoryCompact(json("{}"));
            assertThat(reply.error().code()).as(key).isEqualTo(ErrorCode.MISCONFIGURED.name());
            assertThat(reply.error().message()).as(key).contains(key, value);
        });
    }

    /** A node that does not answer is DEPENDENCY_UNAVAILABLE (ask again), as every store call's. */
    @Test
    void aNodeThatIsDownIsDependencyUnavailable() throws Exception {
        int closedPort;
        try (ServerSocket s = new ServerSocket(0)) {
            closedPort = s.getLocalPort();
        }
        MemoryIndexMaintenance down = new MemoryIndexMaintenance(OpenSearchClients.create(URI.create("http://127.0.0.1:" + closedPort),
                Duration.ofSeconds(5)), index);
        for (String request : new String[] {"{}", "{\"task\":\"n:7\",\"maxSegments\":1}"}) {
            MemoryCompactFunction.Reply reply = MemoryCompactFunction.reply(json(request), () -> Optional.of(down));
            assertThat(reply.error().code()).as(request).isEqualTo(ErrorCode.DEPENDENCY_UNAVAILABLE.name());
            assertThat(reply.error().details()).as(request).doesNotContainKey("retry");
        }
    }
}
