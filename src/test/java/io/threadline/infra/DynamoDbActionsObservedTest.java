package io.threadline.infra;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.opentelemetry.sdk.trace.data.SpanData;
import io.quarkus.test.junit.QuarkusTest;
import io.threadline.api.ThreadFunctions;
import io.threadline.telemetry.InMemorySpans;
import jakarta.inject.Inject;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.UUID;
import java.util.function.Function;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * {@link TemplateIamTest}'s table of DynamoDB needs, checked against what the operations really send: each
 * direct function runs once on DynamoDB Local (the sample events, on one thread), and the AWS SDK's own spans
 * under its invocation span name the API calls it made. Each call's IAM action must be among those the table
 * — and so the function's role — grants the operation: an AccessDenied in AWS would otherwise be the first sign.
 */
@QuarkusTest
class DynamoDbActionsObservedTest {

    private static final ObjectMapper JSON = new ObjectMapper().findAndRegisterModules();

    /**
     * The IAM action each DynamoDB API call is authorized as. A TransactWriteItems is authorized per item (Put →
     * PutItem, Update → UpdateItem, Delete → DeleteItem, ConditionCheck → ConditionCheckItem); CommitWriter's
     * transactions hold conditional Puts and the head's Update, ThreadDeleter's the tombstone's Put or Delete with its
     * marker's. A background run's step adds a ConditionCheck (its run guard): advance is not run here (it needs a
     * queue), and TemplateIamTest grants it ConditionCheckItem.
     */
    private static final Map<String, String> ACTION = Map.of(
            "DynamoDb.Query", "dynamodb:Query", "DynamoDb.GetItem", "dynamodb:GetItem", "DynamoDb.PutItem", "dynamodb:PutItem",
            "DynamoDb.DeleteItem", "dynamodb:DeleteItem", "DynamoDb.BatchWriteItem", "dynamodb:BatchWriteItem",
            "DynamoDb.TransactWriteItems", "dynamodb:PutItem,dynamodb:UpdateItem,dynamodb:DeleteItem", "DynamoDb.UpdateItem", "dynamodb:UpdateItem",
            "DynamoDb.BatchGetItem", "dynamodb:BatchGetItem", "DynamoDb.Scan", "dynamodb:Scan");

    @Inject
    ThreadFunctions functions;

    @Inject
    InMemorySpans spans;

    @Test
    void everyDynamoDbCallOfEachOperationIsOneItsRoleAllows() throws IOException {
        String thread = "iam-" + UUID.randomUUID();
        Map<String, Set<String>> observed = new TreeMap<>();

        JsonNode step = call(observed, "step", thread, e -> functions.step(e), Map.of());
        String first = step.at("/checkpoint/checkpointId").asText();
        assertThat(first).as(step.toString()).isNotBlank();
        call(observed, "run", thread, e -> functions.run(e), Map.of());
        call(observed, "state", thread, e -> functions.state(e), Map.of());
        call(observed, "history", thread, e -> functions.history(e), Map.of());
        call(observed, "export", thread, e -> functions.export(e), Map.of());
        call(observed, "replay", thread, e -> functions.replay(e), Map.of("checkpointId", first));
        Set<String> replayed = observed.get("replay");
        // An unknown checkpoint of a known thread: CHECKPOINT_NOT_FOUND, told from THREAD_NOT_FOUND by the head.
        JsonNode unknown = call(observed, "replay", thread, e -> functions.replay(e), Map.of("checkpointId", "01KAVZ0000000000000000000A"));
        assertThat(unknown.at("/error/code").asText()).isEqualTo("CHECKPOINT_NOT_FOUND");
        observed.get("replay").addAll(replayed);
        call(observed, "fork", thread, e -> functions.fork(e), Map.of("checkpointId", first, "newThreadId", thread + "-fork"));
        call(observed, "rewind", thread, e -> functions.rewind(e), Map.of("checkpointId", first));
        call(observed, "update", thread, e -> functions.update(e), Map.of());
        // Not interrupted: resume reads the head and refuses, which is as far as it gets without an interrupt.
        call(observed, "resume", thread, e -> functions.resume(e), Map.of());
        call(observed, "tag", thread, e -> functions.tag(e), Map.of());
        JsonNode listed = call(observed, "threads", thread, e -> functions.threads(e), Map.of());
        assertThat(listed.has("threads")).as(listed.toString()).isTrue();
        JsonNode dryRun = call(observed, "migration-dry-run", thread, e -> functions.migrationDryRun(e), Map.of());
        assertThat(dryRun.get("threads").asLong()).as(dryRun.toString()).isPositive();
        Set<String> oneTenant = observed.get("migration-dry-run");
        // Every tenant ("*", direct invocation only): a Scan of the index instead of a Query per shard.
        JsonNode everyTenant = call(observed, "migration-dry-run", thread, e -> functions.migrationDryRun(e), Map.of("tenant", "*"));
        assertThat(everyTenant.has("error")).as(everyTenant.toString()).isFalse();
        assertThat(observed.get("migration-dry-run")).contains("dynamodb:Scan");
        observed.get("migration-dry-run").addAll(oneTenant);
        // Last, as it removes the thread: tombstone, sweep, untombstone.
        call(observed, "delete", thread, e -> functions.delete(e), Map.of());

        System.out.println("DynamoDB actions observed by operation: " + observed);
        CfnEvaluation template = new CfnEvaluation(CfnTemplate.read(), Map.of());
        observed.forEach((operation, actions) -> {
            Set<String> granted = new TreeSet<>();
            TemplateIamTest.USES.get(operation).forEach(use -> TemplateIamTest.grants(use, template).stream()
                    .filter(g -> g.startsWith("dynamodb:")).map(g -> g.substring(0, g.indexOf(' '))).forEach(granted::add));
            assertThat(granted).as(operation + " calls " + actions).containsAll(actions);
        });
        // The calls were seen at all: a step commits, and every operation reads.
        assertThat(observed.get("step")).contains("dynamodb:Query", "dynamodb:PutItem", "dynamodb:UpdateItem");
        assertThat(observed.get("history")).isNotEmpty();
        assertThat(observed.get("fork")).contains("dynamodb:PutItem");
        assertThat(observed.get("delete")).contains("dynamodb:PutItem", "dynamodb:Query", "dynamodb:BatchWriteItem", "dynamodb:DeleteItem");
        assertThat(observed.get("threads")).contains("dynamodb:Query", "dynamodb:BatchGetItem");
        assertThat(observed.get("tag")).containsExactlyInAnyOrder("dynamodb:GetItem", "dynamodb:UpdateItem");
        assertThat(observed.get("migration-dry-run")).contains("dynamodb:Query", "dynamodb:BatchGetItem", "dynamodb:Scan")
                .doesNotContain("dynamodb:PutItem", "dynamodb:UpdateItem", "dynamodb:DeleteItem", "dynamodb:BatchWriteItem");
    }

    private JsonNode call(Map<String, Set<String>> observed, String operation, String thread, Function<JsonNode, Object> function,
                          Map<String, String> fields) throws IOException {
        ObjectNode event = (ObjectNode) JSON.readTree(Files.readString(Path.of("events", operation + ".json")));
        event.put("threadId", thread).remove("idempotencyKey");
        if (operation.equals("migration-dry-run")) {
            event.remove("threadId");
        }
        if (operation.equals("threads")) {
            // A listing names no thread; without the status filter it finds the thread tagged just before.
            event.remove(List.of("threadId", "status"));
        }
        fields.forEach(event::put);
        JsonNode answer = JSON.valueToTree(function.apply(event));
        SpanData invocation = spans.finished().stream().filter(s -> s.getName().equals("threadline " + operation))
                .reduce((a, b) -> b).orElseThrow(() -> new AssertionError("no invocation span of " + operation));
        Set<String> actions = new TreeSet<>();
        for (SpanData s : spans.trace(invocation.getTraceId())) {
            if (s.getName().startsWith("DynamoDb.")) {
                String action = ACTION.get(s.getName());
                assertThat(action).as("the IAM action of " + s.getName() + " (" + operation + ")").isNotNull();
                actions.addAll(List.of(action.split(",")));
            }
        }
        observed.put(operation, actions);
        return answer;
    }
}
