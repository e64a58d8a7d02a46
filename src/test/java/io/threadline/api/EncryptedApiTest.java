package io.threadline.api;

import com.fasterxml.jackson.databind.JsonNode;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.QuarkusTestProfile;
import io.quarkus.test.junit.TestProfile;
import io.threadline.checkpoint.CheckpointStore;
import io.threadline.checkpoint.ThreadKey;
import io.threadline.checkpoint.crypto.EncryptingCheckpointStore;
import io.threadline.checkpoint.dynamodb.internal.Keys;
import io.threadline.kms.FakeKmsResource;
import jakarta.inject.Inject;
import org.eclipse.microprofile.config.inject.ConfigProperty;
import org.junit.jupiter.api.Test;
import software.amazon.awssdk.services.dynamodb.DynamoDbClient;
import software.amazon.awssdk.services.dynamodb.model.AttributeValue;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Encryption at rest as deployed (template.yaml: {@code threadline.encryption.keys=kms}): the application wires the
 * encrypting store itself, its data keys come from KMS through the real SDK client (a stand-in speaking KMS's wire
 * protocol) and are kept in their own DynamoDB Local table. Through API Gateway: a thread's value is in no stored
 * item, every read path gives it back to its tenant, and delete shreds the thread's key.
 */
@QuarkusTest
@TestProfile(EncryptedApiTest.HttpWithKms.class)
class EncryptedApiTest {

    public static class HttpWithKms implements QuarkusTestProfile {
        @Override
        public Map<String, String> getConfigOverrides() {
            return Map.of("quarkus.funqy.export", "http");
        }

        @Override
        public List<TestResourceEntry> testResources() {
            return List.of(new TestResourceEntry(FakeKmsResource.class));
        }
    }

    @Inject
    DynamoDbClient dynamo;

    @Inject
    CheckpointStore store;

    @ConfigProperty(name = "threadline.dynamodb.table")
    String table;

    @ConfigProperty(name = "threadline.encryption.data-key-table")
    String keyTable;

    private static JsonNode call(String tenant, String operation, String body) {
        JsonNode answer = Lambda.http(tenant, operation, body);
        assertThat(answer.get("statusCode").asInt()).as(operation + " → " + answer).isEqualTo(200);
        return Lambda.body(answer);
    }

    /** Every attribute of every item of the table, as text (binary attributes byte for byte). */
    private List<String> storedText(String tableName) {
        List<String> out = new ArrayList<>();
        dynamo.scanPaginator(b -> b.tableName(tableName).consistentRead(true)).items()
                .forEach(item -> item.values().forEach(v -> out.add(text(v))));
        return out;
    }

    private static String text(AttributeValue v) {
        if (v.b() != null) {
            return new String(v.b().asByteArray(), StandardCharsets.ISO_8859_1);
        }
        return v.toString();
    }

    private long items(String tableName, ThreadKey thread) {
        return dynamo.query(b -> b.tableName(tableName).consistentRead(true).keyConditionExpression("#pk = :pk")
                .expressionAttributeNames(Map.of("#pk", Keys.PK))
                .expressionAttributeValues(Map.of(":pk", AttributeValue.fromS(Keys.partition(thread))))).count();
    }

    @Test
    void theApplicationSealsThreadsWithKmsKeysAndDeleteShredsThem() {
        assertThat(store).as("the wired store").isInstanceOf(EncryptingCheckpointStore.class);
        String thread = "enc-" + UUID.randomUUID();
        String secret = "sk-live-" + UUID.randomUUID();
        int generatedBefore = FakeKmsResource.kms.calls("GenerateDataKey");
        String turn = "{\"agent\":\"echo\",\"threadId\":\"" + thread + "\",\"maxSteps\":5,"
                + "\"input\":{\"messages\":[{\"role\":\"user\",\"content\":\"my key is " + secret + "\"}]}}";

        JsonNode ran = call("acme", "run", turn);
        assertThat(ran.at("/state/task").asText()).contains(secret);
        assertThat(FakeKmsResource.kms.calls("GenerateDataKey") - generatedBefore).as("one data key for the new thread").isEqualTo(1);
        ThreadKey key = ThreadKey.of("acme", thread);
        assertThat(items(table, key)).as("the thread is stored").isGreaterThan(2);
        assertThat(items(keyTable, key)).as("its wrapped key, in its own table").isEqualTo(1);
        assertThat(storedText(table)).as("no stored item holds the value in clear").noneMatch(t -> t.contains(secret));
        assertThat(storedText(keyTable)).noneMatch(t -> t.contains(secret));

        // Every read path gives the tenant its data back.
        assertThat(call("acme", "state", "{\"agent\":\"echo\",\"threadId\":\"" + thread + "\"}").at("/state/task").asText()).contains(secret);
        assertThat(call("acme", "export", "{\"agent\":\"echo\",\"threadId\":\"" + thread + "\"}").toString()).contains(secret);
        assertThat(call("acme", "history", "{\"agent\":\"echo\",\"threadId\":\"" + thread + "\"}").toString()).contains(secret);
        JsonNode listed = call("acme", "threads", "{}");
        assertThat(listed.toString()).contains(thread).doesNotContain("tl:sealed");

        JsonNode deleted = call("acme", "delete", "{\"agent\":\"echo\",\"threadId\":\"" + thread + "\"}");
        assertThat(deleted.at("/removed/dataKeys").asLong()).isEqualTo(1);
        assertThat(items(table, key)).isZero();
        assertThat(items(keyTable, key)).as("the key is shredded").isZero();
    }
}
