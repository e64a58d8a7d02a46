package io.threadline.checkpoint.dynamodb.internal;

import io.threadline.checkpoint.ThreadQuery;
import software.amazon.awssdk.services.dynamodb.DynamoDbClient;
import software.amazon.awssdk.services.dynamodb.model.AttributeValue;
import software.amazon.awssdk.services.dynamodb.model.QueryRequest;
import software.amazon.awssdk.services.dynamodb.model.QueryResponse;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * The query a listing ({@link ThreadLister}) sends to every shard of the thread index: descending between
 * {@code lo} and {@code hi}, filtered on the index's projected agent, status and tags, the same for each shard but
 * its partition.
 */
final class ShardQuery {

    private final DynamoDbClient client;
    private final String table;
    private final Map<String, String> names;
    private final Map<String, AttributeValue> values;
    private final List<String> filters;
    private final String exclusiveHi;

    /** @param exclusiveHi the cursor's own sort key, left out of the answer (BETWEEN takes it); null for none */
    ShardQuery(DynamoDbClient client, String table, ThreadQuery query, String lo, String hi, String exclusiveHi) {
        this.client = client;
        this.table = table;
        this.exclusiveHi = exclusiveHi;
        names = new HashMap<>(Map.of("#p", ThreadIndex.PARTITION, "#s", ThreadIndex.SORT));
        values = new HashMap<>(Map.of(":lo", AttributeValue.fromS(lo), ":hi", AttributeValue.fromS(hi)));
        filters = new ArrayList<>();
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
        ThreadIndex.tagFilters(query.tags(), names, values, filters);
    }

    /** One query page of {@code s}, descending from where it stopped; returns the entries it examined. */
    int fetch(IndexShard s, int limit) {
        Map<String, AttributeValue> shardValues = new HashMap<>(values);
        shardValues.put(":p", AttributeValue.fromS(s.partition));
        QueryRequest.Builder request = QueryRequest.builder().tableName(table).indexName(ThreadIndex.NAME)
                .keyConditionExpression("#p = :p AND #s BETWEEN :lo AND :hi")
                .scanIndexForward(false).limit(limit)
                .expressionAttributeNames(names).expressionAttributeValues(shardValues);
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
}
