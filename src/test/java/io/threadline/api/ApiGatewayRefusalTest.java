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
 * Refusals over API Gateway, on DynamoDB Local, as a client sees them: a refused step stores nothing and
 * never wedges its thread; a run retried with its key adds its input once.
 */
@QuarkusTest
@TestProfile(Exports.Http.class)
class ApiGatewayRefusalTest {

    @Inject
    DynamoDbClient dynamo;

    @ConfigProperty(name = "threadline.dynamodb.table")
    String table;

    private static JsonNode call(String operation, String body) {
        ObjectNode event = Lambda.event("http-step.json");
        event.put("rawPath", "/" + operation);
        event.put("routeKey", "POST /" + operation);
        ((ObjectNode) event.at("/requestContext/http")).put("path", "/" + operation);
        event.put("body", body);
        return Lambda.invoke(event);
    }

    private static JsonNode body(JsonNode response) {
        return Lambda.body(response);
    }

    /** The reproduction: six refused steps at a SYNC node, then a valid one. */
    @Test
    void refusedStepsAtASyncNodeStoreNothingAndTheNextValidStepCommits() {
        String thread = "refused-" + UUID.randomUUID();
        JsonNode run = call("run", "{\"threadId\":\"" + thread + "\",\"maxSteps\":1,"
                + "\"input\":{\"messages\":[{\"role\":\"user\",\"content\":\"what is 6 * 7\"}]}}");
        assertThat(run.get("statusCode").asInt()).as(run.toString()).isEqualTo(200);
        assertThat(body(run).at("/steps/0/next/0").asText()).as("stopped before the SYNC node").isEqualTo("execute");
        String head = body(run).at("/steps/0/checkpointId").asText();

        String tooLong = "{\"threadId\":\"" + thread + "\",\"input\":{\"toolOutputs\":{\"k\":\"" + "x".repeat(100_001) + "\"}}}";
        for (int i = 0; i < 6; i++) {
            JsonNode refused = call("step", tooLong);
            assertThat(refused.get("statusCode").asInt()).as(refused.toString()).isEqualTo(422);
            assertThat(body(refused).at("/error/code").asText()).isEqualTo("VALIDATION_FAILED");
        }
        assertThat(pendingKeys(ThreadKey.of("acme", thread))).as("a refused step stores nothing").isEmpty();
        JsonNode state = call("state", "{\"threadId\":\"" + thread + "\"}");
        assertThat(body(state).at("/checkpoint/checkpointId").asText()).isEqualTo(head);

        JsonNode valid = call("step", "{\"threadId\":\"" + thread + "\"}");
        assertThat(valid.get("statusCode").asInt()).as(valid.toString()).isEqualTo(200);
        assertThat(body(valid).at("/state/toolOutputs/calculator").asText()).isEqualTo("42");
        assertThat(body(valid).at("/state/retryCount").asInt()).isZero();
    }

    @Test
    void aRunRetriedWithItsIdempotencyKeyAddsItsMessageOnce() {
        String thread = "run-retry-" + UUID.randomUUID();
        String request = "{\"threadId\":\"" + thread + "\",\"idempotencyKey\":\"turn-1\",\"maxSteps\":1,"
                + "\"input\":{\"messages\":[{\"role\":\"user\",\"content\":\"what is 6 * 7\"}]}}";
        JsonNode first = body(call("run", request));
        assertThat(first.get("stopReason").asText()).isEqualTo("MAX_STEPS");
        assertThat(first.get("duplicate").asBoolean()).isFalse();

        JsonNode retried = body(call("run", request.replace("\"maxSteps\":1,", "")));
        assertThat(retried.get("duplicate").asBoolean()).isTrue();
        assertThat(retried.at("/steps/0/checkpointId").asText()).isEqualTo(first.at("/steps/0/checkpointId").asText());
        assertThat(retried.get("stopReason").asText()).isEqualTo("DONE");
        List<String> asked = new ArrayList<>();
        retried.at("/state/messages").forEach(m -> {
            if (m.get("role").asText().equals("user")) {
                asked.add(m.get("content").asText());
            }
        });
        assertThat(asked).containsExactly("what is 6 * 7");

        JsonNode badKey = call("run", request.replace("turn-1", "has space"));
        assertThat(badKey.get("statusCode").asInt()).isEqualTo(400);
        assertThat(body(badKey).at("/error/code").asText()).isEqualTo("INVALID_INPUT");
    }

    private List<String> pendingKeys(ThreadKey thread) {
        List<String> keys = new ArrayList<>();
        dynamo.queryPaginator(b -> b.tableName(table).keyConditionExpression("#pk = :pk AND begins_with(#sk, :p)")
                        .expressionAttributeNames(Map.of("#pk", Keys.PK, "#sk", Keys.SK))
                        .expressionAttributeValues(Map.of(":pk", AttributeValue.fromS(Keys.partition(thread)),
                                ":p", AttributeValue.fromS(Keys.PENDING_PREFIX))))
                .items().forEach(item -> keys.add(item.get(Keys.SK).s()));
        return keys;
    }
}
