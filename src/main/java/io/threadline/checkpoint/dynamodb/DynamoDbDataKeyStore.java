package io.threadline.checkpoint.dynamodb;

import io.threadline.checkpoint.ThreadKey;
import io.threadline.checkpoint.crypto.DataKeyStore;
import io.threadline.checkpoint.dynamodb.internal.DynamoDbErrors;
import io.threadline.checkpoint.dynamodb.internal.Keys;
import software.amazon.awssdk.core.SdkBytes;
import software.amazon.awssdk.core.exception.SdkException;
import software.amazon.awssdk.services.dynamodb.DynamoDbClient;
import software.amazon.awssdk.services.dynamodb.model.AttributeValue;
import software.amazon.awssdk.services.dynamodb.model.ConditionalCheckFailedException;
import software.amazon.awssdk.services.dynamodb.model.DeleteItemResponse;
import software.amazon.awssdk.services.dynamodb.model.GetItemResponse;
import software.amazon.awssdk.services.dynamodb.model.ReturnValue;

import java.util.HashMap;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.function.Supplier;

/**
 * Wrapped data keys in a DynamoDB table of the checkpoint table's key schema ({@code pk}, {@code sk}), one item per
 * thread ({@code pk} = the thread's partition key, {@code sk} = {@code DATAKEY}). Use a table of its own without
 * point-in-time recovery (template.yaml's {@code DataKeyTable}): a key deleted there is gone from every restore
 * of the checkpoint table too.
 */
public final class DynamoDbDataKeyStore implements DataKeyStore {

    private static final String SK = "DATAKEY";
    private static final String WRAPPED = "wrapped";

    private final DynamoDbClient client;
    private final String table;

    public DynamoDbDataKeyStore(DynamoDbClient client, String table) {
        this.client = Objects.requireNonNull(client, "client");
        this.table = Objects.requireNonNull(table, "table");
    }

    private static Map<String, AttributeValue> key(ThreadKey thread) {
        return Map.of(Keys.PK, AttributeValue.fromS(Keys.partition(thread)), Keys.SK, AttributeValue.fromS(SK));
    }

    @Override
    public Optional<byte[]> get(ThreadKey thread) {
        return call("getDataKey", thread, () -> {
            GetItemResponse r = client.getItem(b -> b.tableName(table).consistentRead(true).key(key(thread)));
            return r.hasItem() && r.item().containsKey(WRAPPED) ? Optional.of(r.item().get(WRAPPED).b().asByteArray()) : Optional.<byte[]>empty();
        });
    }

    @Override
    public boolean putIfAbsent(ThreadKey thread, byte[] wrapped) {
        Map<String, AttributeValue> item = new HashMap<>(key(thread));
        item.put(WRAPPED, AttributeValue.fromB(SdkBytes.fromByteArray(wrapped)));
        return call("putDataKey", thread, () -> {
            try {
                client.putItem(b -> b.tableName(table).item(item).conditionExpression("attribute_not_exists(#pk)")
                        .expressionAttributeNames(Map.of("#pk", Keys.PK)));
                return true;
            } catch (ConditionalCheckFailedException e) {
                return false;
            }
        });
    }

    @Override
    public boolean delete(ThreadKey thread) {
        return call("deleteDataKey", thread, () -> {
            DeleteItemResponse r = client.deleteItem(b -> b.tableName(table).key(key(thread)).returnValues(ReturnValue.ALL_OLD));
            return r.hasAttributes() && !r.attributes().isEmpty();
        });
    }

    private <T> T call(String operation, ThreadKey thread, Supplier<T> body) {
        try {
            return body.get();
        } catch (SdkException e) {
            throw DynamoDbErrors.map(e, operation, thread, table);
        }
    }
}
