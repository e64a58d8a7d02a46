package io.threadline.checkpoint.dynamodb.internal;

import io.threadline.ThreadlineException;
import io.threadline.checkpoint.CheckpointId;
import io.threadline.checkpoint.HeadPage;
import io.threadline.checkpoint.HeadScan;
import io.threadline.checkpoint.ThreadHead;
import io.threadline.checkpoint.ThreadKey;
import software.amazon.awssdk.services.dynamodb.DynamoDbClient;
import software.amazon.awssdk.services.dynamodb.model.AttributeValue;
import software.amazon.awssdk.services.dynamodb.model.ScanRequest;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Base64;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * Scans thread heads through the thread index ({@value #INDEX}): only HEAD items carry its keys, so it holds one small
 * entry per thread and no checkpoint item. Every tenant is a Scan of the index; one tenant is a Query of each of its
 * index partitions ({@code <tenant>#<shard>}) in turn — its threads are spread over shards by design (README "Scale")
 * — so a tenant's scan reads only its own entries, and its cursor names only its own threads. The page's heads are then read consistently (BatchGetItem), since the index projects
 * neither step nor checkpoint id and may lag a commit by a moment. The index orders entries by activity, so a thread
 * stepped during a scan can come back in a later page.
 */
public record HeadScanner(DynamoDbClient client, String table, ThreadIndex index) {

    /** The global secondary index of infra/dynamodb/table.json. */
    public static final String INDEX = ThreadIndex.NAME;

    private static final String ALL_PREFIX = "ddb2a:";
    private static final String TENANT_PREFIX = "ddb2t:";

    public HeadPage scan(HeadScan scan) {
        return scan.tenant() == null ? allTenants(scan) : tenant(scan);
    }

    /** Every tenant: one Scan page of the index. */
    private HeadPage allTenants(HeadScan scan) {
        Map<String, AttributeValue> start = scan.cursor() == null ? null : decodeAll(scan);
        var response = client.scan(ScanRequest.builder().tableName(table).indexName(INDEX).limit(scan.limit())
                .exclusiveStartKey(start).build());
        Map<String, AttributeValue> last = response.hasLastEvaluatedKey() && !response.lastEvaluatedKey().isEmpty()
                ? response.lastEvaluatedKey() : null;
        List<ThreadKey> threads = new ArrayList<>(response.items().size());
        for (Map<String, AttributeValue> item : response.items()) {
            ThreadKey thread = threadOf(item.get(Keys.PK).s());
            if (thread != null) {
                threads.add(thread);
            }
        }
        return page(threads, last == null ? null : ALL_PREFIX + encode(keyText(last)));
    }

    /**
     * One tenant: its index partitions (shards) queried one after the other, as many Query pages as fill the page; the
     * cursor names the shard and the position in it, so a tenant's scan reads only that tenant's entries.
     */
    private HeadPage tenant(HeadScan scan) {
        int shards = index.settings().shards();
        int shard = 0;
        Map<String, AttributeValue> start = null;
        if (scan.cursor() != null) {
            TenantPosition at = decodeTenant(scan, shards);
            shard = at.shard();
            start = at.start();
        }
        List<ThreadKey> threads = new ArrayList<>(scan.limit());
        while (shard < shards && threads.size() < scan.limit()) {
            String partition = ThreadIndex.partition(scan.tenant(), shard);
            Map<String, AttributeValue> from = start;
            int room = scan.limit() - threads.size();
            var response = client.query(b -> b.tableName(table).indexName(INDEX).limit(room)
                    .keyConditionExpression("#p = :p")
                    .expressionAttributeNames(Map.of("#p", ThreadIndex.PARTITION))
                    .expressionAttributeValues(Map.of(":p", AttributeValue.fromS(partition)))
                    .exclusiveStartKey(from));
            for (Map<String, AttributeValue> item : response.items()) {
                ThreadKey thread = threadOf(item.get(Keys.PK).s());
                if (thread != null && thread.tenant().equals(scan.tenant())) {
                    threads.add(thread);
                }
            }
            if (response.hasLastEvaluatedKey() && !response.lastEvaluatedKey().isEmpty()) {
                start = response.lastEvaluatedKey();
            } else {
                shard++;
                start = null;
            }
        }
        String next = shard >= shards ? null
                : TENANT_PREFIX + encode(shard + "\n" + (start == null ? "" : keyText(start)));
        return page(threads, next);
    }

    private HeadPage page(List<ThreadKey> threads, String next) {
        Map<ThreadKey, ThreadHead> heads = heads(threads);
        List<HeadPage.Entry> entries = new ArrayList<>(threads.size());
        for (ThreadKey thread : threads) {
            ThreadHead head = heads.get(thread);
            if (head != null) {
                entries.add(new HeadPage.Entry(thread, head));
            }
        }
        return new HeadPage(entries, next);
    }

    /** The threads' heads read consistently; a thread deleted meanwhile (or a delete's tombstone) has none. */
    private Map<ThreadKey, ThreadHead> heads(List<ThreadKey> threads) {
        List<String> pks = new ArrayList<>(threads.size());
        threads.forEach(thread -> pks.add(Keys.partition(thread)));
        Map<ThreadKey, ThreadHead> out = new HashMap<>();
        HeadBatchReads.read(client, table, pks, "#pk, #step, #cid", Map.of("#pk", Keys.PK, "#step", Keys.STEP, "#cid", Keys.CHECKPOINT_ID),
                "scanHeads").values().forEach(item -> {
            ThreadKey thread = threadOf(item.get(Keys.PK).s());
            if (thread != null && item.containsKey(Keys.CHECKPOINT_ID) && item.containsKey(Keys.STEP)) {
                out.put(thread, new ThreadHead(CheckpointId.parse(item.get(Keys.CHECKPOINT_ID).s()), CheckpointItems.stepOf(item)));
            }
        });
        return out;
    }

    /** The thread of a partition key {@code T#<tenant>#<threadId>} (neither part holds '#'); {@code null} for another key. */
    static ThreadKey threadOf(String pk) {
        if (!pk.startsWith("T#")) {
            return null;
        }
        int hash = pk.indexOf('#', 2);
        return hash < 0 ? null : ThreadKey.of(pk.substring(2, hash), pk.substring(hash + 1));
    }

    /** An index key as text: table key and index key, newline-separated (none of them holds one). */
    private static String keyText(Map<String, AttributeValue> key) {
        return String.join("\n", key.get(Keys.PK).s(), key.get(Keys.SK).s(), key.get(ThreadIndex.PARTITION).s(),
                key.get(ThreadIndex.SORT).s());
    }

    private static String encode(String text) {
        return Base64.getUrlEncoder().withoutPadding().encodeToString(text.getBytes(StandardCharsets.UTF_8));
    }

    private static String[] decode(HeadScan scan, String prefix) {
        String cursor = scan.cursor();
        if (!cursor.startsWith(prefix)) {
            throw scan.badCursor();
        }
        try {
            return new String(Base64.getUrlDecoder().decode(cursor.substring(prefix.length())), StandardCharsets.UTF_8).split("\n", -1);
        } catch (IllegalArgumentException e) {
            throw scan.badCursor();
        }
    }

    /** The index key of {@code parts} (from {@link #keyText}), checked to be a head's entry of its own tenant. */
    private static Map<String, AttributeValue> keyOf(HeadScan scan, String[] parts, int from) {
        if (parts.length != from + 4 || !Keys.HEAD.equals(parts[from + 1]) || parts[from + 3].isEmpty()) {
            throw scan.badCursor();
        }
        ThreadKey thread;
        try {
            thread = threadOf(parts[from]);
        } catch (ThreadlineException e) {
            throw scan.badCursor();
        }
        if (thread == null || !parts[from + 2].startsWith(thread.tenant() + "#")) {
            throw scan.badCursor();
        }
        return Map.of(Keys.PK, AttributeValue.fromS(parts[from]), Keys.SK, AttributeValue.fromS(parts[from + 1]),
                ThreadIndex.PARTITION, AttributeValue.fromS(parts[from + 2]), ThreadIndex.SORT, AttributeValue.fromS(parts[from + 3]));
    }

    private static Map<String, AttributeValue> decodeAll(HeadScan scan) {
        return keyOf(scan, decode(scan, ALL_PREFIX), 0);
    }

    private record TenantPosition(int shard, Map<String, AttributeValue> start) {
    }

    private static TenantPosition decodeTenant(HeadScan scan, int shards) {
        String[] parts = decode(scan, TENANT_PREFIX);
        int shard;
        try {
            shard = Integer.parseInt(parts[0]);
        } catch (NumberFormatException e) {
            throw scan.badCursor();
        }
        if (shard < 0 || shard >= shards) {
            throw scan.badCursor();
        }
        if (parts.length == 2 && parts[1].isEmpty()) {
            return new TenantPosition(shard, null);
        }
        Map<String, AttributeValue> start = keyOf(scan, parts, 1);
        // A tenant's scan goes on inside that tenant's shard: a cursor naming another partition is refused, not served.
        if (!start.get(ThreadIndex.PARTITION).s().equals(ThreadIndex.partition(scan.tenant(), shard))) {
            throw scan.badCursor();
        }
        return new TenantPosition(shard, start);
    }
}
