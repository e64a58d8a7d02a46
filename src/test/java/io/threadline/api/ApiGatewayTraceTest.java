package io.threadline.api;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.opentelemetry.api.trace.SpanKind;
import io.opentelemetry.sdk.trace.data.SpanData;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.TestProfile;
import io.threadline.telemetry.InMemorySpans;
import io.threadline.telemetry.TelemetryKeys;
import jakarta.inject.Inject;
import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.UUID;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * events/http-step.json with the X-Amzn-Trace-Id header API Gateway adds: the invocation joins that trace
 * (the test Runtime API sends no usable Lambda trace header, as when the function runs without active
 * tracing), as a SERVER span with the HTTP trigger, its step under it.
 */
@QuarkusTest
@TestProfile(Exports.Http.class)
class ApiGatewayTraceTest {

    @Inject
    InMemorySpans spans;

    @Test
    void anApiGatewayEventsTraceHeaderIsHonoured() {
        String traceId = Long.toHexString(System.currentTimeMillis() / 1000) + UUID.randomUUID().toString().replace("-", "").substring(0, 24);
        ObjectNode event = Lambda.event("http-step.json");
        ((ObjectNode) event.get("headers")).put("x-amzn-trace-id",
                "Root=1-" + traceId.substring(0, 8) + "-" + traceId.substring(8) + ";Parent=a1b2c3d4e5f60718;Sampled=1");
        String thread = "web-traced-" + UUID.randomUUID();
        event.put("body", "{\"threadId\":\"" + thread + "\",\"input\":{\"messages\":[{\"role\":\"user\",\"content\":\"what is 6 * 7\"}]}}");

        JsonNode answer = Lambda.invoke(event);
        assertThat(answer.get("statusCode").asInt()).as(answer.toString()).isEqualTo(200);

        List<SpanData> trace = spans.trace(traceId);
        SpanData invocation = trace.stream().filter(s -> s.getName().equals("threadline step")).findFirst()
                .orElseThrow(() -> new AssertionError("not in trace " + traceId + ": " + spans.finished().stream().map(SpanData::getName).toList()));
        assertThat(invocation.getParentSpanId()).isEqualTo("a1b2c3d4e5f60718");
        assertThat(invocation.getKind()).isEqualTo(SpanKind.SERVER);
        assertThat(invocation.getAttributes().get(TelemetryKeys.FAAS_TRIGGER)).isEqualTo("http");
        SpanData step = trace.stream().filter(s -> s.getName().startsWith("step ")).findFirst().orElseThrow();
        assertThat(step.getParentSpanId()).isEqualTo(invocation.getSpanId());
        assertThat(step.getAttributes().get(TelemetryKeys.THREAD_ID)).isEqualTo(thread);
        assertThat(step.getAttributes().get(TelemetryKeys.TENANT)).isEqualTo("acme");
    }

    @Test
    void anUnknownPathIsNotASpanName() {
        ObjectNode event = Lambda.event("http-step.json");
        event.put("rawPath", "/steal-" + UUID.randomUUID());
        JsonNode answer = Lambda.invoke(event);
        assertThat(answer.get("statusCode").asInt()).isEqualTo(404);
        assertThat(spans.finished()).extracting(SpanData::getName).contains("threadline http")
                .noneMatch(n -> n.contains("steal"));
    }
}
