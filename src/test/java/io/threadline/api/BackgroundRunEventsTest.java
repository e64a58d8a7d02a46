package io.threadline.api;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.QuarkusTestProfile;
import io.quarkus.test.junit.TestProfile;
import io.threadline.checkpoint.ThreadKey;
import io.threadline.config.Runs;
import io.threadline.runs.DoubleTexting;
import io.threadline.runs.Run;
import io.threadline.runs.RunStatus;
import io.threadline.runs.sqs.ElasticMq;
import io.threadline.testing.EchoAgent;
import jakarta.inject.Inject;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import java.util.UUID;
import java.util.function.BooleanSupplier;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The background runs' events/ samples through the Lambda Runtime API (the Lambda mock event server), each function
 * exported alone as deployed, on ElasticMQ: start, cancel, run-status, advance (the queue's SQS batch), sweep (the
 * schedule's event) and the HTTP function's start, run-status and cancel routes.
 */
class BackgroundRunEventsTest {

    /** The queue created on ElasticMQ, one of its own per profile; {@code poll}: the application consumes it itself. */
    abstract static class OnQueue implements QuarkusTestProfile {
        private final String export;
        private final boolean poll;
        private final Map<String, String> more;

        OnQueue(String export, boolean poll, Map<String, String> more) {
            this.export = export;
            this.poll = poll;
            this.more = more;
        }

        @Override
        public Map<String, String> getConfigOverrides() {
            Map<String, String> config = new HashMap<>(Map.ofEntries(
                    Map.entry("quarkus.funqy.export", export),
                    Map.entry("threadline.runs.queue", "sqs"),
                    Map.entry("threadline.runs.create-queue", "true"),
                    Map.entry("threadline.runs.queue-name", "ev-" + UUID.randomUUID().toString().substring(0, 8)),
                    Map.entry("threadline.runs.poll", Boolean.toString(poll)),
                    Map.entry("threadline.runs.visibility-timeout", "PT5S"),
                    Map.entry("quarkus.sqs.endpoint-override", ElasticMq.get().endpoint().toString()),
                    Map.entry("quarkus.sqs.aws.region", ElasticMq.REGION),
                    Map.entry("quarkus.sqs.aws.credentials.type", "static"),
                    Map.entry("quarkus.sqs.aws.credentials.static-provider.access-key-id", "local"),
                    Map.entry("quarkus.sqs.aws.credentials.static-provider.secret-access-key", "local")));
            config.putAll(more);
            return config;
        }
    }

    public static class StartExport extends OnQueue {
        public StartExport() {
            super("start", true, Map.of());
        }
    }

    /** No poller: the run stays in progress for the cancel to meet it. */
    public static class CancelExport extends OnQueue {
        public CancelExport() {
            super("cancel", false, Map.of());
        }
    }

    public static class RunStatusExport extends OnQueue {
        public RunStatusExport() {
            super("run-status", true, Map.of());
        }
    }

    /** No poller: the test hands advance the batch, as the event source mapping would. */
    public static class AdvanceExport extends OnQueue {
        public AdvanceExport() {
            super("advance", false, Map.of());
        }
    }

    /** No poller, and a start is due to the sweep at once (re-drive after PT0S). */
    public static class SweepExport extends OnQueue {
        public SweepExport() {
            super("sweep", false, Map.of("threadline.runs.redrive-after", "PT0S"));
        }
    }

    public static class HttpExport extends OnQueue {
        public HttpExport() {
            super("http", true, Map.of());
        }
    }

    /** No poller: the run stays in progress for the step to be queued behind it. */
    public static class StepExport extends OnQueue {
        public StepExport() {
            super("step", false, Map.of());
        }
    }

    /** No poller: as {@link StepExport}, through the HTTP function. */
    public static class UnpolledHttpExport extends OnQueue {
        public UnpolledHttpExport() {
            super("http", false, Map.of());
        }
    }

    static final String TURN = "{\"messages\":[{\"role\":\"user\",\"content\":\"what is 6 * 7\"}]}";

    static void await(Duration limit, BooleanSupplier condition) {
        long deadline = System.nanoTime() + limit.toNanos();
        while (!condition.getAsBoolean()) {
            assertThat(System.nanoTime()).as("reached within " + limit).isLessThan(deadline);
            try {
                Thread.sleep(100);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return;
            }
        }
    }

    @QuarkusTest
    @TestProfile(StartExport.class)
    static class StartFunction {
        @Inject
        Runs runs;

        @Test
        void theStartEventStartsARunAndItsRetryIsTheSameStart() {
            JsonNode first = Lambda.invoke(Lambda.echoEvent("start.json"));
            assertThat(first.has("error")).as(first.toString()).isFalse();
            assertThat(first.at("/run/status").asText()).isEqualTo("ACTIVE");
            assertThat(first.at("/run/maxSteps").asInt()).isEqualTo(50);
            assertThat(first.at("/queued").asBoolean()).isFalse();
            JsonNode retry = Lambda.invoke(Lambda.echoEvent("start.json"));
            assertThat(retry.at("/run/runId").asText()).as("idempotencyKey: the same run").isEqualTo(first.at("/run/runId").asText());
            ThreadKey thread = ThreadKey.of("acme", "demo-bg");
            await(Duration.ofSeconds(30), () -> runs.require().current(thread).orElseThrow().status().ended());
            assertThat(runs.require().current(thread).orElseThrow().status()).isEqualTo(RunStatus.DONE);

            ObjectNode bad = Lambda.echoEvent("start.json");
            bad.put("threadId", "demo-bg-bad").put("maxSteps", 0);
            assertThat(Lambda.invoke(bad).at("/error/details/field").asText()).isEqualTo("maxSteps");
            assertThat(runs.require().current(ThreadKey.of("acme", "demo-bg-bad"))).isEmpty();
        }
    }

    @QuarkusTest
    @TestProfile(CancelExport.class)
    static class CancelFunction {
        @Inject
        Runs runs;

        @Test
        void theCancelEventAsksTheRunInProgressToStop() throws Exception {
            assertThat(Lambda.invoke(Lambda.echoEvent("cancel.json")).at("/error/code").asText()).isEqualTo("RUN_NOT_FOUND");
            ThreadKey thread = ThreadKey.of("acme", "demo-bg");
            runs.require().start(thread, EchoAgent.NAME, Lambda.JSON.readTree(TURN), 10, DoubleTexting.REJECT, null, "test");
            JsonNode answer = Lambda.invoke(Lambda.echoEvent("cancel.json"));
            assertThat(answer.has("error")).as(answer.toString()).isFalse();
            assertThat(answer.at("/run/status").asText()).as("it stops at its next step boundary").isEqualTo("ACTIVE");
            assertThat(answer.at("/run/cancelledBy").asText()).isEqualTo("tenant acme (ops-on-call)");
            assertThat(runs.require().current(thread).orElseThrow().cancelledBy()).isEqualTo("tenant acme (ops-on-call)");
        }
    }

    @QuarkusTest
    @TestProfile(RunStatusExport.class)
    static class RunStatusFunction {
        @Inject
        Runs runs;

        @Test
        void theRunStatusEventAnswersTheThreadsRun() throws Exception {
            assertThat(Lambda.invoke(Lambda.echoEvent("run-status.json")).at("/error/code").asText()).isEqualTo("RUN_NOT_FOUND");
            ThreadKey thread = ThreadKey.of("acme", "demo-bg");
            Run started = runs.require().start(thread, EchoAgent.NAME, Lambda.JSON.readTree(TURN), 1, DoubleTexting.REJECT, null, "test").run();
            await(Duration.ofSeconds(30), () -> runs.require().current(thread).orElseThrow().status().ended());
            JsonNode answer = Lambda.invoke(Lambda.echoEvent("run-status.json"));
            assertThat(answer.has("error")).as(answer.toString()).isFalse();
            assertThat(answer.at("/run/runId").asText()).isEqualTo(started.runId());
            assertThat(answer.at("/run/status").asText()).isEqualTo("MAX_STEPS");
            assertThat(answer.at("/run/stepsTaken").asInt()).isEqualTo(1);
            assertThat(answer.at("/run/maxSteps").asInt()).isEqualTo(1);
            assertThat(answer.at("/run/endReason").asText()).isEqualTo("its budget of 1 steps is spent");
            assertThat(answer.at("/run/endedAt").asText()).isNotEmpty();
            assertThat(answer.at("/run/messageInFlight").asBoolean(true)).isFalse();

            ObjectNode byId = Lambda.echoEvent("run-status.json");
            byId.put("runId", started.runId());
            assertThat(Lambda.invoke(byId).at("/run/status").asText()).isEqualTo("MAX_STEPS");
            byId.put("runId", "not-this-threads-run");
            assertThat(Lambda.invoke(byId).at("/error/code").asText()).isEqualTo("RUN_NOT_FOUND");
            ObjectNode noThread = Lambda.echoEvent("run-status.json");
            noThread.remove("threadId");
            assertThat(Lambda.invoke(noThread).at("/error/details/violations/0/path").asText()).isEqualTo("threadId");
        }
    }

    @QuarkusTest
    @TestProfile(AdvanceExport.class)
    static class AdvanceFunction {
        @Inject
        Runs runs;

        @Test
        void theSqsEventRunsTheStepItsMessageNames() throws Exception {
            ThreadKey thread = ThreadKey.of("acme", "demo-bg");
            Run run = runs.require().start(thread, EchoAgent.NAME, Lambda.JSON.readTree(TURN), 10, DoubleTexting.REJECT, null, "test").run();
            ObjectNode event = Lambda.event("sqs-advance.json");
            ((ObjectNode) event.get("Records").get(0)).put("body", run.nextMessage().toJson());
            JsonNode answer = Lambda.invoke(event);
            assertThat(answer.get("batchItemFailures")).as(answer.toString()).isEmpty();
            Run after = runs.require().current(thread).orElseThrow();
            assertThat(after.stepsTaken()).isEqualTo(1);
            assertThat(after.nextStep()).isEqualTo(2);
            // The same delivery again: its step is committed, nothing changes.
            assertThat(Lambda.invoke(event).get("batchItemFailures")).isEmpty();
            assertThat(runs.require().current(thread).orElseThrow()).isEqualTo(after);

            // The sample as it is names a run this thread does not have: it is stale, deleted, never a failure.
            assertThat(Lambda.invoke(Lambda.event("sqs-advance.json")).get("batchItemFailures")).isEmpty();
            // A body that is no run message is reported failed, to reach the dead-letter queue.
            ObjectNode poison = Lambda.event("sqs-advance.json");
            ((ObjectNode) poison.get("Records").get(0)).put("body", "not a run message");
            ArrayNode failed = (ArrayNode) Lambda.invoke(poison).get("batchItemFailures");
            assertThat(failed).hasSize(1);
            assertThat(failed.get(0).get("itemIdentifier").asText()).isEqualTo("7d1c8a52-1f0e-4d1a-9a3b-2a4f5b6c7d8e");
        }
    }

    @QuarkusTest
    @TestProfile(SweepExport.class)
    static class SweepFunction {
        @Inject
        Runs runs;

        @Test
        void theScheduleEventSweepsWhatIsDue() throws Exception {
            assertThat(Lambda.invoke(Lambda.event("schedule-sweep.json")).get("woken").asInt()).isZero();
            ThreadKey thread = ThreadKey.of("acme", "demo-bg");
            runs.require().start(thread, EchoAgent.NAME, Lambda.JSON.readTree(TURN), 10, DoubleTexting.REJECT, null, "test");
            // Re-drive after PT0S: the start is due at once (its message also went out; a second send is deduplicated).
            JsonNode answer = Lambda.invoke(Lambda.event("schedule-sweep.json"));
            assertThat(answer.get("woken").asInt()).as(answer.toString()).isEqualTo(1);
        }
    }

    @QuarkusTest
    @TestProfile(HttpExport.class)
    static class HttpFunction {
        @Inject
        Runs runs;

        @Test
        void theHttpEventsStartReadAndCancelARun() {
            JsonNode started = Lambda.invoke(Lambda.echoHttpEvent("http-start.json"));
            assertThat(started.get("statusCode").asInt()).as(started.toString()).isEqualTo(200);
            String runId = Lambda.body(started).at("/run/runId").asText();
            ThreadKey thread = ThreadKey.of("acme", "web-bg");
            await(Duration.ofSeconds(30), () -> runs.require().current(thread).orElseThrow().status().ended());

            JsonNode status = Lambda.invoke(Lambda.echoHttpEvent("http-run-status.json"));
            assertThat(status.get("statusCode").asInt()).as(status.toString()).isEqualTo(200);
            assertThat(Lambda.body(status).at("/run/runId").asText()).isEqualTo(runId);
            assertThat(Lambda.body(status).at("/run/status").asText()).isEqualTo("DONE");
            assertThat(Lambda.body(status).at("/run/messageInFlight").asBoolean(true)).isFalse();

            JsonNode cancel = Lambda.invoke(Lambda.echoHttpEvent("http-cancel.json"));
            assertThat(cancel.get("statusCode").asInt()).isEqualTo(404);
            assertThat(Lambda.body(cancel).at("/error/code").asText()).isEqualTo("RUN_NOT_FOUND");
        }
    }

    /** events/step-enqueue.json: a step on a thread whose background run is in progress is queued behind it. */
    @QuarkusTest
    @TestProfile(StepExport.class)
    static class StepEnqueueFunction {
        @Inject
        Runs runs;

        @Test
        void theEnqueueStepEventIsQueuedBehindTheRunAndItsRetryKeepsItsPlace() throws Exception {
            ThreadKey thread = ThreadKey.of("acme", "demo-bg");
            Run run = runs.require().start(thread, EchoAgent.NAME, Lambda.JSON.readTree(TURN), 10, DoubleTexting.REJECT, null, "test").run();
            JsonNode answer = Lambda.invoke(Lambda.echoEvent("step-enqueue.json"));
            assertThat(answer.has("error")).as(answer.toString()).isFalse();
            assertThat(answer.get("queued").asBoolean()).isTrue();
            assertThat(answer.get("position").asInt()).isEqualTo(1);
            assertThat(answer.at("/run/runId").asText()).isEqualTo(run.runId());
            assertThat(answer.has("checkpoint")).as("nothing committed yet").isFalse();
            assertThat(Lambda.invoke(Lambda.echoEvent("step-enqueue.json")).get("position").asInt()).as("its retry").isEqualTo(1);
            Run queued = runs.require().current(thread).orElseThrow();
            assertThat(queued.queuedInputs()).isEqualTo(1);
            assertThat(queued.queued().get(1).idempotencyKey()).isEqualTo("demo-bg-turn-2");
            ObjectNode bad = Lambda.echoEvent("step-enqueue.json");
            bad.put("multitask", "sometimes");
            assertThat(Lambda.invoke(bad).at("/error/details/field").asText()).isEqualTo("multitask");
            assertThat(runs.require().current(thread).orElseThrow().version()).as("nothing changed").isEqualTo(queued.version());
        }
    }

    /** events/http-step-enqueue.json through the HTTP function: the same reply, as API Gateway's response body. */
    @QuarkusTest
    @TestProfile(UnpolledHttpExport.class)
    static class HttpStepEnqueueFunction {
        @Inject
        Runs runs;

        @Test
        void theHttpEnqueueStepEventIsQueuedBehindTheRun() throws Exception {
            ThreadKey thread = ThreadKey.of("acme", "web-bg");
            Run run = runs.require().start(thread, EchoAgent.NAME, Lambda.JSON.readTree(TURN), 10, DoubleTexting.REJECT, null, "test").run();
            JsonNode answer = Lambda.invoke(Lambda.echoHttpEvent("http-step-enqueue.json"));
            assertThat(answer.get("statusCode").asInt()).as(answer.toString()).isEqualTo(200);
            JsonNode body = Lambda.body(answer);
            assertThat(body.get("queued").asBoolean()).isTrue();
            assertThat(body.get("position").asInt()).isEqualTo(1);
            assertThat(body.at("/run/runId").asText()).isEqualTo(run.runId());
            assertThat(body.has("checkpoint")).isFalse();
            assertThat(runs.require().current(thread).orElseThrow().queuedInputs()).isEqualTo(1);
        }
    }
}
