package io.threadline.bench;

import io.threadline.checkpoint.dynamodb.DynamoDbTables;
import io.threadline.state.StateCodec;
import software.amazon.awssdk.core.SdkBytes;
import software.amazon.awssdk.services.dynamodb.DynamoDbClient;
import software.amazon.awssdk.services.dynamodb.model.AttributeValue;
import software.amazon.awssdk.services.dynamodb.model.QueryRequest;
import software.amazon.awssdk.services.dynamodb.model.QueryResponse;

import java.io.ByteArrayOutputStream;
import java.util.Arrays;
import java.util.Map;

/**
 * The second reference for a cold read (issue 22): what a checkpointer that keeps a thread's whole state in one item
 * does to hand the state over: read the item, then decode it. {@link SingleItemRead}'s reference reads 0.9 MB of
 * random bytes and decodes nothing, which no checkpointer can do with a state; the peer's 15.8 ms (LangGraph.js'
 * DynamoDB saver, measured outside the project) include its deserialization. Here the state is W1's own, as
 * {@link StateCodec} encodes it, stored uncompressed (such a saver does not compress) and decoded by the same codec
 * into the same type the cold read returns. As for the first reference, DynamoDB refuses items over 400 KB, so the
 * bytes are parts of one partition, read by one Query while they fit its 1 MiB page. Both references are reported;
 * neither replaces the other.
 */
final class WholeStateRead {

    /**
     * Under DynamoDB's 400 KB item limit with the keys and the attribute name: W1's state to T≈1,100 (~1 MB) is three
     * parts in one Query page; a larger one takes more parts, and the read follows the pages.
     */
    static final int PART_BYTES = 380_000;

    private final DynamoDbClient client;
    private final DynamoDbClient admin;
    private final StateCodec codec;
    private final String table = "w1-whole-state";
    private int parts;
    private Object written;

    WholeStateRead(DynamoDbClient client, DynamoDbClient admin, StateCodec codec) {
        this.client = client;
        this.admin = admin;
        this.codec = codec;
        DynamoDbTables.createIfMissing(admin, table);
    }

    /** Stores {@code state} whole, unless it is the state stored last (the variants of one sample share it). */
    void store(Object state) {
        if (state.equals(written)) {
            return;
        }
        byte[] json = codec.encode(state);
        int count = (json.length + PART_BYTES - 1) / PART_BYTES;
        for (int i = 0; i < Math.max(count, parts); i++) {
            String sk = String.format("part%03d", i);
            if (i < count) {
                byte[] part = Arrays.copyOfRange(json, i * PART_BYTES, Math.min(json.length, (i + 1) * PART_BYTES));
                admin.putItem(b -> b.tableName(table).item(Map.of("pk", s("whole"), "sk", s(sk),
                        "data", AttributeValue.fromB(SdkBytes.fromByteArray(part)))));
            } else {
                admin.deleteItem(b -> b.tableName(table).key(Map.of("pk", s("whole"), "sk", s(sk))));
            }
        }
        parts = count;
        written = state;
    }

    /** The stored state read (one consistent Query) and decoded as {@code type}; the state, to check against. */
    <T> T read(Class<T> type) {
        ByteArrayOutputStream joined = new ByteArrayOutputStream(parts * PART_BYTES);
        Map<String, AttributeValue> from = null;
        do {
            QueryResponse page = client.query(QueryRequest.builder().tableName(table).consistentRead(true)
                    .keyConditionExpression("pk = :pk").expressionAttributeValues(Map.of(":pk", s("whole")))
                    .exclusiveStartKey(from).build());
            page.items().forEach(item -> joined.writeBytes(item.get("data").b().asByteArrayUnsafe()));
            from = page.hasLastEvaluatedKey() && !page.lastEvaluatedKey().isEmpty() ? page.lastEvaluatedKey() : null;
        } while (from != null);
        return codec.decode(joined.toByteArray(), type);
    }

    private static AttributeValue s(String value) {
        return AttributeValue.fromS(value);
    }
}
