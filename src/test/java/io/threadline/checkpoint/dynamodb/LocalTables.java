package io.threadline.checkpoint.dynamodb;

import io.threadline.checkpoint.ThreadKey;
import io.threadline.checkpoint.dynamodb.internal.Keys;
import software.amazon.awssdk.services.dynamodb.DynamoDbClient;
import software.amazon.awssdk.services.dynamodb.model.AttributeValue;
import software.amazon.awssdk.services.dynamodb.model.QueryRequest;
import software.amazon.awssdk.services.dynamodb.model.QueryResponse;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;

/** Test tables on DynamoDB Local: one fresh table per test class, and raw reads of a thread's items. */
final class LocalTables {

    private LocalTables() {
    }

    /** A client of the shared DynamoDB Local (started on first use; tests fail if it cannot start). */
    static DynamoDbClient client() {
        return DynamoDbLocal.get().clientBuilder().build();
    }

    /** Creates a table with a random name from the shipped definition and returns its name. */
    static String newTable(DynamoDbClient client, String purpose) {
        String name = "threadline-" + purpose + "-" + UUID.randomUUID();
        DynamoDbTables.createIfMissing(client, name);
        return name;
    }

    static void drop(DynamoDbClient client, String table) {
        client.deleteTable(b -> b.tableName(table));
    }

    /** Every item of the thread's partition, as stored, in key order. */
    static List<Map<String, AttributeValue>> items(DynamoDbClient client, String table, ThreadKey thread) {
        List<Map<String, AttributeValue>> out = new ArrayList<>();
        Map<String, AttributeValue> start = null;
        do {
            QueryResponse page = client.query(QueryRequest.builder().tableName(table).consistentRead(true)
                    .keyConditionExpression("pk = :pk")
                    .expressionAttributeValues(Map.of(":pk", AttributeValue.fromS(Keys.partition(thread))))
                    .exclusiveStartKey(start).build());
            out.addAll(page.items());
            start = page.hasLastEvaluatedKey() && !page.lastEvaluatedKey().isEmpty() ? page.lastEvaluatedKey() : null;
        } while (start != null);
        return out;
    }

    static List<String> sortKeys(List<Map<String, AttributeValue>> items) {
        return items.stream().map(i -> i.get("sk").s()).toList();
    }
}
