package io.threadline.telemetry;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.opentelemetry.api.trace.SpanKind;
import io.opentelemetry.sdk.trace.data.SpanData;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.RestAssured;
import io.threadline.api.ThreadFunctions;
import io.threadline.examples.reference.AgentState;
import io.threadline.examples.reference.Message;
import io.threadline.checkpoint.ThreadKey;
import io.threadline.runtime.RuntimeOptions;
import io.threadline.runtime.ThreadRuntime;
import io.threadline.state.Update;
import jakarta.inject.Inject;
import org.eclipse.microprofile.config.ConfigProvider;
import org.jboss.logging.MDC;
import org.junit.jupiter.api.Test;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.UUID;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The packaged application's telemetry, end to end: events/step.json sent through the Lambda Runtime API
 * mock with a Lambda trace header, as Lambda sends it; the spans Quarkus's OpenTelemetry SDK exports
 * (to memory here, by OTLP to the ADOT collector in AWS).
 */
@QuarkusTest
class TelemetryWiringTest {

    @Inject
    InMemorySpans spans;

    @Inject
    RuntimeOptions options;

    @Inject
    ThreadRuntime<AgentState> runtime;

    static JsonNode invoke(String payload, String traceHeader) throws Exception {
        int port = ConfigProvider.getConfig().getValue("quarkus.lambda.mock-event-server.test-port", Integer.class);
        var request = RestAssured.given().contentType("application/json").body(payload);
        if (traceHeader != null) {
            request = request.header("Lambda-Runtime-Trace-Id", traceHeader);
        }
        return new ObjectMapper().readTree(request.post("http://localhost:" + port + "/invoke").then().extract().asString());
    }

    @Inject
    ThreadFunctions functions;

    static String xrayTraceId() {
        return Long.toHexString(System.currentTimeMillis() / 1000) + UUID.randomUUID().toString().replace("-", "").substring(0, 24);
    }

    static String header(String traceId, String parent) {
        return "Root=1-" + traceId.substring(0, 8) + "-" + traceId.substring(8) + ";Parent=" + parent + ";Sampled=1";
    }

    @Test
    void anInvocationThroughTheRuntimeApiIsAServerSpanOverItsStep() throws Exception {
        ObjectNode event = (ObjectNode) new ObjectMapper().readTree(Files.readString(Path.of("events", "step.json")));
        String thread = "traced-" + UUID.randomUUID();
        event.put("threadId", thread).remove("idempotencyKey");

        JsonNode answer = invoke(event.toString(), null);
        assertThat(answer.at("/checkpoint/status").asText()).as(answer.toString()).isEqualTo("RUNNING");

        SpanData step = spans.finished().stream()
                .filter(s -> thread.equals(s.getAttributes().get(TelemetryKeys.THREAD_ID)) && s.getName().startsWith("step "))
                .findFirst().orElseThrow();
        List<SpanData> trace = spans.trace(step.getTraceId());
        SpanData invocation = trace.stream().filter(s -> s.getSpanId().equals(step.getParentSpanId())).findFirst().orElseThrow();
        assertThat(invocation.getName()).isEqualTo("threadline step");
        assertThat(invocation.getKind()).isEqualTo(SpanKind.SERVER);
        assertThat(invocation.getAttributes().get(TelemetryKeys.FAAS_TRIGGER)).isEqualTo("other");
        assertThat(invocation.getAttributes().get(TelemetryKeys.OPERATION)).isEqualTo("step");
        assertThat(invocation.getAttributes().get(TelemetryKeys.FAAS_INVOCATION_ID)).isNotBlank();

        assertThat(step.getAttributes().get(TelemetryKeys.TENANT)).isEqualTo("acme");
        assertThat(step.getAttributes().get(TelemetryKeys.STEP)).isEqualTo(1L);
        assertThat(step.getAttributes().get(TelemetryKeys.CHECKPOINT_ID)).isEqualTo(answer.at("/checkpoint/checkpointId").asText());
        assertThat(step.getEvents()).extracting(e -> e.getName()).contains(TelemetryKeys.ROUTE_EVENT);
        List<SpanData> underStep = trace.stream().filter(s -> s.getParentSpanId().equals(step.getSpanId())).toList();
        assertThat(underStep).extracting(SpanData::getName).contains("checkpoint.load", "checkpoint.commit");
        // On DynamoDB (the test profile's store) the AWS SDK's own spans hang under ours.
        SpanData commit = underStep.stream().filter(s -> s.getName().equals("checkpoint.commit")).findFirst().orElseThrow();
        assertThat(commit.getAttributes().get(TelemetryKeys.DB_SYSTEM)).isEqualTo("aws.dynamodb");
        assertThat(trace).filteredOn(s -> s.getParentSpanId().equals(commit.getSpanId())).extracting(SpanData::getName)
                .containsExactly("DynamoDb.TransactWriteItems");
    }

    /**
     * Lambda's Java runtime (and Quarkus's poll loop, from the Lambda-Runtime-Trace-Id header) puts the
     * invocation's X-Ray header in this system property before calling the function. The mock Runtime API
     * of the tests sends a random id instead, so the function is called here as the runtime would.
     */
    @Test
    void aDirectInvocationJoinsTheLambdaSegmentFromTheTraceHeader() throws Exception {
        String traceId = xrayTraceId();
        ObjectNode event = (ObjectNode) new ObjectMapper().readTree(Files.readString(Path.of("events", "step.json")));
        event.put("threadId", "segment-" + UUID.randomUUID()).remove("idempotencyKey");
        String before = System.getProperty(LambdaTrace.SYSTEM_PROPERTY);
        System.setProperty(LambdaTrace.SYSTEM_PROPERTY, header(traceId, "53995c3f42cd8ad8"));
        try {
            functions.step(event);
        } finally {
            if (before == null) {
                System.clearProperty(LambdaTrace.SYSTEM_PROPERTY);
            } else {
                System.setProperty(LambdaTrace.SYSTEM_PROPERTY, before);
            }
        }
        List<SpanData> trace = spans.trace(traceId);
        SpanData invocation = trace.stream().filter(s -> s.getName().equals("threadline step")).findFirst().orElseThrow();
        assertThat(invocation.getParentSpanId()).isEqualTo("53995c3f42cd8ad8");
        assertThat(trace).extracting(SpanData::getName).contains("step process", "checkpoint.commit");
    }

    @Test
    void theApplicationsRuntimeIsObservedAndItsTraceIdsAreXRayIds() {
        assertThat(options.observer()).isInstanceOf(ThreadlineTelemetry.class);
        long before = System.currentTimeMillis() / 1000;
        String thread = "direct-" + UUID.randomUUID();
        Object traceBefore = MDC.get(TelemetryKeys.MDC_TRACE);
        runtime.step(ThreadKey.of("acme", thread), Update.of(AgentState.MESSAGES.append(Message.user("what is 2 * 3"))), null);
        // Under Quarkus's MDC-aware context storage too, the step leaves the log context as it found it.
        assertThat(MDC.get(TelemetryKeys.MDC_TRACE)).isEqualTo(traceBefore);
        assertThat(MDC.get(TelemetryKeys.MDC_THREAD)).isNull();
        SpanData step = spans.finished().stream()
                .filter(s -> thread.equals(s.getAttributes().get(TelemetryKeys.THREAD_ID)) && s.getName().startsWith("step"))
                .findFirst().orElseThrow();
        assertThat(Long.parseLong(step.getTraceId().substring(0, 8), 16)).isBetween(before, System.currentTimeMillis() / 1000);
    }
}
