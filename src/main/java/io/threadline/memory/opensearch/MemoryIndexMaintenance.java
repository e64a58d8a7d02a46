package io.threadline.memory.opensearch;

import io.threadline.ErrorCode;
import io.threadline.ThreadlineException;
import org.opensearch.client.opensearch.OpenSearchClient;

import java.util.Map;
import java.util.OptionalInt;
import java.util.regex.Pattern;

/**
 * Upkeep of the memory index, apart from storing and searching ({@link OpenSearchMemoryStore}): merging its segments
 * down ({@link #compact}, {@link #compacted}) and counting them ({@link #segments}). Over the same client and index
 * name as the store; {@link IndexCompaction} does the work. Every call is one store call (its time limit, its errors
 * mapped as the store's are).
 */
public final class MemoryIndexMaintenance {

    /** A node's task id: the node's id (URL-safe base64) and the task's number. */
    private static final Pattern TASK = Pattern.compile("[A-Za-z0-9_-]{1,64}:[0-9]{1,19}");

    private final OpenSearchClient client;
    private final RawRequests raw;
    private final String index;

    public MemoryIndexMaintenance(OpenSearchClient client, String index) {
        this.client = client;
        this.raw = new RawRequests(client);
        this.index = index;
    }

    /**
     * What {@link #compact} started.
     *
     * @param segmentsBefore the most segments any copy of a shard of the index had when it was asked (as {@link #segments}
     *                       counts them)
     * @param maxSegments    the most segments per shard it is merged down to
     * @param task           the node's task doing it, or null when the index had {@code maxSegments} or fewer already
     */
    public record Compaction(int segmentsBefore, int maxSegments, String task) {}

    /**
     * Starts merging the index's segments down to {@code maxSegments} (a force merge the node runs in the background;
     * nothing when it has that few already) and returns at once. Searches and writes go on meanwhile; a search is faster
     * once it is over ({@link #compacted}), since it walks one HNSW graph per segment. Worth it after an import (a large
     * {@code putAll}) or on a schedule in a quiet hour: the merge rewrites the index, and the writes after it add small
     * segments again (README, "Keeping searches fast").
     */
    public Compaction compact(int maxSegments) {
        if (maxSegments < 1) {
            throw new ThreadlineException(ErrorCode.INVALID_INPUT, "maxSegments must be 1 or more, got " + maxSegments,
                    Map.of("field", "maxSegments"));
        }
        return call("compact the memory index", () -> IndexCompaction.start(client, raw, index, maxSegments));
    }

    /**
     * Whether {@code compaction} is over (then searches see the merged segments). A merge the node gave up — its task's
     * error, or shards it failed on — is {@code DEPENDENCY_UNAVAILABLE} with the node's reason and
     * {@code details.retry = "compact"}: call {@link #compact} again (asking this again cannot succeed). A task the node
     * no longer knows (it restarted and lost the task's result) is over when the index has {@code maxSegments} or fewer
     * per shard, and otherwise the same. A {@code DEPENDENCY_UNAVAILABLE} without that detail is a node that did not
     * answer: ask this again. A null compaction, a {@code maxSegments} below 1 and a task that is not a node's task id
     * ({@code <node>:<number>}, as {@link #compact} returned it) are {@code INVALID_INPUT}, before the node is asked.
     * A finished poll also pays the {@code _stats} request of {@link #compactedSegments}, whose count this drops.
     */
    public boolean compacted(Compaction compaction) {
        return compactedSegments(compaction).isPresent();
    }

    /**
     * {@link #compacted}, answering the segments the index has once the compaction is over ({@link #segments}, in the
     * same store call), and empty while it runs; refuses and fails as {@link #compacted} does.
     */
    public OptionalInt compactedSegments(Compaction compaction) {
        if (compaction == null) {
            throw new ThreadlineException(ErrorCode.INVALID_INPUT, "compaction must be what compact returned, got null",
                    Map.of("field", "compaction"));
        }
        check(compaction.maxSegments(), compaction.task());
        return call("check the memory index's compaction", () -> IndexCompaction.done(client, raw, index, compaction));
    }

    /**
     * Refuses ({@code INVALID_INPUT} naming the field) a {@code maxSegments} below 1 and a task that is not a node's
     * task id ({@code <node>:<number>}, as {@link #compact} returns it; null is a compaction with nothing to merge):
     * what {@link #compacted} checks before the node is asked, for a caller that checks a request before it has an index.
     */
    public static void check(int maxSegments, String task) {
        if (maxSegments < 1) {
            throw new ThreadlineException(ErrorCode.INVALID_INPUT, "maxSegments must be 1 or more, got " + maxSegments,
                    Map.of("field", "maxSegments"));
        }
        // The task goes into the request's path: only a node's task id, never another path.
        if (task != null && !TASK.matcher(task).matches()) {
            throw new ThreadlineException(ErrorCode.INVALID_INPUT, "task must be a merge's task id as compact returned it "
                    + "(<node>:<number>), got '" + task + "'", Map.of("field", "task"));
        }
    }

    /**
     * The most segments a copy of a shard of the index has now (each holds its own HNSW graph, and a search walks them
     * all); per shard, as {@link #compact}'s {@code maxSegments} is; 0 before the index is created. An index name that is
     * an alias is {@code MISCONFIGURED} (name the index itself).
     */
    public int segments() {
        return call("count the memory index's segments", () -> IndexCompaction.segments(client, index));
    }

    private <T> T call(String what, StoreCalls.Call<T> body) {
        return StoreCalls.call(client, what, body);
    }
}
