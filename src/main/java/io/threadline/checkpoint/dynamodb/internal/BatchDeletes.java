package io.threadline.checkpoint.dynamodb.internal;

import software.amazon.awssdk.services.dynamodb.DynamoDbClient;
import software.amazon.awssdk.services.dynamodb.model.AttributeValue;
import software.amazon.awssdk.services.dynamodb.model.BatchWriteItemResponse;
import software.amazon.awssdk.services.dynamodb.model.DeleteRequest;
import software.amazon.awssdk.services.dynamodb.model.WriteRequest;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * Deletes items by key in BatchWriteItem's batches of 25, in the order given. DynamoDB may process part of a
 * batch (throttling): the rest is sent again after a growing pause. A batch still not done after the attempts
 * allowed stops the whole: the batches after it are not sent, so a caller whose order matters (a prune never
 * deletes a checkpoint before what depends on it) keeps its invariant.
 */
public final class BatchDeletes {

    static final int BATCH = 25;

    private BatchDeletes() {
    }

    /** The key of a stored item: what a delete names. */
    public static Map<String, AttributeValue> keyOf(Map<String, AttributeValue> item) {
        return Map.of(Keys.PK, item.get(Keys.PK), Keys.SK, item.get(Keys.SK));
    }

    /**
     * Deletes {@code keys} from {@code table}, each batch attempted at most {@code maxAttempts} times.
     *
     * @return 0 when every delete was done; else the deletes the batch that gave up left unprocessed (the
     *         batches after it were not sent)
     * @throws InterruptedException while pausing between attempts; the batches not yet done are not sent
     */
    public static int delete(DynamoDbClient client, String table, List<Map<String, AttributeValue>> keys, int maxAttempts)
            throws InterruptedException {
        for (int from = 0; from < keys.size(); from += BATCH) {
            List<WriteRequest> batch = new ArrayList<>(BATCH);
            for (Map<String, AttributeValue> key : keys.subList(from, Math.min(keys.size(), from + BATCH))) {
                batch.add(WriteRequest.builder().deleteRequest(DeleteRequest.builder().key(key).build()).build());
            }
            int left = writeAll(client, table, batch, maxAttempts);
            if (left > 0) {
                return left;
            }
        }
        return 0;
    }

    /**
     * {@link #delete}, for callers whose answer to "not all deleted" is the same whatever the cause: an interrupt
     * while pausing between attempts counts as every key left (the batches not yet done are not sent), and the
     * thread's interrupt flag is set again for the caller to see.
     */
    public static int deleteOrCountLeft(DynamoDbClient client, String table, List<Map<String, AttributeValue>> keys,
            int maxAttempts) {
        try {
            return delete(client, table, keys, maxAttempts);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return keys.size();
        }
    }

    private static int writeAll(DynamoDbClient client, String table, List<WriteRequest> batch, int maxAttempts)
            throws InterruptedException {
        Map<String, List<WriteRequest>> pending = Map.of(table, batch);
        for (int attempt = 1; ; attempt++) {
            Map<String, List<WriteRequest>> request = pending;
            BatchWriteItemResponse response = client.batchWriteItem(b -> b.requestItems(request));
            if (!response.hasUnprocessedItems() || response.unprocessedItems().isEmpty()) {
                return 0;
            }
            pending = response.unprocessedItems();
            if (attempt >= maxAttempts) {
                return pending.get(table).size();
            }
            Thread.sleep(Math.min(1000L, 10L << attempt));
        }
    }
}
