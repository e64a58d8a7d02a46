package io.threadline.telemetry;

import io.opentelemetry.api.trace.Span;
import io.opentelemetry.api.trace.SpanContext;
import io.opentelemetry.context.Context;
import io.opentelemetry.context.Scope;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

/** Which trace an invocation joins: the Lambda header, else the event's headers, else what is current. */
class LambdaTraceTest {

    static final String LAMBDA = "Root=1-6743a1b2-0123456789abcdef01234567;Parent=1122334455667788;Sampled=1";
    static final String EVENT = "Root=1-6743a1b2-fedcba9876543210fedcba98;Parent=8877665544332211;Sampled=1";

    private final OtelFixture otel = new OtelFixture();

    private final String before = System.getProperty(LambdaTrace.SYSTEM_PROPERTY);

    @BeforeEach
    void noHeaderYet() {
        // Quarkus tests earlier in the same JVM leave their poll loop's last value here.
        System.clearProperty(LambdaTrace.SYSTEM_PROPERTY);
    }

    @AfterEach
    void clear() {
        if (before != null) {
            System.setProperty(LambdaTrace.SYSTEM_PROPERTY, before);
        }
        System.clearProperty(LambdaTrace.SYSTEM_PROPERTY);
        otel.close();
    }

    private Context parent(Map<String, String> headers, Map<String, String> env) {
        return LambdaTrace.parent(otel.sdk.getPropagators().getTextMapPropagator(), headers, env::get);
    }

    private static SpanContext span(Context c) {
        return Span.fromContext(c).getSpanContext();
    }

    @Test
    void theLambdaRuntimesSystemPropertyWins() {
        System.setProperty(LambdaTrace.SYSTEM_PROPERTY, LAMBDA);
        SpanContext parent = span(parent(Map.of("x-amzn-trace-id", EVENT), Map.of(LambdaTrace.ENVIRONMENT, EVENT)));
        assertThat(parent.getTraceId()).isEqualTo("6743a1b20123456789abcdef01234567");
        assertThat(parent.getSpanId()).isEqualTo("1122334455667788");
        assertThat(parent.isSampled()).isTrue();
        assertThat(parent.isRemote()).isTrue();
    }

    @Test
    void theEnvironmentVariableWhenThereIsNoProperty() {
        SpanContext parent = span(parent(Map.of(), Map.of(LambdaTrace.ENVIRONMENT, LAMBDA)));
        assertThat(parent.getTraceId()).isEqualTo("6743a1b20123456789abcdef01234567");
    }

    @Test
    void aPropertyThatIsNoXRayHeaderDoesNotHideTheEnvironment() {
        System.setProperty(LambdaTrace.SYSTEM_PROPERTY, "8a3c1f5e-0d7e-4bb4-a0a6-3f0c2a1c9e11");
        assertThat(span(parent(Map.of(), Map.of(LambdaTrace.ENVIRONMENT, LAMBDA))).getTraceId())
                .isEqualTo("6743a1b20123456789abcdef01234567");
    }

    @Test
    void anApiGatewayEventsHeaderWhatEverItsCase() {
        assertThat(span(parent(Map.of("x-amzn-trace-id", EVENT), Map.of())).getTraceId()).isEqualTo("6743a1b2fedcba9876543210fedcba98");
        assertThat(span(parent(Map.of("X-Amzn-Trace-Id", EVENT), Map.of())).getSpanId()).isEqualTo("8877665544332211");
        // W3C trace context too, through the configured propagators.
        SpanContext w3c = span(parent(Map.of("traceparent", "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01"), Map.of()));
        assertThat(w3c.getTraceId()).isEqualTo("0af7651916cd43dd8448eb211c80319c");
    }

    @Test
    void aMalformedLambdaHeaderFallsBackToTheEvent() {
        System.setProperty(LambdaTrace.SYSTEM_PROPERTY, "Root=garbage");
        assertThat(span(parent(Map.of("x-amzn-trace-id", EVENT), Map.of())).getTraceId()).isEqualTo("6743a1b2fedcba9876543210fedcba98");
    }

    @Test
    void withNothingTheCurrentContextElseANewTrace() {
        assertThat(span(parent(Map.of(), Map.of())).isValid()).isFalse();
        Span outer = otel.sdk.getTracer("test").spanBuilder("http").startSpan();
        try (Scope ignored = outer.makeCurrent()) {
            assertThat(span(parent(Map.of("content-type", "application/json"), Map.of())).getSpanId())
                    .isEqualTo(outer.getSpanContext().getSpanId());
        } finally {
            outer.end();
        }
    }

    @Test
    void anUnsampledLambdaHeaderIsHonouredSoNothingIsRecorded() {
        System.setProperty(LambdaTrace.SYSTEM_PROPERTY, LAMBDA.replace("Sampled=1", "Sampled=0"));
        Context parent = parent(Map.of(), Map.of());
        Span child = otel.sdk.getTracer("test").spanBuilder("threadline step").setParent(parent).startSpan();
        child.end();
        assertThat(child.getSpanContext().getTraceId()).isEqualTo("6743a1b20123456789abcdef01234567");
        assertThat(child.isRecording()).isFalse();
        assertThat(otel.finished()).isEmpty();
    }
}
