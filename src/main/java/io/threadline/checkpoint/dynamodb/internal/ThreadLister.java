package io.threadline.checkpoint.dynamodb.internal;

import io.threadline.checkpoint.CheckpointId;
import io.threadline.checkpoint.ThreadCursor;
import io.threadline.checkpoint.ThreadPage;
import io.threadline.checkpoint.ThreadQuery;
import io.threadline.checkpoint.ThreadSummary;
import software.amazon.awssdk.services.dynamodb.DynamoDbClient;
import software.amazon.awssdk.services.dynamodb.model.AttributeValue;

import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Lists a tenant's threads from the sharded index: one descending Query per shard ({@link ShardQuery}), merged by sort
 * key (a k-way merge holding at most one query page per shard, {@link IndexShard}), filtered by the index's projected
 * status, agent and tags, then the page's heads read in one consistent BatchGetItem for what the index does not hold
 * (step, exact time, what it waits for) and filtered again on them, so every entry matches as of this read even while
 * the index lags.
 */
public record ThreadLister(DynamoDbClient client, String table, ThreadIndex index) {

    private static final String HEAD_ATTRIBUTES = "#pk, #step, #cid, #ua, #st, #ag, #tg, #wf, #del";

    public ThreadPage list(String tenant, ThreadQuery query) {
        ThreadCursor after = query.cursor() == null ? null : ThreadCursor.parse(query.cursor());
        String hi = after != null ? ThreadIndex.sortKeyOf(after)
                : query.updatedBefore() != null ? ThreadIndex.highest(index.granule(query.updatedBefore().minusMillis(1)))
                : ThreadIndex.highest(9_999_999_999_999L);
        if (after != null && query.updatedBefore() != null) {
            String bound = ThreadIndex.highest(index.granule(query.updatedBefore().minusMillis(1)));
            hi = bound.compareTo(hi) < 0 ? bound : hi;
        }
        String lo = query.updatedSince() == null ? ThreadIndex.lowest(0) : ThreadIndex.lowest(index.granule(query.updatedSince()));
        if (lo.compareTo(hi) > 0) {
            return new ThreadPage(List.of(), null);
        }
        int shardCount = index.settings().shards();
        int firstLimit = 2 * ((query.limit() + shardCount - 1) / shardCount) + 2;
        List<IndexShard> shards = new ArrayList<>(shardCount);
        for (int n = 0; n < shardCount; n++) {
            shards.add(new IndexShard(n, tenant));
        }
        // BETWEEN takes the cursor's own entry too; a key condition is all a query may say of its sort key.
        ShardQuery shardQuery = new ShardQuery(client, table, query, lo, hi, after == null ? null : ThreadIndex.sortKeyOf(after));
        int examined = 0;
        List<Map<String, AttributeValue>> candidates = new ArrayList<>(query.limit());
        String cursor = null;
        while (candidates.size() < query.limit()) {
            // Every shard must show its next entry (or be done) before the largest of them is known to be next.
            boolean stuck = false;
            for (IndexShard s : shards) {
                while (s.buffer.isEmpty() && !s.exhausted) {
                    if (s.queried && examined >= index.settings().maxExamined()) {
                        stuck = true;
                        break;
                    }
                    examined += shardQuery.fetch(s, s.queried ? query.limit() + 1 : firstLimit);
                }
            }
            if (stuck) {
                // Out of budget: answer what is known to come before every shard's unexamined rest — the highest
                // position any shard has not read below, whether or not it still holds entries above it (a shard
                // with a buffer has an unread rest too: popping past it would skip that rest).
                String safe = null;
                for (IndexShard s : shards) {
                    if (!s.exhausted && s.lowestExamined != null && (safe == null || s.lowestExamined.compareTo(safe) > 0)) {
                        safe = s.lowestExamined;
                    }
                }
                // The entry at `safe` itself was examined (it is the last one its shard's query evaluated) and the
                // next call starts strictly below the cursor: it is answered now, or it would be answered by neither.
                while (candidates.size() < query.limit()) {
                    IndexShard top = top(shards);
                    if (top == null || top.head().compareTo(safe) < 0) {
                        break;
                    }
                    candidates.add(top.buffer.pollFirst());
                }
                cursor = candidates.size() == query.limit() ? null : safe;
                break;
            }
            IndexShard top = top(shards);
            if (top == null) {
                break;
            }
            candidates.add(top.buffer.pollFirst());
        }
        if (cursor == null && candidates.size() == query.limit() && more(shards)) {
            cursor = candidates.get(candidates.size() - 1).get(ThreadIndex.SORT).s();
        }
        List<ThreadSummary> page = heads(tenant, candidates).stream().filter(query::matches).toList();
        return new ThreadPage(page, cursor == null ? null : ThreadIndex.cursorOf(cursor).encode());
    }

    private static IndexShard top(List<IndexShard> shards) {
        IndexShard top = null;
        for (IndexShard s : shards) {
            if (!s.buffer.isEmpty() && (top == null || s.head().compareTo(top.head()) > 0)) {
                top = s;
            }
        }
        return top;
    }

    /** Whether any entry may follow: a shard with something buffered or not yet read to its end. */
    private static boolean more(List<IndexShard> shards) {
        return shards.stream().anyMatch(s -> !s.buffer.isEmpty() || !s.exhausted);
    }

    /** The candidates' heads, in the candidates' order, read consistently; a head gone meanwhile is left out. */
    private List<ThreadSummary> heads(String tenant, List<Map<String, AttributeValue>> candidates) {
        if (candidates.isEmpty()) {
            return List.of();
        }
        List<String> pks = new ArrayList<>(candidates.size());
        candidates.forEach(c -> pks.add(c.get(Keys.PK).s()));
        Map<String, String> names = Map.of("#pk", Keys.PK, "#step", Keys.STEP, "#cid", Keys.CHECKPOINT_ID, "#ua", Keys.UPDATED_AT,
                "#st", ThreadIndex.STATUS, "#ag", ThreadIndex.AGENT, "#tg", ThreadIndex.TAGS, "#wf", ThreadIndex.WAITING, "#del", Keys.DELETING);
        Map<String, Map<String, AttributeValue>> byPk = HeadBatchReads.read(client, table, pks, HEAD_ATTRIBUTES, names, "threads");
        String prefix = "T#" + tenant + "#";
        Map<String, ThreadSummary> out = new LinkedHashMap<>();
        for (Map<String, AttributeValue> c : candidates) {
            Map<String, AttributeValue> head = byPk.get(c.get(Keys.PK).s());
            if (head == null || !head.containsKey(ThreadIndex.STATUS) || head.containsKey(Keys.DELETING)) {
                continue;  // gone, or a delete's tombstone (ThreadDeleter keeps it in the index for unfinishedDeletes)
            }
            String threadId = head.get(Keys.PK).s().substring(prefix.length());
            out.put(threadId, new ThreadSummary(threadId, head.containsKey(ThreadIndex.AGENT) ? head.get(ThreadIndex.AGENT).s() : null,
                    head.get(ThreadIndex.STATUS).s(), CheckpointItems.stepOf(head), CheckpointId.parse(head.get(Keys.CHECKPOINT_ID).s()),
                    Instant.ofEpochMilli(Long.parseLong(head.get(Keys.UPDATED_AT).n())), ThreadIndex.tagsOf(head),
                    ThreadIndex.waitingOf(head)));
        }
        return new ArrayList<>(out.values());
    }
}
