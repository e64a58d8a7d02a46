package io.threadline.memory.opensearch;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.sun.net.httpserver.HttpServer;
import io.threadline.ErrorCode;
import io.threadline.ThreadlineException;
import io.threadline.memory.Embeddings;
import io.threadline.memory.MemoryHit;
import io.threadline.memory.MemoryQuery;
import io.threadline.memory.MemorySettings;
import io.threadline.memory.MemoryWrite;
import io.threadline.memory.WordEmbeddingModel;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.opensearch.client.opensearch.OpenSearchClient;

import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.OptionalInt;
import java.util.UUID;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** Compacting the memory index ({@link MemoryIndexMaintenance}) on a real local node with the k-NN plugin. */
class MemoryIndexMaintenanceTest {

    private static final Instant T0 = Instant.parse("2026-06-01T12:00:00Z");

    private static OpenSearchClient client;
    /** An index the store made, which the tests that need none of their own share. */
    private static String index;
    private static MemoryIndexMaintenance shared;

    @BeforeAll
    static void node() {
        // A generous limit: the machines these tests run on are shared, and a node there can take seconds to create an index.
        client = OpenSearchClients.create(OpenSearchNode.get().endpoint(), Duration.ofSeconds(30));
        index = "maintained-" + UUID.randomUUID();
        storeOn(index);
        shared = new MemoryIndexMaintenance(client, index);
    }

    /** A store on its own index (created): its writes give the index segments to merge. */
    private static OpenSearchMemoryStore storeOn(String name) {
        OpenSearchMemoryStore own = new OpenSearchMemoryStore(client, new Embeddings(new WordEmbeddingModel()), MemorySettings.DEFAULT,
                new OpenSearchMemorySettings(name, "lucene", WordEmbeddingModel.DIMENSION, 4));
        own.ensureIndex();
        return own;
    }

    /**
     * compact merges the index's segments down (each write leaves one: every write is refreshed) and changes no
     * memory; asked again, it has nothing to do.
     */
    @Test
    void compactMergesTheSegmentsAndKeepsEveryMemory() throws Exception {
        String tenant = "compact-" + UUID.randomUUID();
        String name = "compact-" + UUID.randomUUID();
        OpenSearchMemoryStore own = storeOn(name);
        MemoryIndexMaintenance maintenance = new MemoryIndexMaintenance(client, name);
        String[] words = {"alpha", "bravo", "charlie", "delta", "echo"};
        for (String w : words) {
            own.put(MemoryWrite.of(tenant, "notes", w + " was said"), T0);
        }
        assertThat(maintenance.segments()).isGreaterThan(1);

        MemoryIndexMaintenance.Compaction compaction = maintenance.compact(1);
        assertThat(compaction.task()).isNotNull();
        assertThat(compaction.segmentsBefore()).isGreaterThan(1);
        long until = System.nanoTime() + Duration.ofSeconds(60).toNanos();
        OptionalInt over;
        while ((over = maintenance.compactedSegments(compaction)).isEmpty()) {
            assertThat(System.nanoTime()).as("merged within a minute").isLessThan(until);
            // The node's merge takes seconds: ask every 150 ms, not in a busy loop.
            sleep(150);
        }
        assertThat(over).hasValue(1);
        assertThat(maintenance.segments()).isEqualTo(1);
        // The real merge's task, as the node names it: with another MERGE_ACTION every poll would take the lost-task
        // branch, which judges by the segments and also answers done, so the loop above alone would not notice.
        assertThat(taskAction(compaction.task())).isEqualTo(IndexCompaction.MERGE_ACTION);
        for (String w : words) {
            List<MemoryHit> hits = own.search(MemoryQuery.text(tenant, w + " was said", 1), T0);
            assertThat(hits).extracting(h -> h.memory().content()).containsExactly(w + " was said");
            assertThat(own.get(tenant, hits.get(0).memory().id()).orElseThrow().embedding()).hasSize(WordEmbeddingModel.DIMENSION);
        }
        MemoryIndexMaintenance.Compaction again = maintenance.compact(1);
        assertThat(again.task()).isNull();
        assertThat(maintenance.compacted(again)).isTrue();
    }

    @Test
    void compactRefusesFewerThanOneSegment() {
        assertThatThrownBy(() -> shared.compact(0)).isInstanceOfSatisfying(ThreadlineException.class, e -> {
            assertThat(e.code()).isEqualTo(ErrorCode.INVALID_INPUT);
            assertThat(e.getMessage()).contains("maxSegments");
        });
    }

    /**
     * A merge the node gave up (its task completed with an error) is reported with the node's reason and the task, and
     * says to call compact again (not the generic "safe to retry": asking compacted again cannot succeed).
     */
    @Test
    void aCompactionTheNodeGaveUpIsReported() throws Exception {
        // A node's task answer for a merge that failed (only the task API is asked).
        assertMergeFailed("{\"completed\":true,\"task\":{\"node\":\"n\",\"id\":7,\"action\":\"indices:admin/forcemerge\"},"
                + "\"error\":{\"type\":\"merge_exception\",\"reason\":\"disk full\"}}", "merge_exception", "disk full");
    }

    /** A merge that failed on a shard completes with no error, only its response's _shards say so: reported the same. */
    @Test
    void aCompactionThatFailedOnAShardIsReported() throws Exception {
        assertMergeFailed("{\"completed\":true,\"task\":{\"node\":\"n\",\"id\":7,\"action\":\"indices:admin/forcemerge\"},"
                + "\"response\":{\"_shards\":{\"total\":1,\"successful\":0,\"failed\":1,\"failures\":[{\"shard\":0,"
                + "\"index\":\"m\",\"status\":\"INTERNAL_SERVER_ERROR\",\"reason\":{\"type\":\"io_exception\","
                + "\"reason\":\"no space left on device\"}}]}}}", "1 shard(s) failed", "no space left on device");
    }

    private static void assertMergeFailed(String taskAnswer, String... reason) throws Exception {
        HttpServer node = HttpServer.create(
                new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
        byte[] answer = taskAnswer.getBytes(StandardCharsets.UTF_8);
        node.createContext("/_tasks/n:7", exchange -> {
            exchange.getResponseHeaders().add("Content-Type", "application/json");
            exchange.sendResponseHeaders(200, answer.length);
            exchange.getResponseBody().write(answer);
            exchange.close();
        });
        node.start();
        try {
            MemoryIndexMaintenance maintenance = new MemoryIndexMaintenance(OpenSearchClients.create(
                    URI.create("http://127.0.0.1:" + node.getAddress().getPort()), Duration.ofSeconds(10)), index);
            assertThatThrownBy(() -> maintenance.compacted(new MemoryIndexMaintenance.Compaction(5, 1, "n:7")))
                    .isInstanceOfSatisfying(ThreadlineException.class, e -> {
                        assertThat(e.code()).isEqualTo(ErrorCode.DEPENDENCY_UNAVAILABLE);
                        assertThat(e.getMessage()).contains(reason).contains("call compact again").doesNotContain("safe to retry");
                        assertThat(e.details()).containsEntry("task", "n:7").containsEntry("retry", "compact");
                    });
        } finally {
            node.stop(0);
        }
    }

    /**
     * A task the node does not know (404: it restarted and lost the result) is a merge that is over when the index has
     * that few segments per shard, and otherwise says to call compact again.
     */
    @Test
    void aMergeTheNodeNoLongerKnowsIsJudgedByTheSegments() throws Exception {
        String name = "forgotten-" + UUID.randomUUID();
        OpenSearchMemoryStore own = storeOn(name);
        MemoryIndexMaintenance maintenance = new MemoryIndexMaintenance(client, name);
        String tenant = "forgotten-" + UUID.randomUUID();
        for (String w : new String[] {"alpha", "bravo", "charlie"}) {
            own.put(MemoryWrite.of(tenant, "notes", w + " was said"), T0);
        }
        String lost = client.nodes().info().nodes().keySet().iterator().next() + ":" + Integer.MAX_VALUE;
        assertJudgedBySegments(maintenance, lost);
    }

    /**
     * A restarted node numbers its tasks afresh, so a merge's id may come to name another task: that task's end says
     * nothing of the merge, which is judged by the segments as a task the node no longer knows. The real node, behind
     * a proxy that answers the task's id with a completed task of another action (the local node has no other task
     * that outlives its request), counts the segments.
     */
    @Test
    void aTaskIdNamingAnotherActionIsAMergeTheNodeNoLongerKnows() throws Exception {
        String name = "reused-" + UUID.randomUUID();
        OpenSearchMemoryStore own = storeOn(name);
        for (String w : new String[] {"alpha", "bravo", "charlie"}) {
            own.put(MemoryWrite.of("reused-" + UUID.randomUUID(), "notes", w + " was said"), T0);
        }
        String deleting = "n:7";
        RecordingProxy proxy = RecordingProxy.to(OpenSearchNode.get().endpoint()).answering("/_tasks/" + deleting,
                "{\"completed\":true,\"task\":{\"node\":\"n\",\"id\":7,\"action\":\"indices:data/write/delete/byquery\"},"
                        + "\"response\":{\"deleted\":0,\"failures\":[]}}");
        var viaProxy = OpenSearchClients.create(proxy.endpoint(), Duration.ofSeconds(30));
        try {
            MemoryIndexMaintenance maintenance = new MemoryIndexMaintenance(viaProxy, name);
            assertJudgedBySegments(maintenance, deleting);
            // The poll that finds the task lost counts the segments once, and answers that count.
            long stats = statsRequests(proxy, name);
            assertThat(maintenance.compactedSegments(new MemoryIndexMaintenance.Compaction(0, 1000, deleting))).isPresent();
            assertThat(statsRequests(proxy, name)).isEqualTo(stats + 1);
        } finally {
            viaProxy._transport().close();
            proxy.close();
        }
    }

    private static long statsRequests(RecordingProxy proxy, String index) {
        return proxy.requests().stream().map(RecordingProxy.Recorded::pathAndQuery).filter(p -> p.startsWith("/" + index + "/_stats")).count();
    }

    /**
     * A merge whose task is lost: over when no shard has more than asked for (answering the count), else "call compact
     * again"; nothing merges.
     */
    private static void assertJudgedBySegments(MemoryIndexMaintenance maintenance, String deleting) {
        int segments = maintenance.segments();
        assertThat(segments).isGreaterThan(1);
        // Room to spare: the scheduled refresh may add a segment of writer marks meanwhile.
        OptionalInt over = maintenance.compactedSegments(new MemoryIndexMaintenance.Compaction(segments, segments + 100, deleting));
        assertThat(over).isPresent();
        assertThat(over.getAsInt()).isBetween(segments, segments + 100);
        assertThatThrownBy(() -> maintenance.compacted(new MemoryIndexMaintenance.Compaction(segments, 1, deleting)))
                .isInstanceOfSatisfying(ThreadlineException.class, e -> {
                    assertThat(e.code()).isEqualTo(ErrorCode.DEPENDENCY_UNAVAILABLE);
                    assertThat(e.getMessage()).contains("no longer knows merge " + deleting, "call compact again");
                    assertThat(e.details()).containsEntry("retry", "compact");
                });
        assertThat(maintenance.segments()).as("nothing merged (a scheduled refresh may add one)").isGreaterThanOrEqualTo(segments);
    }

    /**
     * {@code max_num_segments} is per shard: an index made with two shards is judged by its fullest shard, not by the
     * sum; and an index not created yet (the store makes it on first use) has nothing to merge.
     */
    @Test
    void segmentsAreCountedPerShardAndNoneBeforeTheIndexExists() throws Exception {
        String name = "two-shards-" + UUID.randomUUID();
        MemoryIndexMaintenance maintenance = new MemoryIndexMaintenance(client, name);
        assertThat(maintenance.segments()).isZero();
        assertThat(maintenance.compact(1).task()).as("nothing to merge before the index exists").isNull();

        client.indices().create(c -> c.index(name).settings(st -> st.numberOfShards(2).numberOfReplicas(0)));
        // One refresh per document, spread over both shards by id: each shard gets segments of its own.
        for (int i = 0; i < 12; i++) {
            int n = i;
            client.index(x -> x.index(name).id("d" + n).document(Map.of("n", n))
                    .refresh(org.opensearch.client.opensearch._types.Refresh.True));
        }
        var stats = client.indices().stats(st -> st.index(name).level(org.opensearch.client.opensearch._types.Level.Shards))
                .indices().get(name).shards();
        int fullest = stats.values().stream().flatMap(List::stream)
                .mapToInt(copy -> copy.segments() == null ? 0 : copy.segments().count()).max().orElse(0);
        int sum = stats.values().stream().flatMap(List::stream)
                .mapToInt(copy -> copy.segments() == null ? 0 : copy.segments().count()).sum();
        assertThat(fullest).isGreaterThan(1);
        assertThat(sum).as("both shards have segments").isGreaterThan(fullest);
        assertThat(maintenance.segments()).isEqualTo(fullest);
        assertThat(maintenance.compact(fullest).task()).as("no shard has more than its fullest: the sum would have merged").isNull();
    }

    @Test
    void compactedRefusesNoCompaction() {
        assertThatThrownBy(() -> shared.compacted(null)).isInstanceOfSatisfying(ThreadlineException.class, e -> {
            assertThat(e.code()).isEqualTo(ErrorCode.INVALID_INPUT);
            assertThat(e.details()).containsEntry("field", "compaction");
        });
    }

    /** A poll's task goes into a request path: only a node's task id is taken, and a bad one is refused before any request. */
    @Test
    void compactedRefusesWhatIsNoTaskIdAndNoSegments() {
        for (String task : new String[] {"", "../_all", "n:7/../../x", "n:7?pretty", "n:", ":7"}) {
            assertThatThrownBy(() -> shared.compacted(new MemoryIndexMaintenance.Compaction(2, 1, task)))
                    .isInstanceOfSatisfying(ThreadlineException.class, e -> {
                        assertThat(e.code()).as(task).isEqualTo(ErrorCode.INVALID_INPUT);
                        assertThat(e.details()).as(task).containsEntry("field", "task");
                    });
        }
        assertThatThrownBy(() -> shared.compacted(new MemoryIndexMaintenance.Compaction(2, 0, "n:7")))
                .isInstanceOfSatisfying(ThreadlineException.class, e -> assertThat(e.details()).containsEntry("field", "maxSegments"));
    }

    /** An alias as the index: its stats name the index behind it, and a count of 0 would make compact a silent no-op. */
    @Test
    void segmentsOfAnAliasAreRefused() throws Exception {
        String alias = "alias-" + UUID.randomUUID();
        client.indices().putAlias(a -> a.index(index).name(alias));
        MemoryIndexMaintenance viaAlias = new MemoryIndexMaintenance(client, alias);
        for (Runnable asked : new Runnable[] {viaAlias::segments, () -> viaAlias.compact(1)}) {
            assertThatThrownBy(asked::run).isInstanceOfSatisfying(ThreadlineException.class, e -> {
                assertThat(e.code()).isEqualTo(ErrorCode.MISCONFIGURED);
                assertThat(e.getMessage()).contains(alias, index, "alias", "threadline.memory.opensearch.index");
            });
        }
    }

    /** The action of the task {@code id}, read from the local node's task API itself. */
    private static String taskAction(String id) throws IOException, InterruptedException {
        var answer = HttpClient.newHttpClient().send(HttpRequest.newBuilder(
                OpenSearchNode.get().endpoint().resolve("/_tasks/" + id)).timeout(Duration.ofSeconds(30)).build(),
                HttpResponse.BodyHandlers.ofString());
        assertThat(answer.statusCode()).as(answer.body()).isEqualTo(200);
        return new ObjectMapper().readTree(answer.body()).path("task").path("action").asText();
    }

    private static void sleep(long millis) {
        try {
            Thread.sleep(millis);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }
}
