package io.threadline.checkpoint.dynamodb.internal;

import io.threadline.checkpoint.ThreadSummary;
import software.amazon.awssdk.services.dynamodb.DynamoDbClient;
import software.amazon.awssdk.services.dynamodb.model.AttributeValue;
import software.amazon.awssdk.services.dynamodb.model.QueryResponse;

import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Finds a tenant's threads whose delete was cut short after it closed them ({@link ThreadDeleter}): from the markers
 * beside their tombstones, and on request from the tombstones an earlier release left without a marker.
 */
public record UnfinishedDeletes(DynamoDbClient client, String table, ThreadIndex index) {

    /**
     * Threads of {@code tenant} holding every tag of {@code tags} whose delete was cut short after it closed them: the
     * markers {@link ThreadDeleter} keeps beside each tombstone in the tenant's partition of deletes under way
     * ({@code DEL#<tenant>}), at most {@code limit}. A consistent Query of that partition, filtered on the tags: what it
     * reads is the tenant's unfinished deletes (and those running now), however many threads the tenant has — a
     * marker is written and removed with its tombstone, so no further read confirms it.
     */
    public List<ThreadSummary> find(String tenant, Map<String, String> tags, int limit) {
        return find(tenant, tags, limit, false);
    }

    /**
     * {@link #find(String, Map, int)}; with {@code legacyTombstoneScan}, when the markers leave room under
     * {@code limit}, also the tombstones a delete of an earlier release left without a marker: the tenant's thread index
     * read shard by shard, filtered on status {@value ThreadDeleter#DELETING_STATUS} and the tags (it examines every
     * index entry of the tenant, as a tag-filtered listing does), each confirmed by a consistent read (the index lags),
     * the ones a marker named already left out. Bounded by {@code limit} entries held.
     */
    public List<ThreadSummary> find(String tenant, Map<String, String> tags, int limit, boolean legacyTombstoneScan) {
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
        ThreadIndex.tagFilters(tags, names, values, filters);
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

    /** The tombstones in the tenant's thread index under status DELETING, confirmed by a consistent read: the way of earlier releases. */
    private List<ThreadSummary> unmarkedTombstones(String tenant, Map<String, String> tags, int limit) {
        Map<String, String> names = new HashMap<>(Map.of("#p", ThreadIndex.PARTITION, "#st", ThreadIndex.STATUS));
        Map<String, AttributeValue> values = new HashMap<>(Map.of(":del", AttributeValue.fromS(ThreadDeleter.DELETING_STATUS)));
        List<String> filters = new ArrayList<>(List.of("#st = :del"));
        ThreadIndex.tagFilters(tags, names, values, filters);
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
}
