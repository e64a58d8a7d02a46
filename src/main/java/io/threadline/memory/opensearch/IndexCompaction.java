package io.threadline.memory.opensearch;

import com.fasterxml.jackson.core.JsonToken;
import org.opensearch.client.opensearch.OpenSearchClient;

import java.io.IOException;
import java.util.Map;

/**
 * Merging the memory index's segments down to a few ({@link OpenSearchMemoryStore#compact}): a force merge the node runs in
 * the background. Each segment holds its own HNSW graph, and a k-NN search walks every one of them, so a search's node
 * time grows with the segment count — which writes push up (every write is refreshed, so each leaves a small segment,
 * and the merge policy keeps up to ten per size tier: a 100,000-memory import left 33 to 81 segments). bench/README.md
 * ("Session 32") has what it gives.
 */
final class IndexCompaction {

    private IndexCompaction() {
    }

    /** The segments of the index's primary shard now. */
    static int segments(OpenSearchClient client, String index) throws IOException {
        var stats = client.indices().stats(s -> s.index(index)).indices().get(index);
        return stats == null || stats.primaries().segments() == null ? 0 : stats.primaries().segments().count();
    }

    /** Starts the force merge unless the index has {@code maxSegments} or fewer already; the node's task, or null. */
    static OpenSearchMemoryStore.Compaction start(OpenSearchClient client, RawRequests raw, String index, int maxSegments)
            throws IOException {
        int before = segments(client, index);
        if (before <= maxSegments) {
            return new OpenSearchMemoryStore.Compaction(before, maxSegments, null);
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
        return new OpenSearchMemoryStore.Compaction(before, maxSegments, task);
    }

    /** Whether the compaction's task is over; a task that failed is an IOException with the node's reason. */
    static boolean done(OpenSearchClient client, RawRequests raw, String index, OpenSearchMemoryStore.Compaction compaction)
            throws IOException {
        if (compaction.task() == null) {
            return true;
        }
        // Read raw: opensearch-java's task answer type requires fields a merge's task does not have.
        boolean done = raw.get("/_tasks/" + compaction.task(), p -> {
            boolean completed = false;
            String error = null;
            p.nextToken();
            while (p.nextToken() == JsonToken.FIELD_NAME) {
                String field = p.currentName();
                JsonToken value = p.nextToken();
                if (field.equals("completed")) {
                    completed = value == JsonToken.VALUE_TRUE;
                } else if (field.equals("error") && value == JsonToken.START_OBJECT) {
                    error = raw.mapper().readTree(p).toString();
                } else {
                    p.skipChildren();
                }
            }
            if (error != null) {
                throw new IOException("the node's merge of the memory index failed: " + error);
            }
            return completed;
        });
        if (done) {
            // Searches see the merged segment only from the next refresh (an idle shard skips its scheduled ones).
            client.indices().refresh(r -> r.index(index));
        }
        return done;
    }
}
