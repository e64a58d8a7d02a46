package io.threadline.checkpoint.dynamodb.internal;

import io.threadline.ErrorCode;
import io.threadline.ThreadlineException;
import software.amazon.awssdk.services.dynamodb.DynamoDbClient;
import software.amazon.awssdk.services.dynamodb.model.AttributeValue;
import software.amazon.awssdk.services.dynamodb.model.BatchGetItemResponse;
import software.amazon.awssdk.services.dynamodb.model.KeysAndAttributes;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * Reads thread HEAD items by partition key in consistent BatchGetItem requests (100 keys each, BatchGetItem's limit):
 * the index a listing or a head scan walks may lag a commit by a moment, the head does not. Keys DynamoDB leaves
 * unprocessed (throttling) are asked again with a growing pause, and after {@value #ATTEMPTS} rounds the read fails
 * {@code DEPENDENCY_UNAVAILABLE} — safe to retry, as it only reads. Shared by the thread listing and the head scan.
 */
final class HeadBatchReads {

    /** BatchGetItem's limit of keys per request. */
    static final int BATCH_GET_KEYS = 100;
    /** Rounds for keys DynamoDB leaves unprocessed before giving up. */
    static final int ATTEMPTS = 5;

    private HeadBatchReads() {
    }

    /**
     * The HEAD items of {@code partitionKeys} that exist, by partition key, with the attributes of {@code projection}
     * ({@code names} maps its placeholders, and must map {@code #pk} to the partition key, which every item keeps).
     * {@code operation} names the caller in the error's details.
     */
    static Map<String, Map<String, AttributeValue>> read(DynamoDbClient client, String table, List<String> partitionKeys,
                                                         String projection, Map<String, String> names, String operation) {
        Map<String, Map<String, AttributeValue>> out = new HashMap<>();
        for (int from = 0; from < partitionKeys.size(); from += BATCH_GET_KEYS) {
            List<Map<String, AttributeValue>> keys = new ArrayList<>();
            for (String pk : partitionKeys.subList(from, Math.min(partitionKeys.size(), from + BATCH_GET_KEYS))) {
                keys.add(ThreadReader.key(pk, Keys.HEAD));
            }
            for (int attempt = 1; !keys.isEmpty(); attempt++) {
                if (attempt > ATTEMPTS) {
                    throw new ThreadlineException(ErrorCode.DEPENDENCY_UNAVAILABLE, "DynamoDB left " + keys.size()
                            + " thread heads unread after " + ATTEMPTS + " rounds (throttled); safe to retry",
                            Map.of("operation", operation, "table", table));
                }
                List<Map<String, AttributeValue>> round = keys;
                BatchGetItemResponse response = client.batchGetItem(b -> b.requestItems(Map.of(table, KeysAndAttributes.builder()
                        .keys(round).consistentRead(true).projectionExpression(projection).expressionAttributeNames(names).build())));
                response.responses().getOrDefault(table, List.of()).forEach(item -> out.put(item.get(Keys.PK).s(), item));
                KeysAndAttributes unprocessed = response.hasUnprocessedKeys() ? response.unprocessedKeys().get(table) : null;
                keys = unprocessed == null ? List.of() : unprocessed.keys();
                if (!keys.isEmpty()) {
                    pause(attempt, operation);
                }
            }
        }
        return out;
    }

    private static void pause(int attempt, String operation) {
        try {
            Thread.sleep(20L * attempt);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new ThreadlineException(ErrorCode.DEPENDENCY_UNAVAILABLE, "interrupted while reading thread heads (" + operation
                    + "); safe to retry", Map.of("operation", operation), e);
        }
    }
}
