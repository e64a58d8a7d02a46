package io.threadline.checkpoint.dynamodb.internal;

import io.threadline.ErrorCode;
import io.threadline.ThreadlineException;
import io.threadline.checkpoint.CheckpointId;
import io.threadline.checkpoint.PruneReport;
import io.threadline.checkpoint.RetentionPolicy;
import io.threadline.checkpoint.ThreadKey;
import software.amazon.awssdk.services.dynamodb.DynamoDbClient;
import software.amazon.awssdk.services.dynamodb.model.AttributeValue;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * Removes a thread's old checkpoints by policy: keeps the newest {@code keepLast}, and the snapshot
 * (with the deltas after it) that the oldest of those is materialised from. Deletes are batched and
 * not atomic, so they go in an order that leaves a readable thread at every point: idempotency
 * records first, then checkpoint items oldest first, their chunks last (readers skip chunks whose
 * checkpoint item is gone). HEAD is never touched.
 */
public record Pruner(DynamoDbClient client, String table, ThreadReader reader) {

    private static final int MAX_BATCH_ATTEMPTS = 8;

    public PruneReport prune(ThreadKey thread, RetentionPolicy policy) {
        // First the outline (keys, kinds, steps) to decide; data is read only for what goes, to count its bytes.
        List<Map<String, AttributeValue>> outline = reader.outline(thread);
        Map<String, AttributeValue> head = outline.stream().filter(i -> Keys.HEAD.equals(sk(i))).findFirst().orElse(null);
        if (head == null) {
            return new PruneReport(0, 0, 0);
        }
        CheckpointId headId = CheckpointId.parse(head.get(Keys.CHECKPOINT_ID).s());
        List<Map<String, AttributeValue>> checkpoints = outline.stream()
                .filter(i -> Keys.isCheckpoint(sk(i)) && Keys.checkpointIdOf(sk(i)).compareTo(headId) <= 0)
                .toList();
        if (checkpoints.isEmpty()) {
            return new PruneReport(0, 0, 0);
        }
        long headStep = CheckpointItems.stepOf(head);
        long oldestRetained = Math.max(CheckpointItems.stepOf(checkpoints.get(0)), headStep - policy.keepLast() + 1);
        int keepFrom = checkpoints.size() - 1;
        while (keepFrom > 0 && CheckpointItems.stepOf(checkpoints.get(keepFrom)) > oldestRetained) {
            keepFrom--;
        }
        while (keepFrom > 0 && !CheckpointItems.isSnapshot(checkpoints.get(keepFrom))) {
            keepFrom--;
        }
        Map<String, AttributeValue> oldestKept = checkpoints.get(keepFrom);
        long oldestKeptStep = CheckpointItems.stepOf(oldestKept);
        if (!CheckpointItems.isSnapshot(oldestKept)) {
            // No snapshot under the retained checkpoints (a broken thread): deleting anything could only make it worse.
            return new PruneReport(0, 0, oldestKeptStep);
        }
        CheckpointId keepFromId = Keys.checkpointIdOf(sk(oldestKept));

        List<Map<String, AttributeValue>> keyRecords = new ArrayList<>();
        List<Map<String, AttributeValue>> checkpointItems = new ArrayList<>();
        CheckpointSteps removedCheckpoints = new CheckpointSteps();
        List<Map<String, AttributeValue>> chunkItems = new ArrayList<>();
        long[] removedBytes = {0};
        reader.forEachWithPrefix(thread, Keys.IDEMPOTENCY_PREFIX, item -> {
            if (CheckpointId.parse(item.get(Keys.CHECKPOINT_ID).s()).compareTo(keepFromId) < 0) {
                keyRecords.add(BatchDeletes.keyOf(item));
                removedBytes[0] += ItemSize.of(item);
            }
        });
        reader.forEachBelow(thread, Keys.CHECKPOINT_PREFIX, Keys.checkpoint(keepFromId), item -> {
            String sk = sk(item);
            if (Keys.isCheckpoint(sk) || Keys.isPack(sk)) {
                checkpointItems.add(BatchDeletes.keyOf(item));
                removedCheckpoints.add(item);
            } else if (Keys.isChunk(sk)) {
                chunkItems.add(BatchDeletes.keyOf(item));
            } else {
                return;
            }
            removedBytes[0] += ItemSize.of(item);
        });
        List<Map<String, AttributeValue>> ordered = new ArrayList<>(keyRecords);
        ordered.addAll(checkpointItems);
        ordered.addAll(chunkItems);
        delete(thread, ordered);
        return new PruneReport(Math.toIntExact(removedCheckpoints.count()), removedBytes[0], oldestKeptStep);
    }

    /** In the order given (BatchDeletes stops at a batch it cannot finish), so the chain is never broken. */
    private void delete(ThreadKey thread, List<Map<String, AttributeValue>> keys) {
        int left = BatchDeletes.deleteOrCountLeft(client, table, keys, MAX_BATCH_ATTEMPTS);
        if (left > 0 && Thread.currentThread().isInterrupted()) {
            throw new ThreadlineException(ErrorCode.DEPENDENCY_UNAVAILABLE, "interrupted during a prune of " + thread
                    + "; the thread is intact, safe to retry", Map.of("thread", thread.threadId()));
        }
        if (left > 0) {
            throw new ThreadlineException(ErrorCode.DEPENDENCY_UNAVAILABLE, "DynamoDB left " + left
                    + " deletes of a prune of " + thread + " unprocessed after " + MAX_BATCH_ATTEMPTS + " attempts; the thread is intact, "
                    + "prune again later (safe to retry)",
                    Map.of("operation", "prune", "table", table, "thread", thread.threadId(),
                            "awsErrorCode", "UnprocessedItems"));
        }
    }

    private static String sk(Map<String, AttributeValue> item) {
        return item.get(Keys.SK).s();
    }
}
