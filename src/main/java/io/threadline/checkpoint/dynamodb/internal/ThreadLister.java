package io.threadline.checkpoint.dynamodb.internal;

import io.threadline.ErrorCode;
import io.threadline.ThreadlineException;
import io.threadline.checkpoint.CheckpointId;
import io.threadline.checkpoint.ThreadCursor;
import io.threadline.checkpoint.ThreadKey;
import io.threadline.checkpoint.ThreadPage;
import io.threadline.checkpoint.ThreadQuery;
import io.threadline.checkpoint.ThreadSummary;
import io.threadline.checkpoint.ThreadTags;
import software.amazon.awssdk.services.dynamodb.DynamoDbClient;
import software.amazon.awssdk.services.dynamodb.model.AttributeValue;
import software.amazon.awssdk.services.dynamodb.model.ConditionalCheckFailedException;
import software.amazon.awssdk.services.dynamodb.model.QueryRequest;
import software.amazon.awssdk.services.dynamodb.model.QueryResponse;

import java.time.Instant;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;

/**
 * Lists a tenant's threads from the sharded index: one descending Query per shard, merged by sort key (a k-way
 * merge holding at most one query page per shard), filtered by the index's projected status, agent and tags, then
 * the page's heads read in one consistent BatchGetItem for what the index does not hold (step, exact time, what
 * it waits for) and filtered again on them, so every entry matches as of this read even while the index lags.
 */
public record ThreadLister(DynamoDbClient client, String table, ThreadIndex index) {

    private static final String HEAD_ATTRIBUTES = "#pk, #step, #cid, #ua, #st, #ag, #tg, #wf, #del";

    /** One shard's place in the merge: what its last query answered and where to go on. */
    private final class Shard {
        final String partition;
        final ArrayDeque<Map<String, AttributeValue>> buffer = new ArrayDeque<>();
        Map<String, AttributeValue> startKey;
        String lowestExamined;
        boolean exhausted;
        boolean queried;

        Shard(int n, String tenant) {
            this.partition = ThreadIndex.partition(tenant, n);
        }

        String head() {
            return buffer.peekFirst().get(ThreadIndex.SORT).s();
        }
    }

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
        List<Shard> shards = new ArrayList<>(shardCount);
        for (int n = 0; n < shardCount; n++) {
            shards.add(new Shard(n, tenant));
        }
        // BETWEEN takes the cursor's own entry too; a key condition is all a query may say of its sort key.
        String exclusiveHi = after == null ? null : ThreadIndex.sortKeyOf(after);
        int examined = 0;
        List<Map<String, AttributeValue>> candidates = new ArrayList<>(query.limit());
        String cursor = null;
        while (candidates.size() < query.limit()) {
            // Every shard must show its next entry (or be done) before the largest of them is known to be next.
            boolean stuck = false;
            for (Shard s : shards) {
                while (s.buffer.isEmpty() && !s.exhausted) {
                    if (s.queried && examined >= index.settings().maxExamined()) {
                        stuck = true;
                        break;
                    }
                    examined += fetch(s, query, lo, hi, exclusiveHi, s.queried ? query.limit() + 1 : firstLimit);
                }
            }
            if (stuck) {
                // Out of budget: answer what is known to come before every shard's unexamined rest — the highest
                // position any shard has not read below, whether or not it still holds entries above it (a shard
                // with a buffer has an unread rest too: popping past it would skip that rest).
                String safe = null;
                for (Shard s : shards) {
                    if (!s.exhausted && s.lowestExamined != null && (safe == null || s.lowestExamined.compareTo(safe) > 0)) {
                        safe = s.lowestExamined;
                    }
                }
                // The entry at `safe` itself was examined (it is the last one its shard's query evaluated) and the
                // next call starts strictly below the cursor: it is answered now, or it would be answered by neither.
                while (candidates.size() < query.limit()) {
                    Shard top = top(shards);
                    if (top == null || top.head().compareTo(safe) < 0) {
                        break;
                    }
                    candidates.add(top.buffer.pollFirst());
                }
                cursor = candidates.size() == query.limit() ? null : safe;
                break;
            }
            Shard top = top(shards);
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

    private static Shard top(List<Shard> shards) {
        Shard top = null;
        for (Shard s : shards) {
            if (!s.buffer.isEmpty() && (top == null || s.head().compareTo(top.head()) > 0)) {
                top = s;
            }
        }
        return top;
    }

    /** Whether any entry may follow: a shard with something buffered or not yet read to its end. */
    private static boolean more(List<Shard> shards) {
        return shards.stream().anyMatch(s -> !s.buffer.isEmpty() || !s.exhausted);
    }

    /** One query page of a shard, descending from where it stopped; returns the entries it examined. */
    private int fetch(Shard s, ThreadQuery query, String lo, String hi, String exclusiveHi, int limit) {
        Map<String, String> names = new HashMap<>(Map.of("#p", ThreadIndex.PARTITION, "#s", ThreadIndex.SORT));
        Map<String, AttributeValue> values = new HashMap<>(Map.of(":p", AttributeValue.fromS(s.partition),
                ":lo", AttributeValue.fromS(lo), ":hi", AttributeValue.fromS(hi)));
        List<String> filters = new ArrayList<>();
        if (query.agent() != null) {
            names.put("#ag", ThreadIndex.AGENT);
            values.put(":ag", AttributeValue.fromS(query.agent()));
            filters.add("#ag = :ag");
        }
        if (!query.statuses().isEmpty()) {
            names.put("#st", ThreadIndex.STATUS);
            List<String> placeholders = new ArrayList<>();
            int i = 0;
            for (String status : query.statuses()) {
                values.put(":st" + i, AttributeValue.fromS(status));
                placeholders.add(":st" + i++);
            }
            filters.add("#st IN (" + String.join(", ", placeholders) + ")");
        }
        int t = 0;
        for (Map.Entry<String, String> tag : query.tags().entrySet()) {
            names.put("#tg", ThreadIndex.TAGS);
            names.put("#tk" + t, tag.getKey());
            values.put(":tv" + t, AttributeValue.fromS(tag.getValue()));
            filters.add("#tg.#tk" + t + " = :tv" + t);
            t++;
        }
        QueryRequest.Builder request = QueryRequest.builder().tableName(table).indexName(ThreadIndex.NAME)
                .keyConditionExpression("#p = :p AND #s BETWEEN :lo AND :hi")
                .scanIndexForward(false).limit(limit)
                .expressionAttributeNames(names).expressionAttributeValues(values);
        if (!filters.isEmpty()) {
            request.filterExpression(String.join(" AND ", filters));
        }
        if (s.startKey != null) {
            request.exclusiveStartKey(s.startKey);
        }
        QueryResponse response = client.query(request.build());
        s.queried = true;
        for (Map<String, AttributeValue> item : response.items()) {
            if (exclusiveHi == null || item.get(ThreadIndex.SORT).s().compareTo(exclusiveHi) < 0) {
                s.buffer.add(item);
            }
        }
        if (response.hasLastEvaluatedKey() && !response.lastEvaluatedKey().isEmpty()) {
            s.startKey = response.lastEvaluatedKey();
            s.lowestExamined = s.startKey.get(ThreadIndex.SORT).s();
        } else {
            s.startKey = null;
            s.exhausted = true;
        }
        return response.scannedCount() == null ? response.count() : response.scannedCount();
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

    /**
     * Threads of {@code tenant} holding every tag of {@code tags} whose delete was cut short after it closed them: the
     * markers {@link ThreadDeleter} keeps beside each tombstone in the tenant's partition of deletes under way
     * ({@code DEL#<tenant>}), at most {@code limit}. A consistent Query of that partition, filtered on the tags: what it
     * reads is the tenant's unfinished deletes (and those running now), however many threads the tenant has — a
     * marker is written and removed with its tombstone, so no further read confirms it.
     */
    public List<ThreadSummary> unfinishedDeletes(String tenant, Map<String, String> tags, int limit) {
        return unfinishedDeletes(tenant, tags, limit, false);
    }

    /**
     * {@link #unfinishedDeletes(String, Map, int)}; with {@code legacyTombstoneScan}, when the markers leave room under
     * {@code limit}, also the tombstones a delete of an earlier release left without a marker: the tenant's thread index
     * read shard by shard, filtered on status {@value ThreadDeleter#DELETING_STATUS} and the tags (it examines every
     * index entry of the tenant, as a tag-filtered listing does), each confirmed by a consistent read (the index lags),
     * the ones a marker named already left out. Bounded by {@code limit} entries held.
     */
    public List<ThreadSummary> unfinishedDeletes(String tenant, Map<String, String> tags, int limit, boolean legacyTombstoneScan) {
        List<ThreadSummary> marked = markedDeletes(tenant, tags, limit);
        if (!legacyTombstoneScan || marked.size() >= limit) {
            return marked;
        }
        List<ThreadSummary> out = new ArrayList<>(marked);
        Set<String> found = new HashSet<>();
        marked.forEach(m -> found.add(m.threadId()));
        // Marked tombstones are in the index too: read as many more as the markers found, so they crowd out no unmarked one.
        for (ThreadSummary old : unmarkedTombstones(tenant, tags, limit + marked.size())) {
            if (out.size() < limit && found.add(old.threadId())) {
                out.add(old);
            }
        }
        return out;
    }

    private List<ThreadSummary> markedDeletes(String tenant, Map<String, String> tags, int limit) {
        Map<String, String> names = new HashMap<>(Map.of("#pk", Keys.PK));
        Map<String, AttributeValue> values = new HashMap<>(Map.of(":p", AttributeValue.fromS(ThreadDeleter.markerPartition(tenant))));
        List<String> filters = new ArrayList<>();
        tagFilters(tags, names, values, filters);
        List<ThreadSummary> out = new ArrayList<>();
        Map<String, AttributeValue> start = null;
        do {
            Map<String, AttributeValue> from = start;
            QueryResponse page = client.query(b -> b.tableName(table).consistentRead(true).keyConditionExpression("#pk = :p")
                    .filterExpression(filters.isEmpty() ? null : String.join(" AND ", filters)).expressionAttributeNames(names)
                    .expressionAttributeValues(values).exclusiveStartKey(from));
            for (Map<String, AttributeValue> marker : page.items()) {
                if (out.size() < limit) {
                    out.add(new ThreadSummary(marker.get(Keys.SK).s(), marker.containsKey(ThreadIndex.AGENT) ? marker.get(ThreadIndex.AGENT).s() : null,
                            ThreadDeleter.DELETING_STATUS, 0, null, Instant.ofEpochMilli(Long.parseLong(marker.get(Keys.DELETING).n())),
                            ThreadIndex.tagsOf(marker), null));
                }
            }
            start = page.hasLastEvaluatedKey() && !page.lastEvaluatedKey().isEmpty() && out.size() < limit ? page.lastEvaluatedKey() : null;
        } while (start != null);
        return out;
    }

    /** Adds to a filter expression's parts one equality per tag of {@code tags}, on the item's tags map. */
    private static void tagFilters(Map<String, String> tags, Map<String, String> names, Map<String, AttributeValue> values, List<String> filters) {
        int t = 0;
        for (Map.Entry<String, String> tag : new TreeMap<>(tags).entrySet()) {
            names.put("#tg", ThreadIndex.TAGS);
            names.put("#tk" + t, tag.getKey());
            values.put(":tv" + t, AttributeValue.fromS(tag.getValue()));
            filters.add("#tg.#tk" + t + " = :tv" + t);
            t++;
        }
    }

    /** The tombstones in the tenant's thread index under status DELETING, confirmed by a consistent read: the way of earlier releases. */
    private List<ThreadSummary> unmarkedTombstones(String tenant, Map<String, String> tags, int limit) {
        Map<String, String> names = new HashMap<>(Map.of("#p", ThreadIndex.PARTITION, "#st", ThreadIndex.STATUS));
        Map<String, AttributeValue> values = new HashMap<>(Map.of(":del", AttributeValue.fromS(ThreadDeleter.DELETING_STATUS)));
        List<String> filters = new ArrayList<>(List.of("#st = :del"));
        tagFilters(tags, names, values, filters);
        List<String> pks = new ArrayList<>();
        for (int n = 0; n < index.settings().shards() && pks.size() < limit; n++) {
            values.put(":p", AttributeValue.fromS(ThreadIndex.partition(tenant, n)));
            Map<String, AttributeValue> start = null;
            do {
                Map<String, AttributeValue> from = start;
                QueryResponse page = client.query(b -> b.tableName(table).indexName(ThreadIndex.NAME).keyConditionExpression("#p = :p")
                        .filterExpression(String.join(" AND ", filters)).expressionAttributeNames(names)
                        .expressionAttributeValues(values).exclusiveStartKey(from));
                for (Map<String, AttributeValue> item : page.items()) {
                    if (pks.size() < limit) {
                        pks.add(item.get(Keys.PK).s());
                    }
                }
                start = page.hasLastEvaluatedKey() && !page.lastEvaluatedKey().isEmpty() && pks.size() < limit ? page.lastEvaluatedKey() : null;
            } while (start != null);
        }
        if (pks.isEmpty()) {
            return List.of();
        }
        Map<String, Map<String, AttributeValue>> byPk = HeadBatchReads.read(client, table, pks, "#pk, #ag, #tg, #del",
                Map.of("#pk", Keys.PK, "#ag", ThreadIndex.AGENT, "#tg", ThreadIndex.TAGS, "#del", Keys.DELETING), "unfinishedDeletes");
        String prefix = "T#" + tenant + "#";
        List<ThreadSummary> out = new ArrayList<>();
        for (String pk : pks) {
            Map<String, AttributeValue> head = byPk.get(pk);
            if (head != null && head.containsKey(Keys.DELETING)) {
                out.add(new ThreadSummary(pk.substring(prefix.length()), head.containsKey(ThreadIndex.AGENT) ? head.get(ThreadIndex.AGENT).s() : null,
                        ThreadDeleter.DELETING_STATUS, 0, null, Instant.ofEpochMilli(Long.parseLong(head.get(Keys.DELETING).n())),
                        ThreadIndex.tagsOf(head), null));
            }
        }
        return out;
    }

    /**
     * Changes a thread's tags: a consistent read of the head's tags and their version, the change checked, then a
     * conditional update on that version — retried when another change got in between, so none is lost. Commits
     * do not touch the tags, so they never collide with it.
     */
    /** A thread's tags, read from its head (one consistent GetItem) without changing anything. */
    public ThreadTags tags(ThreadKey thread) {
        Map<String, AttributeValue> head = client.getItem(b -> b.tableName(table).key(ThreadReader.key(Keys.partition(thread), Keys.HEAD))
                .consistentRead(true).projectionExpression("#pk, #tg")
                .expressionAttributeNames(Map.of("#pk", Keys.PK, "#tg", ThreadIndex.TAGS))).item();
        if (head == null || head.isEmpty()) {
            throw notFound(thread);
        }
        return ThreadIndex.tagsOf(head);
    }

    public ThreadTags retag(ThreadKey thread, Map<String, String> set, Collection<String> remove, int attempts) {
        Map<String, AttributeValue> key = ThreadReader.key(Keys.partition(thread), Keys.HEAD);
        for (int attempt = 1; attempt <= attempts; attempt++) {
            Map<String, AttributeValue> head = client.getItem(b -> b.tableName(table).key(key).consistentRead(true)
                    .projectionExpression("#pk, #tg, #tv")
                    .expressionAttributeNames(Map.of("#pk", Keys.PK, "#tg", ThreadIndex.TAGS, "#tv", ThreadIndex.TAGS_VERSION))).item();
            if (head == null || head.isEmpty()) {
                throw notFound(thread);
            }
            ThreadTags next = ThreadIndex.tagsOf(head).with(set, remove);
            AttributeValue version = head.get(ThreadIndex.TAGS_VERSION);
            long v = version == null ? 0 : Long.parseLong(version.n());
            Map<String, String> names = new HashMap<>(Map.of("#pk", Keys.PK, "#tg", ThreadIndex.TAGS, "#tv", ThreadIndex.TAGS_VERSION));
            Map<String, AttributeValue> values = new HashMap<>(Map.of(":next", CheckpointItems.n(v + 1)));
            String update = next.isEmpty() ? "SET #tv = :next REMOVE #tg" : "SET #tv = :next, #tg = :tg";
            if (!next.isEmpty()) {
                values.put(":tg", ThreadIndex.tags(next));
            }
            String condition = "attribute_exists(#pk) AND ";
            if (version == null) {
                condition += "attribute_not_exists(#tv)";
            } else {
                condition += "#tv = :seen";
                values.put(":seen", version);
            }
            try {
                String c = condition;
                client.updateItem(b -> b.tableName(table).key(key).updateExpression(update).conditionExpression(c)
                        .expressionAttributeNames(names).expressionAttributeValues(values));
                return next;
            } catch (ConditionalCheckFailedException e) {
                // another tag change (or the thread's deletion) got in first: read again
            }
        }
        throw new ThreadlineException(ErrorCode.CONFLICT, "the tags of thread " + thread.threadId() + " kept changing under "
                + attempts + " attempts; try again", Map.of("thread", thread.threadId()));
    }

    private static ThreadlineException notFound(ThreadKey thread) {
        return new ThreadlineException(ErrorCode.THREAD_NOT_FOUND, "no thread " + thread.threadId() + " of this tenant",
                Map.of("thread", thread.threadId()));
    }
}
