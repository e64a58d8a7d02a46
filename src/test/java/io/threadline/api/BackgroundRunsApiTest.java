package io.threadline.api;

import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.QuarkusTestProfile;
import io.quarkus.test.junit.TestProfile;
import io.restassured.RestAssured;
import io.restassured.http.ContentType;
import io.restassured.response.ValidatableResponse;
import io.restassured.specification.RequestSpecification;
import io.threadline.runs.sqs.ElasticMq;
import org.assertj.core.api.Assertions;
import org.eclipse.microprofile.config.ConfigProvider;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.Map;
import java.util.UUID;

import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.notNullValue;
import static org.hamcrest.Matchers.nullValue;

/**
 * start and cancel over the local HTTP server, as README's curl lines use them, on the application as
 * infra/local/start runs it: DynamoDB Local, the queue created on ElasticMQ, and the application polling it as
 * Lambda's event source mapping would, feeding the advance function's own code.
 */
@QuarkusTest
@TestProfile(BackgroundRunsApiTest.WithQueue.class)
class BackgroundRunsApiTest {

    public static class WithQueue implements QuarkusTestProfile {
        @Override
        public Map<String, String> getConfigOverrides() {
            return Map.ofEntries(
                    Map.entry("threadline.runs.queue", "sqs"),
                    Map.entry("threadline.runs.create-queue", "true"),
                    Map.entry("threadline.runs.queue-name", "api-" + UUID.randomUUID().toString().substring(0, 8)),
                    Map.entry("threadline.runs.poll", "true"),
                    Map.entry("threadline.runs.visibility-timeout", "PT5S"),
                    Map.entry("quarkus.sqs.endpoint-override", ElasticMq.get().endpoint().toString()),
                    Map.entry("quarkus.sqs.aws.region", ElasticMq.REGION),
                    Map.entry("quarkus.sqs.aws.credentials.type", "static"),
                    Map.entry("quarkus.sqs.aws.credentials.static-provider.access-key-id", "local"),
                    Map.entry("quarkus.sqs.aws.credentials.static-provider.secret-access-key", "local"));
        }
    }

    private static RequestSpecification given() {
        int port = ConfigProvider.getConfig().getOptionalValue("quarkus.http.test-port", Integer.class)
                .orElse(8081);
        return RestAssured.given().port(port).contentType(ContentType.JSON);
    }

    private static ValidatableResponse post(String path, String body) {
        return given().body(body).post(path).then();
    }

    @Test
    void startAnswersAtOnceAndTheRunFinishesInTheBackground() {
        post("/start", "{\"agent\":\"echo\",\"threadId\":\"bg-1\",\"input\":{\"messages\":[{\"role\":\"user\",\"content\":\"what is 6 * 7\"}]}}")
                .statusCode(200)
                .body("run.runId", notNullValue())
                .body("run.status", equalTo("ACTIVE"))
                .body("run.nextStep", equalTo(1))
                .body("head", nullValue())
                .body("queued", equalTo(false));
        long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
        while (true) {
            var state = given().body("{\"agent\":\"echo\",\"threadId\":\"bg-1\"}").post("/state");
            if (state.statusCode() == 200 && "DONE".equals(state.path("checkpoint.status"))) {
                Assertions.assertThat((String) state.path("state.answer")).isEqualTo("42");
                Assertions.assertThat((Integer) state.path("checkpoint.step")).isEqualTo(2);
                break;
            }
            Assertions.assertThat(System.nanoTime()).as("the run finishes").isLessThan(deadline);
            sleep(100);
        }
        // README's run-status curl line: how and why the run ended, and that no message of it is left.
        post("/run-status", "{\"agent\":\"echo\",\"threadId\":\"bg-1\"}").statusCode(200)
                .body("run.status", equalTo("DONE"))
                .body("run.stepsTaken", equalTo(2))
                .body("run.maxSteps", equalTo(1000))
                .body("run.startedAt", notNullValue())
                .body("run.endedAt", notNullValue())
                .body("run.endReason", equalTo("the thread is done at step 2 and no input is queued"))
                .body("run.messageInFlight", equalTo(false));
        // Nothing in progress any more: cancel has nothing to stop, and a new start is no double text.
        post("/cancel", "{\"agent\":\"echo\",\"threadId\":\"bg-1\",\"by\":\"ops\"}").statusCode(404)
                .body("error.code", equalTo("RUN_NOT_FOUND"));
        post("/start", "{\"agent\":\"echo\",\"threadId\":\"bg-1\",\"input\":{\"messages\":[{\"role\":\"user\",\"content\":\"2 + 3\"}]},"
                + "\"multitask\":\"reject\"}").statusCode(200).body("head.step", equalTo(2));
    }

    @Test
    void badRequestsAreRefusedAndStartNothing() {
        post("/start", "{\"agent\":\"echo\",\"threadId\":\"bg-2\",\"multitask\":\"sometimes\"}").statusCode(400)
                .body("error.code", equalTo("INVALID_INPUT")).body("error.details.field", equalTo("multitask"));
        post("/start", "{\"agent\":\"echo\",\"threadId\":\"bg-2\",\"maxSteps\":0}").statusCode(400)
                .body("error.details.field", equalTo("maxSteps"));
        post("/start", "{\"agent\":\"echo\",\"threadId\":\"bg-2\",\"input\":{\"nope\":1}}").statusCode(400);
        post("/step", "{\"agent\":\"echo\",\"threadId\":\"bg-2\",\"multitask\":\"sometimes\"}").statusCode(400)
                .body("error.details.field", equalTo("multitask"));
        post("/cancel", "{\"agent\":\"echo\",\"threadId\":\"bg-2\"}").statusCode(404).body("error.code", equalTo("RUN_NOT_FOUND"));
        post("/run-status", "{\"agent\":\"echo\",\"threadId\":\"bg-2\"}").statusCode(404).body("error.code", equalTo("RUN_NOT_FOUND"));
        post("/run-status", "{\"agent\":\"echo\"}").statusCode(400).body("error.details.violations[0].path", equalTo("threadId"));
        String tooLong = "x".repeat(129);
        // the optional short texts: blank or over 128 characters, refused naming the field (a start's key: as a step's)
        for (String runId : new String[] {"", "  ", tooLong}) {
            post("/run-status", "{\"agent\":\"echo\",\"threadId\":\"bg-2\",\"runId\":\"" + runId + "\"}").statusCode(400)
                    .body("error.code", equalTo("INVALID_INPUT")).body("error.message", equalTo("runId must be 1-128 characters"))
                    .body("error.details.field", equalTo("runId"));
        }
        for (String by : new String[] {"", "  ", tooLong}) {
            post("/cancel", "{\"agent\":\"echo\",\"threadId\":\"bg-2\",\"by\":\"" + by + "\"}").statusCode(400)
                    .body("error.code", equalTo("INVALID_INPUT")).body("error.message", equalTo("by must be 1-128 characters"))
                    .body("error.details.field", equalTo("by"));
        }
        for (String key : new String[] {"", "  ", tooLong}) {
            post("/start", "{\"agent\":\"echo\",\"threadId\":\"bg-2\",\"input\":{\"messages\":[{\"role\":\"user\",\"content\":\"1 + 1\"}]},"
                    + "\"idempotencyKey\":\"" + key + "\"}").statusCode(400)
                    .body("error.code", equalTo("INVALID_INPUT"))
                    .body("error.message", equalTo("idempotencyKey must be 1-128 printable ASCII characters without spaces"))
                    .body("error.details.field", equalTo("idempotencyKey"));
        }
        post("/run-status", "{\"agent\":\"echo\",\"threadId\":\"bg-2\",\"runId\":\"" + "x".repeat(128) + "\"}").statusCode(404)
                .body("error.code", equalTo("RUN_NOT_FOUND"));
        post("/state", "{\"agent\":\"echo\",\"threadId\":\"bg-2\"}").statusCode(404).body("error.code", equalTo("THREAD_NOT_FOUND"));
    }

    /**
     * An input the state's schema refuses is refused by start itself, with the code a foreground step answers: no run
     * record, no message, no thread. A run in progress met by such a start with multitask interrupt goes on untouched.
     */
    @Test
    void anInputTheSchemaRefusesIsRefusedUpFrontAndChangesNothing() {
        post("/start", "{\"agent\":\"echo\",\"threadId\":\"bg-3\",\"input\":{\"messages\":[{\"role\":\"robot\",\"content\":\"x\"}]}}")
                .statusCode(422).body("error.code", equalTo("VALIDATION_FAILED"))
                .body("error.details.violations", notNullValue());
        post("/run-status", "{\"agent\":\"echo\",\"threadId\":\"bg-3\"}").statusCode(404).body("error.code", equalTo("RUN_NOT_FOUND"));
        post("/state", "{\"agent\":\"echo\",\"threadId\":\"bg-3\"}").statusCode(404).body("error.code", equalTo("THREAD_NOT_FOUND"));
        // The same refusal, as step answers it.
        post("/step", "{\"agent\":\"echo\",\"threadId\":\"bg-3\",\"input\":{\"messages\":[{\"role\":\"robot\",\"content\":\"x\"}]}}")
                .statusCode(422).body("error.code", equalTo("VALIDATION_FAILED"));
    }

    private static void sleep(long ms) {
        try {
            Thread.sleep(ms);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
