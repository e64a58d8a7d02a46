package io.threadline.checkpoint.dynamodb.internal;

import io.threadline.checkpoint.CheckpointId;
import io.threadline.checkpoint.HeadPage;
import io.threadline.checkpoint.HeadScan;
import io.threadline.checkpoint.ThreadHead;
import io.threadline.checkpoint.ThreadKey;
import io.threadline.ThreadlineException;
import software.amazon.awssdk.services.dynamodb.DynamoDbClient;
import software.amazon.awssdk.services.dynamodb.model.AttributeValue;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Map;

/**
 * Scans thread heads through the tenant index ({@value #INDEX}: only HEAD items carry its keys, projecting the head's
 * step and checkpoint id): one tenant is a Query of its partition, every tenant a Scan of the index — neither reads
 * a checkpoint item. The index sorts a tenant's heads by their last write, so a thread stepped during a scan can come
 * back in a later page; an index is eventually consistent, so a commit of the last moment may be missing.
 */
public final class HeadScanner {

    /** The global secondary index of infra/dynamodb/table.json. */
    public static final String INDEX = "threadsByTenant";

    private static final String CURSOR_PREFIX = "ddb1:";

    private final DynamoDbClient client;
    private final String table;

    public HeadScanner(DynamoDbClient client, String table) {
        this.client = client;
        this.table = table;
    }

    public HeadPage scan(HeadScan scan) {
        Map<String, AttributeValue> start = scan.cursor() == null ? null : decode(scan);
        List<Map<String, AttributeValue>> items;
        Map<String, AttributeValue> last;
        if (scan.tenant() != null) {
            var response = client.query(b -> b.tableName(table).indexName(INDEX).limit(scan.limit())
                    .keyConditionExpression("#p = :t")
                    .expressionAttributeNames(Map.of("#p", Keys.GSI1_PK))
                    .expressionAttributeValues(Map.of(":t", AttributeValue.fromS("TENANT#" + scan.tenant())))
                    .exclusiveStartKey(start));
            items = response.items();
            last = response.hasLastEvaluatedKey() && !response.lastEvaluatedKey().isEmpty() ? response.lastEvaluatedKey() : null;
        } else {
            var response = client.scan(b -> b.tableName(table).indexName(INDEX).limit(scan.limit()).exclusiveStartKey(start));
            items = response.items();
            last = response.hasLastEvaluatedKey() && !response.lastEvaluatedKey().isEmpty() ? response.lastEvaluatedKey() : null;
        }
        List<HeadPage.Entry> heads = new ArrayList<>(items.size());
        for (Map<String, AttributeValue> item : items) {
            ThreadKey thread = threadOf(item.get(Keys.PK).s());
            if (thread != null && item.containsKey(Keys.CHECKPOINT_ID) && item.containsKey(Keys.STEP)) {
                heads.add(new HeadPage.Entry(thread, new ThreadHead(CheckpointId.parse(item.get(Keys.CHECKPOINT_ID).s()),
                        Long.parseLong(item.get(Keys.STEP).n()))));
            }
        }
        return new HeadPage(heads, last == null ? null : encode(last));
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
        String text = String.join("\n", key.get(Keys.PK).s(), key.get(Keys.SK).s(), key.get(Keys.GSI1_PK).s(), key.get(Keys.GSI1_SK).n());
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
        if (parts.length != 4 || !Keys.HEAD.equals(parts[1]) || !parts[3].matches("\\d{1,19}") || !parts[2].startsWith("TENANT#")) {
            throw scan.badCursor();
        }
        ThreadKey thread;
        try {
            thread = threadOf(parts[0]);
        } catch (ThreadlineException e) {
            throw scan.badCursor();
        }
        // A tenant's scan must go on inside that tenant: a cursor naming another tenant's thread is refused, not served.
        if (thread == null || !parts[2].equals("TENANT#" + thread.tenant())
                || (scan.tenant() != null && !scan.tenant().equals(thread.tenant()))) {
            throw scan.badCursor();
        }
        return Map.of(Keys.PK, AttributeValue.fromS(parts[0]), Keys.SK, AttributeValue.fromS(parts[1]),
                Keys.GSI1_PK, AttributeValue.fromS(parts[2]), Keys.GSI1_SK, AttributeValue.fromN(parts[3]));
    }
}
