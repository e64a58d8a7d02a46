package io.threadline.api;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.TestProfile;
import io.threadline.checkpoint.ThreadKey;
import io.threadline.checkpoint.dynamodb.internal.Keys;
import jakarta.inject.Inject;
import org.eclipse.microprofile.config.inject.ConfigProperty;
import org.junit.jupiter.api.Test;
import software.amazon.awssdk.services.dynamodb.DynamoDbClient;
import software.amazon.awssdk.services.dynamodb.model.AttributeValue;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * {@code POST /delete} through API Gateway (events/http-delete.json), on DynamoDB Local, with the tokens of two
 * tenants: each deletes only its own thread, whatever id it names; a bad request deletes nothing. The same for
 * {@code POST /erase} (events/http-erase.json): a subject's threads are erased in the caller's tenant only.
 */
@QuarkusTest
@TestProfile(Exports.HttpWithMemory.class)
class ApiGatewayDeleteTest {

    @Inject
    DynamoDbClient dynamo;

    @ConfigProperty(name = "threadline.dynamodb.table")
    String table;

    /** An API Gateway call of {@code operation} with a token whose tenant claim is {@code tenant}. */
    private static JsonNode call(String tenant, String operation, String body) {
        return Lambda.http(tenant, operation, body);
    }

    private static String turn(String thread) {
        return "{\"agent\":\"echo\",\"threadId\":\"" + thread + "\",\"maxSteps\":5,"
                + "\"input\":{\"messages\":[{\"role\":\"user\",\"content\":\"what is 6 * 7\"}]}}";
    }

    private List<String> items(ThreadKey thread) {
        List<String> keys = new ArrayList<>();
        dynamo.queryPaginator(b -> b.tableName(table).consistentRead(true).keyConditionExpression("#pk = :pk")
                        .expressionAttributeNames(Map.of("#pk", Keys.PK))
                        .expressionAttributeValues(Map.of(":pk", AttributeValue.fromS(Keys.partition(thread)))))
                .items().forEach(item -> keys.add(item.get(Keys.SK).s()));
        return keys;
    }

    @Test
    void aTenantDeletesItsOwnThreadOnlyWhateverIdItNames() {
        String thread = "del-" + UUID.randomUUID();
        assertThat(call("acme", "run", turn(thread)).get("statusCode").asInt()).isEqualTo(200);
        assertThat(call("globex", "run", turn(thread)).get("statusCode").asInt()).isEqualTo(200);
        List<String> globexItems = items(ThreadKey.of("globex", thread));
        assertThat(items(ThreadKey.of("acme", thread))).isNotEmpty();

        // globex deletes "its" thread of that id: acme's is out of its reach.
        JsonNode byGlobex = call("globex", "delete", "{\"agent\":\"echo\",\"threadId\":\"" + thread + "\"}");
        assertThat(byGlobex.get("statusCode").asInt()).as(byGlobex.toString()).isEqualTo(200);
        assertThat(Lambda.body(byGlobex).get("existed").asBoolean()).isTrue();
        assertThat(Lambda.body(byGlobex).at("/removed/checkpoints").asLong()).isEqualTo(globexItems.stream().filter(Keys::isCheckpoint).count());
        assertThat(items(ThreadKey.of("globex", thread))).as("not one item left").isEmpty();
        JsonNode acmeState = call("acme", "state", "{\"agent\":\"echo\",\"threadId\":\"" + thread + "\"}");
        assertThat(acmeState.get("statusCode").asInt()).isEqualTo(200);
        assertThat(Lambda.body(acmeState).at("/state/answer").asText()).isEqualTo("42");

        // A tenant field over HTTP (trying to name acme) is refused, and nothing changes.
        JsonNode smuggled = call("globex", "delete", "{\"tenant\":\"acme\",\"agent\":\"echo\",\"threadId\":\"" + thread + "\"}");
        assertThat(smuggled.get("statusCode").asInt()).isEqualTo(400);
        assertThat(Lambda.body(smuggled).at("/error/code").asText()).isEqualTo("INVALID_INPUT");
        List<String> acmeItems = items(ThreadKey.of("acme", thread));
        for (String bad : List.of("{not json", "{}", "{\"threadId\":[\"a\"]}", "{\"threadId\":\"" + thread + "\",\"agent\":\"echo\",\"all\":true}",
                "{\"threadId\":\"" + thread + "\",\"agent\":\"nobody\"}", "{\"threadId\":\"" + thread + "\"}")) {
            JsonNode refused = call("acme", "delete", bad);
            assertThat(refused.get("statusCode").asInt()).as(bad + " → " + refused).isIn(400, 404, 409);
            assertThat(Lambda.body(refused).at("/error/code").asText()).as(bad).isIn("INVALID_INPUT", "AGENT_NOT_FOUND", "AGENT_MISMATCH");
            assertThat(items(ThreadKey.of("acme", thread))).as("nothing changed by " + bad).isEqualTo(acmeItems);
        }

        JsonNode byAcme = call("acme", "delete", "{\"agent\":\"echo\",\"threadId\":\"" + thread + "\"}");
        assertThat(byAcme.get("statusCode").asInt()).isEqualTo(200);
        assertThat(Lambda.body(byAcme).at("/removed/heads").asLong()).isEqualTo(1);
        assertThat(items(ThreadKey.of("acme", thread))).isEmpty();
        JsonNode gone = call("acme", "state", "{\"agent\":\"echo\",\"threadId\":\"" + thread + "\"}");
        assertThat(gone.get("statusCode").asInt()).isEqualTo(404);
        assertThat(Lambda.body(gone).at("/error/code").asText()).isEqualTo("THREAD_NOT_FOUND");
        JsonNode again = call("acme", "delete", "{\"agent\":\"echo\",\"threadId\":\"" + thread + "\"}");
        assertThat(Lambda.body(again).get("existed").asBoolean()).as("idempotent").isFalse();
    }

    @Test
    void aTenantErasesASubjectInItsOwnTenantOnly() {
        String subject = "erase-" + UUID.randomUUID();
        String thread = "erase-" + UUID.randomUUID();
        String tagged = "{\"agent\":\"echo\",\"threadId\":\"" + thread + "\",\"maxSteps\":5,\"tags\":{\"user\":\"" + subject + "\"},"
                + "\"input\":{\"messages\":[{\"role\":\"user\",\"content\":\"what is 6 * 7\"}]}}";
        assertThat(call("acme", "run", tagged).get("statusCode").asInt()).isEqualTo(200);
        assertThat(call("globex", "run", tagged).get("statusCode").asInt()).isEqualTo(200);
        List<String> acmeItems = items(ThreadKey.of("acme", thread));
        assertThat(acmeItems).isNotEmpty();
        String erase = "{\"subject\":{\"user\":\"" + subject + "\"}}";

        // A tenant field over HTTP (trying to name acme) is refused, and nothing changes in either tenant.
        JsonNode smuggled = call("globex", "erase", "{\"tenant\":\"acme\",\"subject\":{\"user\":\"" + subject + "\"}}");
        assertThat(smuggled.get("statusCode").asInt()).as(smuggled.toString()).isEqualTo(400);
        assertThat(Lambda.body(smuggled).at("/error/code").asText()).isEqualTo("INVALID_INPUT");
        for (String bad : List.of("{not json", "{}", "{\"subject\":{}}", "{\"subject\":{\"user\":\"\"}}",
                "{\"subject\":{\"user\":\"" + subject + "\",\"org\":\"x\"}}", "{\"subject\":\"user=" + subject + "\"}")) {
            JsonNode refused = call("acme", "erase", bad);
            assertThat(refused.get("statusCode").asInt()).as(bad + " → " + refused).isEqualTo(400);
            assertThat(Lambda.body(refused).at("/error/code").asText()).as(bad).isEqualTo("INVALID_INPUT");
        }
        assertThat(items(ThreadKey.of("acme", thread))).as("nothing changed by a refused erase").isEqualTo(acmeItems);

        // globex erases the subject: its own thread goes, acme's thread of the same id and tag stays whole.
        JsonNode byGlobex = call("globex", "erase", erase);
        assertThat(byGlobex.get("statusCode").asInt()).as(byGlobex.toString()).isEqualTo(200);
        assertThat(Lambda.body(byGlobex).get("complete").asBoolean()).isTrue();
        assertThat(Lambda.body(byGlobex).at("/removed/threads").asLong()).isEqualTo(1);
        assertThat(Lambda.body(byGlobex).get("threadIds").toString()).contains(thread);
        assertThat(items(ThreadKey.of("globex", thread))).as("globex's thread is gone").isEmpty();
        assertThat(items(ThreadKey.of("acme", thread))).as("acme's thread is out of globex's reach").isEqualTo(acmeItems);
        JsonNode acmeState = call("acme", "state", "{\"agent\":\"echo\",\"threadId\":\"" + thread + "\"}");
        assertThat(acmeState.get("statusCode").asInt()).isEqualTo(200);

        JsonNode byAcme = call("acme", "erase", erase);
        assertThat(byAcme.get("statusCode").asInt()).isEqualTo(200);
        assertThat(Lambda.body(byAcme).at("/removed/threads").asLong()).isEqualTo(1);
        assertThat(items(ThreadKey.of("acme", thread))).isEmpty();
        JsonNode again = call("acme", "erase", erase);
        assertThat(Lambda.body(again).at("/removed/threads").asLong()).as("idempotent").isZero();
    }

    @Test
    void aDeleteWithoutATenantClaimIsUnauthenticated() {
        ObjectNode event = Lambda.event("http-delete.json");
        ((ObjectNode) event.at("/requestContext/authorizer/jwt/claims")).remove("tenant");
        JsonNode answer = Lambda.invoke(event);
        assertThat(answer.get("statusCode").asInt()).isEqualTo(401);
        assertThat(Lambda.body(answer).at("/error/code").asText()).isEqualTo("UNAUTHENTICATED");
    }
}
