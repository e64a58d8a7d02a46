package io.threadline.checkpoint.dynamodb.internal;

import io.threadline.ErrorCode;
import io.threadline.ThreadlineException;
import io.threadline.checkpoint.CheckpointId;
import io.threadline.checkpoint.HeadPage;
import io.threadline.checkpoint.HeadScan;
import io.threadline.checkpoint.ThreadHead;
import io.threadline.checkpoint.ThreadKey;
import software.amazon.awssdk.services.dynamodb.DynamoDbClient;
import software.amazon.awssdk.services.dynamodb.model.AttributeValue;
import software.amazon.awssdk.services.dynamodb.model.BatchGetItemResponse;
import software.amazon.awssdk.services.dynamodb.model.KeysAndAttributes;
import software.amazon.awssdk.services.dynamodb.model.ScanRequest;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Base64;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * Scans thread heads through the thread index ({@value #INDEX}): only HEAD items carry its keys, so a Scan of it reads
 * one small entry per thread and no checkpoint item. One tenant is the same Scan filtered to the tenant's index
 * partitions ({@code <tenant>#<shard>}); a tenant's threads are spread over shards by design (README "Scale"), so no
 * single Query reaches them all. The page's heads are then read consistently (BatchGetItem), since the index projects
 * neither step nor checkpoint id and may lag a commit by a moment. The index orders entries by activity, so a thread
 * stepped during a scan can come back in a later page.
 */
public final class HeadScanner {

    /** The global secondary index of infra/dynamodb/table.json. */
    public static final String INDEX = ThreadIndex.NAME;

    private static final String CURSOR_PREFIX = "ddb2:";
    /** BatchGetItem's limit of keys per request. */
    private static final int BATCH_GET_KEYS = 100;
    private static final int BATCH_GET_ATTEMPTS = 5;

    private final DynamoDbClient client;
    private final String table;

    public HeadScanner(DynamoDbClient client, String table) {
        this.client = client;
        this.table = table;
    }

    public HeadPage scan(HeadScan scan) {
        Map<String, AttributeValue> start = scan.cursor() == null ? null : decode(scan);
        ScanRequest.Builder request = ScanRequest.builder().tableName(table).indexName(INDEX).limit(scan.limit())
                .exclusiveStartKey(start);
        if (scan.tenant() != null) {
            request.filterExpression("begins_with(#p, :t)")
                    .expressionAttributeNames(Map.of("#p", ThreadIndex.PARTITION))
                    .expressionAttributeValues(Map.of(":t", AttributeValue.fromS(scan.tenant() + "#")));
        }
        var response = client.scan(request.build());
        Map<String, AttributeValue> last = response.hasLastEvaluatedKey() && !response.lastEvaluatedKey().isEmpty()
                ? response.lastEvaluatedKey() : null;
        List<ThreadKey> threads = new ArrayList<>(response.items().size());
        for (Map<String, AttributeValue> item : response.items()) {
            ThreadKey thread = threadOf(item.get(Keys.PK).s());
            if (thread != null && (scan.tenant() == null || scan.tenant().equals(thread.tenant()))) {
                threads.add(thread);
            }
        }
        Map<ThreadKey, ThreadHead> heads = heads(threads);
        List<HeadPage.Entry> entries = new ArrayList<>(threads.size());
        for (ThreadKey thread : threads) {
            ThreadHead head = heads.get(thread);
            if (head != null) {
                entries.add(new HeadPage.Entry(thread, head));
            }
        }
        return new HeadPage(entries, last == null ? null : encode(last));
    }

    /** The threads' heads read consistently; a thread deleted meanwhile (or a delete's tombstone) has none. */
    private Map<ThreadKey, ThreadHead> heads(List<ThreadKey> threads) {
        Map<ThreadKey, ThreadHead> out = new HashMap<>();
        for (int from = 0; from < threads.size(); from += BATCH_GET_KEYS) {
            List<Map<String, AttributeValue>> keys = new ArrayList<>();
            for (ThreadKey thread : threads.subList(from, Math.min(threads.size(), from + BATCH_GET_KEYS))) {
                keys.add(ThreadReader.key(Keys.partition(thread), Keys.HEAD));
            }
            for (int attempt = 1; !keys.isEmpty(); attempt++) {
                if (attempt > BATCH_GET_ATTEMPTS) {
                    throw new ThreadlineException(ErrorCode.DEPENDENCY_UNAVAILABLE, "DynamoDB left " + keys.size()
                            + " thread heads unread after " + BATCH_GET_ATTEMPTS + " rounds (throttled); safe to retry",
                            Map.of("operation", "scanHeads", "table", table));
                }
                List<Map<String, AttributeValue>> round = keys;
                BatchGetItemResponse response = client.batchGetItem(b -> b.requestItems(Map.of(table, KeysAndAttributes.builder()
                        .keys(round).consistentRead(true).projectionExpression("#pk, #step, #cid")
                        .expressionAttributeNames(Map.of("#pk", Keys.PK, "#step", Keys.STEP, "#cid", Keys.CHECKPOINT_ID)).build())));
                for (Map<String, AttributeValue> item : response.responses().getOrDefault(table, List.of())) {
                    ThreadKey thread = threadOf(item.get(Keys.PK).s());
                    if (thread != null && item.containsKey(Keys.CHECKPOINT_ID) && item.containsKey(Keys.STEP)) {
                        out.put(thread, new ThreadHead(CheckpointId.parse(item.get(Keys.CHECKPOINT_ID).s()), CheckpointItems.stepOf(item)));
                    }
                }
                KeysAndAttributes unprocessed = response.hasUnprocessedKeys() ? response.unprocessedKeys().get(table) : null;
                keys = unprocessed == null ? List.of() : unprocessed.keys();
                if (!keys.isEmpty()) {
                    pause(attempt);
                }
            }
        }
        return out;
    }

    private static void pause(int attempt) {
        try {
            Thread.sleep(20L * attempt);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new ThreadlineException(ErrorCode.DEPENDENCY_UNAVAILABLE, "interrupted while scanning thread heads; safe to retry",
                    Map.of(), e);
        }
    }

    /** The thread of a partition key {@code T#<tenant>#<threadId>} (neither part holds '#'); {@code null} for another key. */
    static ThreadKey threadOf(String pk) {
        if (!pk.startsWith("T#")) {
            return null;
        }
        int hash = pk.indexOf('#', 2);
        return hash < 0 ? null : ThreadKey.of(pk.substring(2, hash), pk.substring(hash + 1));
    }

    /** The last evaluated key of the index: table key and index key, newline-separated (none of them holds one). */
    private static String encode(Map<String, AttributeValue> key) {
        String text = String.join("\n", key.get(Keys.PK).s(), key.get(Keys.SK).s(), key.get(ThreadIndex.PARTITION).s(),
                key.get(ThreadIndex.SORT).s());
        return CURSOR_PREFIX + Base64.getUrlEncoder().withoutPadding().encodeToString(text.getBytes(StandardCharsets.UTF_8));
    }

    private static Map<String, AttributeValue> decode(HeadScan scan) {
        String cursor = scan.cursor();
        if (!cursor.startsWith(CURSOR_PREFIX)) {
            throw scan.badCursor();
        }
        String[] parts;
        try {
            parts = new String(Base64.getUrlDecoder().decode(cursor.substring(CURSOR_PREFIX.length())), StandardCharsets.UTF_8).split("\n", -1);
        } catch (IllegalArgumentException e) {
            throw scan.badCursor();
        }
        if (parts.length != 4 || !Keys.HEAD.equals(parts[1]) || parts[3].isEmpty()) {
            throw scan.badCursor();
        }
        ThreadKey thread;
        try {
            thread = threadOf(parts[0]);
        } catch (ThreadlineException e) {
            throw scan.badCursor();
        }
        // A tenant's scan must go on inside that tenant: a cursor naming another tenant's thread is refused, not served.
        if (thread == null || !parts[2].startsWith(thread.tenant() + "#")
                || (scan.tenant() != null && !scan.tenant().equals(thread.tenant()))) {
            throw scan.badCursor();
        }
        return Map.of(Keys.PK, AttributeValue.fromS(parts[0]), Keys.SK, AttributeValue.fromS(parts[1]),
                ThreadIndex.PARTITION, AttributeValue.fromS(parts[2]), ThreadIndex.SORT, AttributeValue.fromS(parts[3]));
    }
}
