package io.threadline.checkpoint.dynamodb;

import io.threadline.ErrorCode;
import io.threadline.ThreadlineException;
import io.threadline.checkpoint.Checkpoint;
import io.threadline.checkpoint.CheckpointId;
import io.threadline.checkpoint.ThreadKey;
import io.threadline.checkpoint.ThreadSummary;
import io.threadline.checkpoint.dynamodb.internal.Keys;
import io.threadline.checkpoint.dynamodb.internal.ThreadIndex;
import software.amazon.awssdk.services.dynamodb.DynamoDbClient;
import software.amazon.awssdk.services.dynamodb.model.AttributeValue;
import software.amazon.awssdk.services.dynamodb.model.ConditionalCheckFailedException;
import software.amazon.awssdk.services.dynamodb.model.ScanResponse;

import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.util.Base64;
import java.util.HashMap;
import java.util.Map;
import java.util.Optional;
import java.util.function.Consumer;

/**
 * Sets the thread index's attributes ({@code threadsByActivity}, README "Upgrading a table") on HEAD items written
 * before that index existed and not stepped since, so listings and the migration dry-run see those threads. A paged
 * Scan of the table, filtered to HEAD items that name a checkpoint and lack the index's partition attribute; each
 * such head gets what its checkpoint's commit would have set (index keys from the checkpoint's time and thread,
 * status, agent, what it waits for; the retired index's keys removed), by an UpdateItem conditioned on the head still
 * naming that checkpoint and still lacking the index keys — a commit or delete racing the backfill wins and is never
 * overwritten. One Scan page in memory at a time; a run stops after {@code maxItems} scanned items and returns the
 * Scan's position as a cursor to continue from.
 */
public final class ThreadIndexBackfill {

    private final DynamoDbClient client;
    private final ThreadIndex index;
    private final DynamoDbCheckpointStore store;
    private final Consumer<ThreadKey> beforeUpdate;
    private final String table;

    /** The Scan page size: one page (≤ 1 MB) is all a run holds. */
    public static final int PAGE = 500;
    private static final String CURSOR_PREFIX = "bf1:";

    /** @param threadIndex the deployment's index settings (shards, granularity): the backfill keys heads as its commits do */
    public ThreadIndexBackfill(DynamoDbClient client, String table, ThreadIndexSettings threadIndex) {
        this(client, table, threadIndex, thread -> { });
    }

    /** {@code beforeUpdate} runs between a head's scan and its update: tests race a commit there. */
    ThreadIndexBackfill(DynamoDbClient client, String table, ThreadIndexSettings threadIndex, Consumer<ThreadKey> beforeUpdate) {
        this.client = client;
        this.table = table;
        this.index = new ThreadIndex(threadIndex);
        this.store = new DynamoDbCheckpointStore(client, DynamoDbStoreSettings.defaults(table), threadIndex, Clock.systemUTC());
        this.beforeUpdate = beforeUpdate;
    }

    /**
     * What one run did. {@code scanned}: items the Scan read (every item kind counts: DynamoDB filters after reading);
     * {@code lacking}: HEAD items without the index keys; {@code updated}: heads given them; {@code skipped}: heads a
     * commit or delete changed (or that already had the keys) by the time of their update, or whose checkpoint is
     * gone; {@code cursor}: where to continue, {@code null} when the table is done.
     */
    public record Report(long scanned, long lacking, long updated, long skipped, String cursor) {

        public String render() {
            return "scanned " + scanned + ", heads lacking index keys " + lacking + ", updated " + updated
                    + ", skipped (changed meanwhile, already set or gone) " + skipped
                    + (cursor == null ? ", table done" : ", continue with --cursor " + cursor) + "\n";
        }
    }

    /** Runs from {@code cursor} ({@code null}: the table's start) until the table ends or {@code maxItems} items are scanned. */
    public Report run(String cursor, long maxItems) {
        if (maxItems < 1) {
            throw new ThreadlineException(ErrorCode.INVALID_INPUT, "max-items must be at least 1, not " + maxItems,
                    Map.of("field", "max-items"));
        }
        Map<String, AttributeValue> start = cursor == null ? null : decode(cursor);
        long scanned = 0;
        long lacking = 0;
        long updated = 0;
        long skipped = 0;
        do {
            int limit = (int) Math.min(PAGE, maxItems - scanned);
            Map<String, AttributeValue> from = start;
            ScanResponse page = client.scan(b -> b.tableName(table).limit(limit).exclusiveStartKey(from).consistentRead(true)
                    .filterExpression("#sk = :head AND attribute_exists(#cid) AND attribute_not_exists(#tix) AND attribute_not_exists(#del)")
                    .expressionAttributeNames(Map.of("#sk", Keys.SK, "#cid", Keys.CHECKPOINT_ID, "#tix", ThreadIndex.PARTITION,
                            "#del", Keys.DELETING))
                    .expressionAttributeValues(Map.of(":head", AttributeValue.fromS(Keys.HEAD))));
            scanned += page.scannedCount();
            for (Map<String, AttributeValue> head : page.items()) {
                lacking++;
                if (backfill(head)) {
                    updated++;
                } else {
                    skipped++;
                }
            }
            start = page.hasLastEvaluatedKey() && !page.lastEvaluatedKey().isEmpty() ? page.lastEvaluatedKey() : null;
        } while (start != null && scanned < maxItems);
        return new Report(scanned, lacking, updated, skipped, start == null ? null : encode(start));
    }

    /** One head: its checkpoint read, then the conditional update; {@code false} if it was not applied. */
    private boolean backfill(Map<String, AttributeValue> head) {
        String pk = head.get(Keys.PK).s();
        int hash = pk.indexOf('#', 2);
        if (!pk.startsWith("T#") || hash < 0) {
            return false;
        }
        ThreadKey thread = ThreadKey.of(pk.substring(2, hash), pk.substring(hash + 1));
        String cid = head.get(Keys.CHECKPOINT_ID).s();
        Optional<Checkpoint> stored = store.get(thread, CheckpointId.parse(cid));
        if (stored.isEmpty()) {
            return false;
        }
        Checkpoint cp = stored.get();
        beforeUpdate.accept(thread);
        Map<String, String> names = new HashMap<>(Map.of("#cid", Keys.CHECKPOINT_ID, "#tix", ThreadIndex.PARTITION,
                "#tis", ThreadIndex.SORT, "#st", ThreadIndex.STATUS, "#g1p", Keys.GSI1_PK, "#g1s", Keys.GSI1_SK));
        Map<String, AttributeValue> values = new HashMap<>(Map.of(":cid", AttributeValue.fromS(cid),
                ":tix", AttributeValue.fromS(ThreadIndex.partition(thread.tenant(), index.shard(thread.threadId()))),
                ":tis", AttributeValue.fromS(ThreadIndex.sortKey(index.granule(cp.createdAt()), thread.threadId())),
                ":st", AttributeValue.fromS(cp.status().name())));
        StringBuilder set = new StringBuilder("SET #tix = :tix, #tis = :tis, #st = :st");
        String agent = cp.metadata().get(ThreadSummary.AGENT_KEY);
        if (agent != null) {
            set.append(", #ag = :ag");
            names.put("#ag", ThreadIndex.AGENT);
            values.put(":ag", AttributeValue.fromS(agent));
        }
        if (cp.interrupt() != null) {
            set.append(", #wf = :wf");
            names.put("#wf", ThreadIndex.WAITING);
            values.put(":wf", ThreadIndex.waiting(ThreadSummary.Waiting.of(cp.interrupt())));
        }
        try {
            client.updateItem(b -> b.tableName(table)
                    .key(Map.of(Keys.PK, head.get(Keys.PK), Keys.SK, head.get(Keys.SK)))
                    .updateExpression(set + " REMOVE #g1p, #g1s")
                    .conditionExpression("#cid = :cid AND attribute_not_exists(#tix)")
                    .expressionAttributeNames(names).expressionAttributeValues(values));
            return true;
        } catch (ConditionalCheckFailedException e) {
            return false;   // a commit or delete got there first: its head stands
        }
    }

    private static String encode(Map<String, AttributeValue> key) {
        String text = key.get(Keys.PK).s() + "\n" + key.get(Keys.SK).s();
        return CURSOR_PREFIX + Base64.getUrlEncoder().withoutPadding().encodeToString(text.getBytes(StandardCharsets.UTF_8));
    }

    private static Map<String, AttributeValue> decode(String cursor) {
        String[] parts = null;
        if (cursor.startsWith(CURSOR_PREFIX)) {
            try {
                parts = new String(Base64.getUrlDecoder().decode(cursor.substring(CURSOR_PREFIX.length())), StandardCharsets.UTF_8)
                        .split("\n", -1);
            } catch (IllegalArgumentException e) {
                parts = null;
            }
        }
        if (parts == null || parts.length != 2 || parts[0].isEmpty() || parts[1].isEmpty()) {
            throw new ThreadlineException(ErrorCode.INVALID_INPUT,
                    "cursor is not one a backfill run printed: pass it back unchanged", Map.of("field", "cursor"));
        }
        return Map.of(Keys.PK, AttributeValue.fromS(parts[0]), Keys.SK, AttributeValue.fromS(parts[1]));
    }
}
