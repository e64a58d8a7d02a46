package io.threadline.checkpoint.dynamodb;

import io.threadline.checkpoint.ThreadKey;
import io.threadline.checkpoint.dynamodb.internal.Keys;
import software.amazon.awssdk.services.dynamodb.DynamoDbClient;
import software.amazon.awssdk.services.dynamodb.model.AttributeValue;
import software.amazon.awssdk.services.dynamodb.model.QueryRequest;
import software.amazon.awssdk.services.dynamodb.model.QueryResponse;

import java.nio.charset.StandardCharsets;
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

    /**
     * Whether any attribute — nested ones, sets and binaries included — of any item of the thread's partition, in any
     * of {@code tables}, holds {@code value} in clear (as UTF-8 bytes): how the tests look for a sensitive value.
     */
    static boolean holdsInClear(DynamoDbClient client, List<String> tables, ThreadKey thread, String value) {
        String needle = new String(value.getBytes(StandardCharsets.UTF_8), StandardCharsets.ISO_8859_1);
        for (String table : tables) {
            for (Map<String, AttributeValue> item : items(client, table, thread)) {
                for (AttributeValue v : item.values()) {
                    if (holds(v, needle)) {
                        return true;
                    }
                }
            }
        }
        return false;
    }

    /** Bytes read as ISO-8859-1 map one to one onto chars, so a substring search is a byte search. */
    private static boolean holds(AttributeValue v, String needle) {
        List<byte[]> parts = new ArrayList<>();
        if (v.b() != null) {
            parts.add(v.b().asByteArray());
        }
        for (String text : concat(v.s(), v.n(), v.hasSs() ? v.ss() : List.of(), v.hasNs() ? v.ns() : List.of())) {
            parts.add(text.getBytes(StandardCharsets.UTF_8));
        }
        if (v.hasBs()) {
            v.bs().forEach(b -> parts.add(b.asByteArray()));
        }
        for (byte[] bytes : parts) {
            if (new String(bytes, StandardCharsets.ISO_8859_1).contains(needle)) {
                return true;
            }
        }
        return (v.hasM() && v.m().entrySet().stream().anyMatch(e -> e.getKey().contains(needle) || holds(e.getValue(), needle)))
                || (v.hasL() && v.l().stream().anyMatch(e -> holds(e, needle)));
    }

    private static List<String> concat(String s, String n, List<String> ss, List<String> ns) {
        List<String> out = new ArrayList<>(ss);
        out.addAll(ns);
        if (s != null) {
            out.add(s);
        }
        if (n != null) {
            out.add(n);
        }
        return out;
    }
}
