package io.threadline.api;

import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.TestProfile;
import io.threadline.checkpoint.ThreadKey;
import io.threadline.config.Runs;
import io.threadline.runs.Advance;
import io.threadline.runs.Run;
import io.threadline.runs.RunMessage;
import jakarta.inject.Inject;
import org.eclipse.microprofile.config.inject.ConfigProperty;
import org.junit.jupiter.api.Test;
import software.amazon.awssdk.services.dynamodb.DynamoDbClient;
import software.amazon.awssdk.services.dynamodb.model.AttributeValue;

import java.util.Map;
import java.util.UUID;

import static io.threadline.api.BackgroundEnqueueApiTest.post;
import static io.threadline.api.BackgroundEnqueueApiTest.turn;
import static org.assertj.core.api.Assertions.assertThat;
import static org.hamcrest.Matchers.equalTo;

/**
 * Issue [14] with background runs ([12]): {@code delete} and {@code erase} remove the thread's run record — the inputs
 * queued in it with {@code multitask: enqueue}, personal data like the thread's — and its wake-index entry, counted
 * by kind ({@code runs}, {@code queuedInputs}). On DynamoDB Local, the queue not polled: the run is still in progress
 * when the thread is deleted, and its message, delivered afterwards, finds no run and changes nothing.
 */
@QuarkusTest
@TestProfile(BackgroundEnqueueApiTest.Unpolled.class)
class DeleteBackgroundRunApiTest {

    private static final String TENANT = "local-tenant";

    @Inject
    Runs runs;

    @Inject
    DynamoDbClient dynamo;

    @ConfigProperty(name = "threadline.dynamodb.table")
    String table;

    /** A thread with a head (one foreground step, tagged), then a run in progress holding its start input and two queued ones. */
    private Run threadWithQueuedRun(String thread, String user) {
        post("/step", "{\"agent\":\"echo\",\"threadId\":\"" + thread + "\",\"tags\":{\"user\":\"" + user + "\"},\"input\":"
                + turn("hello") + "}").statusCode(200);
        post("/start", "{\"agent\":\"echo\",\"threadId\":\"" + thread + "\",\"input\":" + turn("what is 6 * 7") + "}").statusCode(200)
                .body("run.status", equalTo("ACTIVE"));
        for (String q : new String[] {"2 + 3", "10 / 4"}) {
            post("/step", "{\"agent\":\"echo\",\"threadId\":\"" + thread + "\",\"input\":" + turn(q) + ",\"multitask\":\"enqueue\"}")
                    .statusCode(200).body("queued", equalTo(true));
        }
        Run run = runs.require().current(ThreadKey.of(TENANT, thread)).orElseThrow();
        assertThat(run.active()).isTrue();
        assertThat(run.inputs()).hasSize(3);
        assertThat(wakeEntries(thread)).as("the start filed its re-drive in the wake index").isEqualTo(1);
        return run;
    }

    /** Wake-index items naming the thread, read from the table itself. */
    private long wakeEntries(String thread) {
        return dynamo.scanPaginator(b -> b.tableName(table).consistentRead(true)
                        .filterExpression("begins_with(pk, :wake) AND contains(sk, :thread)")
                        .expressionAttributeValues(Map.of(":wake", AttributeValue.fromS("WAKE#"),
                                ":thread", AttributeValue.fromS("#" + TENANT + "#" + thread))))
                .items().stream().count();
    }

    @Test
    void deleteRemovesTheRunWithItsQueuedInputsAndAMessageDeliveredAfterChangesNothing() {
        String thread = "del-run-" + UUID.randomUUID();
        Run run = threadWithQueuedRun(thread, "del-" + UUID.randomUUID());

        post("/delete", "{\"agent\":\"echo\",\"threadId\":\"" + thread + "\"}").statusCode(200)
                .body("existed", equalTo(true))
                .body("removed.runs", equalTo(1))
                .body("removed.queuedInputs", equalTo(3));
        assertThat(runs.require().current(ThreadKey.of(TENANT, thread))).as("the run record, queued inputs and all").isEmpty();
        assertThat(wakeEntries(thread)).as("its wake-index entry").isZero();

        // The run's message, delivered (again) after the delete: no run, nothing written.
        RunMessage inFlight = run.nextMessage();
        Advance outcome = runs.require().advance(inFlight);
        assertThat(outcome.deferred()).isFalse();
        assertThat(outcome.outcome()).startsWith("stale");
        assertThat(runs.require().current(ThreadKey.of(TENANT, thread))).isEmpty();
        post("/state", "{\"agent\":\"echo\",\"threadId\":\"" + thread + "\"}").statusCode(404);

        // Idempotent: the second delete finds nothing and removes nothing.
        post("/delete", "{\"agent\":\"echo\",\"threadId\":\"" + thread + "\"}").statusCode(200)
                .body("existed", equalTo(false))
                .body("removed.runs", equalTo(0))
                .body("removed.queuedInputs", equalTo(0));
    }

    @Test
    void anotherAgentsDeleteIsRefusedBeforeTheRunIsTouched() {
        String thread = "del-run-other-" + UUID.randomUUID();
        threadWithQueuedRun(thread, "del-" + UUID.randomUUID());
        post("/delete", "{\"agent\":\"reference\",\"threadId\":\"" + thread + "\"}").statusCode(409)
                .body("error.code", equalTo("AGENT_MISMATCH"));
        assertThat(runs.require().current(ThreadKey.of(TENANT, thread))).as("the run is untouched").isPresent();
        assertThat(wakeEntries(thread)).isEqualTo(1);
    }

    @Test
    void eraseRemovesTheSubjectsRunsToo() {
        String user = "erase-" + UUID.randomUUID();
        String thread = "erase-run-" + UUID.randomUUID();
        threadWithQueuedRun(thread, user);
        post("/erase", "{\"subject\":{\"user\":\"" + user + "\"}}").statusCode(200)
                .body("complete", equalTo(true))
                .body("removed.runs", equalTo(1))
                .body("removed.queuedInputs", equalTo(3));
        assertThat(runs.require().current(ThreadKey.of(TENANT, thread))).isEmpty();
        assertThat(wakeEntries(thread)).isZero();
        // Again: no thread left to erase, so no run either.
        post("/erase", "{\"subject\":{\"user\":\"" + user + "\"}}").statusCode(200)
                .body("complete", equalTo(true)).body("threadIds.size()", equalTo(0));
    }
}
