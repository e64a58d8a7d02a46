package io.threadline.memory.opensearch;

import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.databind.JsonNode;
import io.threadline.ErrorCode;
import io.threadline.ThreadlineException;
import org.opensearch.client.opensearch.OpenSearchClient;
import org.opensearch.client.opensearch._types.Level;
import org.opensearch.client.opensearch._types.OpenSearchException;
import org.opensearch.client.opensearch.indices.IndicesStatsResponse;

import java.io.IOException;
import java.util.Map;
import java.util.OptionalInt;

/**
 * Merging the memory index's segments down to a few ({@link MemoryIndexMaintenance#compact}): a force merge the node runs in
 * the background. Each segment holds its own HNSW graph, and a k-NN search walks every one of them, so a search's node
 * time grows with the segment count — which writes push up (every write is refreshed, so each leaves a small segment,
 * and the merge policy keeps up to ten per size tier: a 100,000-memory import left 33 to 81 segments). bench/README.md
 * ("Session 32") has what it gives.
 */
final class IndexCompaction {

    private IndexCompaction() {
    }

    /** The action of a force merge's task, as the node's task API names it. */
    static final String MERGE_ACTION = "indices:admin/forcemerge";

    /** {@code details.retry} of a compaction that only a new {@code compact} call can finish. */
    static final String RETRY_DETAIL = "retry";

    /**
     * The most segments any started copy of any shard of the index has now: {@code max_num_segments} is per shard, so
     * this is what a merge brings down to it (the store's index has one shard; an index made with more is still compared
     * per shard), and a copy a merge failed on — a replica too, which searches are routed to — still counts. An index
     * not created yet has none. An alias is refused (MISCONFIGURED): the node's stats name the indices behind it, and a
     * count of 0 would make every merge a silent no-op.
     */
    static int segments(OpenSearchClient client, String index) throws IOException {
        IndicesStatsResponse stats;
        try {
            stats = client.indices().stats(s -> s.index(index).level(Level.Shards));
        } catch (OpenSearchException e) {
            if ("index_not_found_exception".equals(e.error().type())) {
                return 0; // created on first use: nothing to merge yet
            }
            throw e;
        }
        var shards = stats.indices().get(index);
        if (shards == null) {
            throw new ThreadlineException(ErrorCode.MISCONFIGURED, "OpenSearch's segment stats do not name the memory index " + index
                    + " (is it an alias, naming " + stats.indices().keySet() + "?); set threadline.memory.opensearch.index"
                    + " to the index itself to compact it", Map.of("index", index));
        }
        int most = 0;
        for (var copies : shards.shards().values()) {
            for (var copy : copies) {
                if (copy.segments() != null) {
                    most = Math.max(most, copy.segments().count());
                }
            }
        }
        return most;
    }

    /** Starts the force merge unless no shard copy has more than {@code maxSegments}; the node's task, or null. */
    static MemoryIndexMaintenance.Compaction start(OpenSearchClient client, RawRequests raw, String index, int maxSegments)
            throws IOException {
        int before = segments(client, index);
        if (before <= maxSegments) {
            return new MemoryIndexMaintenance.Compaction(before, maxSegments, null);
        }
        // Not waited for: merging 100,000 vectors rebuilds their graph, minutes on a small node — far beyond one store
        // call's time limit. The node runs one force merge at a time; searches and writes go on meanwhile.
        // Sent raw: opensearch-java's answer type requires the _shards of a merge that was waited for, and this answer
        // is only {"task": ...}.
        String task = raw.post("/" + index + "/_forcemerge", Map.of("max_num_segments", String.valueOf(maxSegments),
                "wait_for_completion", "false"), new byte[0], RawRequests.JSON, p -> {
            String id = null;
            p.nextToken();
            while (p.nextToken() == JsonToken.FIELD_NAME) {
                String field = p.currentName();
                p.nextToken();
                if (field.equals("task")) {
                    id = p.getText();
                } else {
                    p.skipChildren();
                }
            }
            if (id == null) {
                throw new IOException("OpenSearch started no task for the merge of " + index);
            }
            return id;
        });
        return new MemoryIndexMaintenance.Compaction(before, maxSegments, task);
    }

    /**
     * Whether the compaction's task is over, and then the segments the index has ({@link #segments}); empty while it
     * runs. A merge that failed — the task's error, or shards the merge failed on — is DEPENDENCY_UNAVAILABLE with
     * {@code details.retry = compact}: asking this again can never succeed, a new compact can. A task the node no longer
     * knows (HTTP 404: it restarted and lost the result; or the id names a task of another action, the restarted node
     * having reused its number) is over when the index has {@code maxSegments} or fewer per shard; otherwise the same.
     * Any other DEPENDENCY_UNAVAILABLE (the node did not answer) has no such detail: asking this again is the retry.
     */
    static OptionalInt done(OpenSearchClient client, RawRequests raw, String index, MemoryIndexMaintenance.Compaction compaction)
            throws IOException {
        if (compaction.task() == null) {
            return OptionalInt.of(segments(client, index));
        }
        boolean completed;
        try {
            // Read raw: opensearch-java's task answer type requires fields a merge's task does not have.
            completed = raw.get("/_tasks/" + compaction.task(), p -> completed(raw, p, compaction.task()));
        } catch (RawRequests.StatusException e) {
            if (e.status() != 404) {
                throw e;
            }
            int now = segments(client, index);
            if (now > compaction.maxSegments()) {
                throw new ThreadlineException(ErrorCode.DEPENDENCY_UNAVAILABLE, "the node no longer knows merge " + compaction.task()
                        + " (restarted?); call compact again", Map.of("task", compaction.task(), RETRY_DETAIL, "compact"), e);
            }
            refresh(client, index);
            // Counted before the refresh (the normal path counts after one): writes buffered since may add a segment to
            // what the answer says, which only reports the merge's outcome; nothing decides on the difference.
            return OptionalInt.of(now);
        }
        if (!completed) {
            return OptionalInt.empty();
        }
        refresh(client, index);
        return OptionalInt.of(segments(client, index));
    }

    /** Searches see the merged segment only from the next refresh (an idle shard skips its scheduled ones). */
    private static void refresh(OpenSearchClient client, String index) throws IOException {
        client.indices().refresh(r -> r.index(index));
    }

    /**
     * Whether a merge task's answer says it is over; one that failed (its error, or its shards' failures) is
     * DEPENDENCY_UNAVAILABLE with {@code details.retry = compact}, so a caller can tell it from a node that did not answer
     * (an IOException, which StoreCalls maps to the same code without the detail: there asking again is the retry).
     */
    private static boolean completed(RawRequests raw, JsonParser p, String task) throws IOException {
        boolean completed = false;
        String failure = null;
        p.nextToken();
        while (p.nextToken() == JsonToken.FIELD_NAME) {
            String field = p.currentName();
            JsonToken value = p.nextToken();
            if (field.equals("completed")) {
                completed = value == JsonToken.VALUE_TRUE;
            } else if (field.equals("task") && value == JsonToken.START_OBJECT) {
                // A node that restarted numbers its tasks afresh: the id may now name another task, whose end says
                // nothing of the merge's. Then the merge's own result is lost, as when the node answers 404.
                String action = raw.mapper().readValue(p, JsonNode.class).path("action").asText(MERGE_ACTION);
                if (!action.equals(MERGE_ACTION)) {
                    throw new RawRequests.StatusException(404, "task " + task + " is " + action + ", not a merge: the node "
                            + "restarted and gave the number to another task");
                }
            } else if (field.equals("error") && value == JsonToken.START_OBJECT) {
                failure = raw.mapper().readTree(p).toString();
            } else if (field.equals("response") && value == JsonToken.START_OBJECT && failure == null) {
                // A merge that failed on a shard completes with no error: the failures are in its response's _shards.
                JsonNode shards = raw.mapper().readValue(p, JsonNode.class).path("_shards");
                if (shards.path("failed").asInt(0) > 0) {
                    failure = shards.path("failed").asInt() + " shard(s) failed: " + shards.path("failures");
                }
            } else {
                p.skipChildren();
            }
        }
        if (failure != null) {
            throw new ThreadlineException(ErrorCode.DEPENDENCY_UNAVAILABLE, "the node's merge of the memory index failed: "
                    + failure + "; call compact again", Map.of("task", task, RETRY_DETAIL, "compact"));
        }
        return completed;
    }
}
