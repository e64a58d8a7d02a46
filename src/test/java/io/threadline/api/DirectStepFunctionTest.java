package io.threadline.api;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.quarkus.test.junit.QuarkusTest;
import io.threadline.checkpoint.CheckpointStore;
import io.quarkus.test.common.QuarkusTestResource;
import io.threadline.checkpoint.dynamodb.DynamoDbLocal;
import org.eclipse.microprofile.config.inject.ConfigProperty;
import software.amazon.awssdk.services.dynamodb.DynamoDbClient;
import software.amazon.awssdk.services.dynamodb.model.AttributeValue;
import jakarta.inject.Inject;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.function.Consumer;
import java.util.stream.Stream;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * events/step.json through the Lambda Runtime API, and what a new user gets wrong — sent to the test agent
 * ({@link io.threadline.testing.EchoAgent}) on a thread of its own, so an example agent's answers do not matter.
 */
@QuarkusTest
@QuarkusTestResource(value = DynamoDbLocalResource.class, restrictToAnnotatedClass = false)
class DirectStepFunctionTest {

    @Inject
    CheckpointStore store;

    @ConfigProperty(name = "threadline.dynamodb.table")
    String table;

    /** Every item of the table, as DynamoDB returns them: what "nothing changed" is checked against. */
    private List<Map<String, AttributeValue>> scan() {
        try (DynamoDbClient client = DynamoDbLocal.get().clientBuilder().build()) {
            List<Map<String, AttributeValue>> items = new ArrayList<>();
            client.scanPaginator(b -> b.tableName(table).consistentRead(true)).items().forEach(items::add);
            items.sort(Comparator.comparing(i -> i.get("pk").s() + "|" + i.get("sk").s()));
            return items;
        }
    }

    /** events/step.json addressed to the test agent, on a thread of its own (acme/demo-1 is the default agent's). */
    private static ObjectNode echoStep() {
        ObjectNode event = Lambda.echoEvent("step.json");
        event.put("threadId", "echo-" + event.get("threadId").asText());
        return event;
    }

    @Test
    void stepEventCommitsOneStepAndARetryReturnsTheSameAnswer() {
        JsonNode first = Lambda.invoke(echoStep());
        assertThat(first.has("error")).as(first.toString()).isFalse();
        assertThat(first.at("/checkpoint/step").asLong()).isEqualTo(1);
        assertThat(first.at("/checkpoint/agent").asText()).isEqualTo("echo");
        assertThat(first.at("/checkpoint/nodes/0").asText()).isEqualTo("read");
        assertThat(first.at("/checkpoint/next/0").asText()).isEqualTo("calculate");
        assertThat(first.at("/checkpoint/status").asText()).isEqualTo("RUNNING");
        assertThat(first.at("/checkpoint/decisions/0/reason").asText()).isEqualTo("arithmetic: 6 * 7");
        assertThat(first.at("/state/task").asText()).isEqualTo("what is 6 * 7");
        assertThat(first.at("/state/messages")).hasSize(1);
        assertThat(first.at("/duplicate").asBoolean()).isFalse();

        JsonNode retry = Lambda.invoke(echoStep());
        assertThat(retry.at("/duplicate").asBoolean()).isTrue();
        assertThat(retry.get("checkpoint")).isEqualTo(first.get("checkpoint"));
        assertThat(retry.get("state")).isEqualTo(first.get("state"));
    }

    static Stream<Object[]> badRequests() {
        return Stream.of(
                bad("missing tenant", e -> e.remove("tenant"), "INVALID_INPUT", "tenant"),
                bad("missing threadId", e -> e.remove("threadId"), "INVALID_INPUT", "threadId"),
                bad("threadId with a slash", e -> e.put("threadId", "a/b"), "INVALID_INPUT", "threadId"),
                bad("input is not an object", e -> e.put("input", "hello"), "INVALID_INPUT", "input"),
                bad("unknown request field", e -> e.put("thread", "x"), "INVALID_INPUT", "thread"),
                bad("threadId of the wrong type", e -> e.set("threadId", Lambda.JSON.createObjectNode()), "INVALID_INPUT", "threadId"),
                bad("unknown state field", e -> ((ObjectNode) e.get("input")).put("mood", "happy"), "INVALID_INPUT", "mood"),
                bad("messages not a list", e -> ((ObjectNode) e.get("input")).put("messages", "hi"), "INVALID_INPUT", "messages"),
                bad("message of the wrong shape", e -> ((ObjectNode) e.get("input")).putArray("messages").add(42), "INVALID_INPUT",
                        "messages"),
                bad("invalid role", e -> ((ObjectNode) e.get("input")).putArray("messages").addObject()
                        .put("role", "robot").put("content", "hi"), "VALIDATION_FAILED", "messages[0].role"),
                bad("null map value", e -> ((ObjectNode) e.get("input")).putObject("labels").putNull("search"),
                        "VALIDATION_FAILED", "labels[search]"),
                bad("fractional count", e -> ((ObjectNode) e.get("input")).put("turns", 1.5), "INVALID_INPUT",
                        "turns"),
                bad("count over its maximum", e -> ((ObjectNode) e.get("input")).put("turns", 1_000_000), "VALIDATION_FAILED",
                        "turns"),
                bad("idempotency key with spaces", e -> e.put("idempotencyKey", "a b"), "INVALID_INPUT", "idempotencyKey"),
                bad("oversized input", e -> ((ObjectNode) e.get("input")).putArray("messages").addObject()
                        .put("role", "user").put("content", "x".repeat(300_000)), "PAYLOAD_TOO_LARGE", "bytes"));
    }

    private static Object[] bad(String name, Consumer<ObjectNode> change, String code, String mentions) {
        return new Object[] {name, change, code, mentions};
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("badRequests")
    void badInputGetsAStableCodeAndChangesNothing(String name, Consumer<ObjectNode> change, String code,
                                                 String mentions) {
        ObjectNode event = echoStep();
        event.put("threadId", "bad-input-" + name.replace(' ', '-'));
        change.accept(event);
        List<Map<String, AttributeValue>> before = scan();

        JsonNode answer = Lambda.invoke(event);

        assertThat(List.of(answer.fieldNames().next())).as(answer.toString()).containsExactly("error");
        assertThat(answer.at("/error/code").asText()).as(answer.toString()).isEqualTo(code);
        assertThat(answer.at("/error").toString()).contains(mentions);
        assertThat(scan()).isEqualTo(before);
    }

    /** A lone surrogate ({@code \\ud800} escaped in the JSON) is no text: refused, not stored as '?'. */
    @Test
    void aLoneSurrogateIsRefusedAndNothingIsStored() {
        List<Map<String, AttributeValue>> before = scan();
        String event = Lambda.eventText("step.json").replace("\"demo-1\"", "\"lone-surrogate\"")
                .replace("what is 6 * 7", "x\\ud800y");

        JsonNode answer = Lambda.invoke(event);

        assertThat(answer.at("/error/code").asText()).as(answer.toString()).isEqualTo("INVALID_INPUT");
        assertThat(answer.at("/error/message").asText()).contains("input.messages[0].content", "surrogate");
        assertThat(scan()).isEqualTo(before);
    }

    @Test
    void theApplicationRunsOnDynamoDb() {
        assertThat(store.getClass().getSimpleName()).isEqualTo("DynamoDbCheckpointStore");
    }
}
