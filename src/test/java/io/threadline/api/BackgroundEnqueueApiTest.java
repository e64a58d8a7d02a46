package io.threadline.api;

import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.TestProfile;
import io.restassured.RestAssured;
import io.restassured.http.ContentType;
import io.restassured.response.ValidatableResponse;
import io.threadline.checkpoint.ThreadKey;
import io.threadline.config.Runs;
import io.threadline.runs.Run;
import io.threadline.runs.RunStatus;
import io.threadline.runs.sqs.ElasticMq;
import io.threadline.runs.sqs.QueuePoller;
import io.threadline.runs.sqs.RunQueues;
import jakarta.inject.Inject;
import org.eclipse.microprofile.config.ConfigProvider;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;

import static org.assertj.core.api.Assertions.assertThat;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.nullValue;

/**
 * {@code multitask: enqueue} on {@code step}, {@code run} and {@code resume} over the local HTTP server, on DynamoDB
 * Local and a queue on ElasticMQ. The application does not poll the queue: the run stays in progress while the
 * requests meet it, and the test then feeds the application's own {@code advance} worker from the queue, as Lambda's
 * event source mapping would.
 */
@QuarkusTest
@TestProfile(BackgroundEnqueueApiTest.Unpolled.class)
class BackgroundEnqueueApiTest {

    static final String QUEUE = "enq-" + UUID.randomUUID().toString().substring(0, 8);

    /** BackgroundRunsApiTest's application, on a queue of its own that it does not poll. */
    public static class Unpolled extends BackgroundRunsApiTest.WithQueue {
        @Override
        public Map<String, String> getConfigOverrides() {
            Map<String, String> config = new HashMap<>(super.getConfigOverrides());
            config.put("threadline.runs.queue-name", QUEUE);
            config.put("threadline.runs.poll", "false");
            return config;
        }
    }

    @Inject
    Runs runs;

    static ValidatableResponse post(String path, String body) {
        int port = ConfigProvider.getConfig().getOptionalValue("quarkus.http.test-port", Integer.class)
                .orElse(8081);
        return RestAssured.given().port(port).contentType(ContentType.JSON).body(body).post(path).then();
    }

    static String turn(String text) {
        return "{\"messages\":[{\"role\":\"user\",\"content\":\"" + text + "\"}]}";
    }

    @Test
    void requestsMeetingARunInProgressAreQueuedAndTheRunAppliesThemInOrderOnce() {
        String thread = "enq-" + UUID.randomUUID();
        post("/start", "{\"agent\":\"echo\",\"threadId\":\"" + thread + "\",\"input\":" + turn("what is 6 * 7") + "}").statusCode(200)
                .body("run.status", equalTo("ACTIVE"));
        String runId = runs.require().current(ThreadKey.of("local-tenant", thread)).map(Run::runId).orElse(null);

        // README's step line with multitask enqueue: queued, no checkpoint yet.
        post("/step", "{\"agent\":\"echo\",\"threadId\":\"" + thread + "\",\"input\":" + turn("2 + 3")
                + ",\"multitask\":\"enqueue\",\"idempotencyKey\":\"turn-2\"}").statusCode(200)
                .body("queued", equalTo(true))
                .body("position", equalTo(1))
                .body("run.status", equalTo("ACTIVE"))
                .body("run.queuedInputs", equalTo(1))
                .body("checkpoint", nullValue())
                .body("state", nullValue());
        post("/run", "{\"agent\":\"echo\",\"threadId\":\"" + thread + "\",\"input\":" + turn("10 / 4")
                + ",\"multitask\":\"enqueue\",\"idempotencyKey\":\"turn-3\"}").statusCode(200)
                .body("queued", equalTo(true))
                .body("position", equalTo(2))
                .body("stopReason", equalTo("QUEUED"))
                .body("steps.size()", equalTo(0));
        // The step's retry: the same place, not queued twice.
        post("/step", "{\"agent\":\"echo\",\"threadId\":\"" + thread + "\",\"input\":" + turn("2 + 3")
                + ",\"multitask\":\"enqueue\",\"idempotencyKey\":\"turn-2\"}").statusCode(200)
                .body("position", equalTo(1)).body("run.queuedInputs", equalTo(2));

        // Bad multitask values: INVALID_INPUT on every operation, nothing queued, no thread yet.
        for (String op : List.of("step", "run", "resume")) {
            String payload = op.equals("resume") ? "\"value\":1" : "\"input\":" + turn("x");
            post("/" + op, "{\"agent\":\"echo\",\"threadId\":\"" + thread + "\"," + payload + ",\"multitask\":\"later\"}")
                    .statusCode(400).body("error.code", equalTo("INVALID_INPUT")).body("error.details.field", equalTo("multitask"));
        }
        post("/step", "{\"agent\":\"echo\",\"threadId\":\"" + thread + "\",\"input\":" + turn("x") + ",\"multitask\":\"\"}")
                .statusCode(400).body("error.details.field", equalTo("multitask"));
        // An input the schema refuses: refused now, not by the run later.
        post("/step", "{\"agent\":\"echo\",\"threadId\":\"" + thread + "\",\"input\":{\"messages\":[{\"role\":\"robot\",\"content\":\"x\"}]},"
                + "\"multitask\":\"enqueue\"}").statusCode(422).body("error.code", equalTo("VALIDATION_FAILED"));
        post("/run-status", "{\"agent\":\"echo\",\"threadId\":\"" + thread + "\"}").statusCode(200)
                .body("run.queuedInputs", equalTo(2)).body("run.stepsTaken", equalTo(0));
        post("/state", "{\"agent\":\"echo\",\"threadId\":\"" + thread + "\"}").statusCode(404);

        String queueUrl = RunQueues.createIfMissing(ElasticMq.get().client(), QUEUE, Duration.ofSeconds(5), 5);
        try (QueuePoller poller = new QueuePoller(ElasticMq.get().client(), queueUrl, 1, 10, Duration.ofSeconds(1), runs.worker()::handle)
                .start()) {
            long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
            while (runs.require().current(ThreadKey.of("local-tenant", thread)).orElseThrow().active()) {
                assertThat(System.nanoTime()).as("the run ends").isLessThan(deadline);
                sleep(100);
            }
        }
        Run done = runs.require().current(ThreadKey.of("local-tenant", thread)).orElseThrow();
        assertThat(done.runId()).isEqualTo(runId);
        assertThat(done.status()).isEqualTo(RunStatus.DONE);
        assertThat(done.stepsTaken()).as("two steps a turn, three turns").isEqualTo(6);
        post("/state", "{\"agent\":\"echo\",\"threadId\":\"" + thread + "\"}").statusCode(200)
                .body("checkpoint.step", equalTo(6))
                .body("state.messages.content", equalTo(List.of("what is 6 * 7", "42", "2 + 3", "5", "10 / 4", "2.5")));
        // The step's retry, now that the run applied it: the step it committed, a duplicate.
        post("/step", "{\"agent\":\"echo\",\"threadId\":\"" + thread + "\",\"input\":" + turn("2 + 3")
                + ",\"multitask\":\"enqueue\",\"idempotencyKey\":\"turn-2\"}").statusCode(200)
                .body("duplicate", equalTo(true)).body("checkpoint.step", equalTo(3)).body("queued", nullValue());
        // No run in progress: enqueue is an ordinary step.
        post("/step", "{\"agent\":\"echo\",\"threadId\":\"" + thread + "\",\"input\":" + turn("1 + 1") + ",\"multitask\":\"enqueue\"}")
                .statusCode(200).body("checkpoint.step", equalTo(7)).body("queued", nullValue()).body("state.task", equalTo("1 + 1"));
    }

    /**
     * One idempotency-key rule on every entry path that takes a key: a foreground step, run and resume (the runtime's
     * check), the same three queued onto a run in progress, and a start. Each bad key is INVALID_INPUT with the same
     * message, and changes nothing: the run's queue stays as it was, the other thread gets no run and no checkpoint.
     */
    @Test
    void aBadIdempotencyKeyIsRefusedAlikeOnEveryEntryPathAndChangesNothing() {
        String busy = "key-" + UUID.randomUUID();
        String idle = "key-" + UUID.randomUUID();
        post("/start", "{\"agent\":\"echo\",\"threadId\":\"" + busy + "\",\"input\":" + turn("1 + 1") + "}").statusCode(200);
        for (String key : List.of("", "has space", "tab\\t", "caf\u00e9", "x".repeat(129))) {
            for (String op : List.of("step", "run", "resume")) {
                String payload = op.equals("resume") ? "\"value\":1" : "\"input\":" + turn("2 + 2");
                for (String thread : List.of(busy, idle)) {
                    post("/" + op, "{\"agent\":\"echo\",\"threadId\":\"" + thread + "\"," + payload + ",\"multitask\":\"enqueue\","
                            + "\"idempotencyKey\":\"" + key + "\"}").statusCode(400)
                            .body("error.code", equalTo("INVALID_INPUT"))
                            .body("error.message", equalTo("idempotencyKey must be 1-128 printable ASCII characters without spaces"))
                            .body("error.details.field", equalTo("idempotencyKey"));
                }
            }
            post("/start", "{\"agent\":\"echo\",\"threadId\":\"" + idle + "\",\"input\":" + turn("2 + 2") + ",\"idempotencyKey\":\""
                    + key + "\"}").statusCode(400)
                    .body("error.code", equalTo("INVALID_INPUT"))
                    .body("error.message", equalTo("idempotencyKey must be 1-128 printable ASCII characters without spaces"))
                    .body("error.details.field", equalTo("idempotencyKey"));
        }
        post("/run-status", "{\"agent\":\"echo\",\"threadId\":\"" + busy + "\"}").statusCode(200)
                .body("run.queuedInputs", equalTo(0)).body("run.stepsTaken", equalTo(0));
        post("/run-status", "{\"agent\":\"echo\",\"threadId\":\"" + idle + "\"}").statusCode(404).body("error.code", equalTo("RUN_NOT_FOUND"));
        post("/state", "{\"agent\":\"echo\",\"threadId\":\"" + idle + "\"}").statusCode(404).body("error.code", equalTo("THREAD_NOT_FOUND"));
        // the widest key the rule takes is taken by a start
        post("/start", "{\"agent\":\"echo\",\"threadId\":\"" + idle + "\",\"input\":" + turn("2 + 2") + ",\"idempotencyKey\":\""
                + "!~".repeat(64) + "\"}").statusCode(200).body("run.status", equalTo("ACTIVE"));
    }

    private static void sleep(long ms) {
        try {
            Thread.sleep(ms);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
