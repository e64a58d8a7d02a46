package io.threadline.infra;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.opentelemetry.proto.common.v1.AnyValue;
import io.opentelemetry.proto.common.v1.KeyValue;
import io.opentelemetry.proto.trace.v1.ResourceSpans;
import io.opentelemetry.proto.trace.v1.ScopeSpans;
import io.opentelemetry.proto.trace.v1.Span;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.QuarkusTestProfile;
import io.quarkus.test.junit.TestProfile;
import io.restassured.RestAssured;
import org.eclipse.microprofile.config.ConfigProvider;
import org.junit.jupiter.api.Test;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.UUID;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The default deployment's export path, locally: the application configured with template.yaml's telemetry
 * variables ({@link OtlpCollectorStandIn}) takes events/step.json through the Lambda Runtime API, as a function
 * does, and by the time the invocation has answered — when Lambda would freeze the process — the step's spans
 * have reached an OTLP/gRPC receiver, decoded with OpenTelemetry's protobuf definitions: named, in one trace,
 * from the service the template names.
 */
@QuarkusTest
@TestProfile(OtlpExportTest.ToTheCollector.class)
class OtlpExportTest {

    public static class ToTheCollector implements QuarkusTestProfile {
        /** Build time: the test profile of application.properties builds without export; the Lambda package with it. */
        @Override
        public Map<String, String> getConfigOverrides() {
            return Map.of("quarkus.otel.exporter.otlp.enabled", "true", "quarkus.otel.metrics.enabled", "true");
        }

        @Override
        public List<TestResourceEntry> testResources() {
            return List.of(new TestResourceEntry(OtlpCollectorStandIn.class));
        }
    }

    @Test
    void aStepsSpansReachTheCollectorBeforeTheInvocationAnswers() throws Exception {
        ObjectNode event = (ObjectNode) new ObjectMapper().readTree(Files.readString(Path.of("events", "step.json")));
        String thread = "exported-" + UUID.randomUUID();
        event.put("threadId", thread).remove("idempotencyKey");
        int port = ConfigProvider.getConfig().getValue("quarkus.lambda.mock-event-server.test-port", Integer.class);

        JsonNode answer = new ObjectMapper().readTree(RestAssured.given().contentType("application/json").body(event.toString())
                .post("http://localhost:" + port + "/invoke").then().extract().asString());
        assertThat(answer.at("/checkpoint/status").asText()).as(answer.toString()).isEqualTo("RUNNING");

        // No waiting: the invocation flushed before answering (threadline.telemetry.flush-timeout from the template).
        List<ResourceSpans> received = OtlpCollectorStandIn.TRACES.stream().flatMap(r -> r.getResourceSpansList().stream()).toList();
        Span step = spans(received).stream()
                .filter(s -> s.getName().equals("step process") && thread.equals(attribute(s.getAttributesList(), "threadline.thread.id")))
                .findFirst().orElseThrow(() -> new AssertionError("no span of thread " + thread + " among " + names(spans(received))));
        List<Span> trace = spans(received).stream().filter(s -> s.getTraceId().equals(step.getTraceId())).toList();
        assertThat(trace).extracting(Span::getName).contains("threadline step", "step process", "checkpoint.load", "checkpoint.commit");
        Span invocation = trace.stream().filter(s -> s.getName().equals("threadline step")).findFirst().orElseThrow();
        assertThat(invocation.getKind()).isEqualTo(Span.SpanKind.SPAN_KIND_SERVER);
        assertThat(step.getParentSpanId()).isEqualTo(invocation.getSpanId());
        // X-Ray takes trace ids whose first 8 hex digits are the start time in epoch seconds.
        long start = Long.parseLong(HexFormat.of().formatHex(step.getTraceId().toByteArray()).substring(0, 8), 16);
        assertThat(start).isBetween(System.currentTimeMillis() / 1000 - 60, System.currentTimeMillis() / 1000);
        ResourceSpans resource = received.stream().filter(r -> spans(List.of(r)).contains(step)).findFirst().orElseThrow();
        assertThat(attribute(resource.getResource().getAttributesList(), "service.name"))
                .isEqualTo(OtlpCollectorStandIn.templateTelemetry().get("OTEL_SERVICE_NAME"));
    }

    private static List<Span> spans(List<ResourceSpans> resources) {
        List<Span> out = new ArrayList<>();
        for (ResourceSpans r : resources) {
            for (ScopeSpans s : r.getScopeSpansList()) {
                out.addAll(s.getSpansList());
            }
        }
        return out;
    }

    private static List<String> names(List<Span> spans) {
        return spans.stream().map(Span::getName).distinct().toList();
    }

    private static String attribute(List<KeyValue> attributes, String key) {
        return attributes.stream().filter(a -> a.getKey().equals(key)).map(KeyValue::getValue).map(AnyValue::getStringValue)
                .findFirst().orElse(null);
    }
}
