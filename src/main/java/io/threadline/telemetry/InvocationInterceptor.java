package io.threadline.telemetry;

import com.fasterxml.jackson.databind.JsonNode;
import io.opentelemetry.api.OpenTelemetry;
import io.opentelemetry.api.trace.Span;
import io.opentelemetry.api.trace.SpanKind;
import io.opentelemetry.api.trace.StatusCode;
import io.opentelemetry.api.trace.Tracer;
import io.opentelemetry.context.Context;
import io.opentelemetry.context.Scope;
import io.opentelemetry.sdk.OpenTelemetrySdk;
import jakarta.annotation.Priority;
import jakarta.inject.Inject;
import jakarta.interceptor.AroundInvoke;
import jakarta.interceptor.Interceptor;
import jakarta.interceptor.InvocationContext;
import org.jboss.logging.Logger;
import org.jboss.logging.MDC;

import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * One SERVER span per invocation of a {@link Traced} function ({@code threadline <operation>}), parented
 * as {@link LambdaTrace} says, so the steps under it join the Lambda segment in X-Ray. With
 * {@code threadline.telemetry.flush-timeout} set, the spans are flushed to the collector before the
 * answer goes back: Lambda freezes the process after it, and a batch left in memory would wait for
 * the next invocation — or be lost with the instance.
 */
@Traced
@Interceptor
@Priority(Interceptor.Priority.LIBRARY_BEFORE)
public class InvocationInterceptor {

    private static final Logger LOG = Logger.getLogger(InvocationInterceptor.class);

    @Inject
    OpenTelemetry otel;

    @Inject
    TelemetryConfig config;

    private volatile Tracer tracer;

    @AroundInvoke
    Object invocation(InvocationContext ic) throws Exception {
        if (!config.enabled()) {
            return ic.proceed();
        }
        if (tracer == null) {
            tracer = otel.getTracer(TelemetryKeys.INSTRUMENTATION);
        }
        Object[] args = ic.getParameters();
        JsonNode event = args.length > 0 && args[0] instanceof JsonNode json ? json : null;
        boolean http = event != null && event.has("requestContext") && event.path("requestContext").has("http");
        String operation = http ? lastSegment(event.path("rawPath").asText("")) : functionName(ic.getMethod().getName());
        Context parent = LambdaTrace.parent(otel.getPropagators().getTextMapPropagator(), http ? headers(event) : Map.of(),
                System::getenv);
        Span span = tracer.spanBuilder("threadline " + operation).setParent(parent).setSpanKind(SpanKind.SERVER)
                .setAttribute(TelemetryKeys.OPERATION, operation)
                .setAttribute(TelemetryKeys.FAAS_TRIGGER, http ? "http" : "other")
                .setAttribute(TelemetryKeys.CLOUD_PROVIDER, "aws")
                .startSpan();
        Object requestId = MDC.get("AWSRequestId");
        if (requestId != null) {
            span.setAttribute(TelemetryKeys.FAAS_INVOCATION_ID, requestId.toString());
        }
        try (Scope ignored = span.makeCurrent()) {
            return ic.proceed();
        } catch (Exception | Error e) {
            span.setAttribute(TelemetryKeys.ERROR_TYPE, e.getClass().getName());
            span.setStatus(StatusCode.ERROR, e.getClass().getName());
            throw e;
        } finally {
            span.end();
            flush();
        }
    }

    private void flush() {
        Duration timeout = config.flushTimeout();
        if (timeout.isZero() || !(otel instanceof OpenTelemetrySdk sdk)) {
            return;
        }
        if (!sdk.getSdkTracerProvider().forceFlush().join(timeout.toMillis(), TimeUnit.MILLISECONDS).isSuccess()) {
            LOG.debugf("spans not flushed within %s", timeout);
        }
        sdk.getSdkMeterProvider().forceFlush().join(timeout.toMillis(), TimeUnit.MILLISECONDS);
    }

    /**
     * A direct function's operation name from its Java method: {@code memorySearch} is exported as {@code memory-search}
     * ({@code @Funq("memory-search")}), and spans are named as the operations are, whatever the entry path.
     */
    static String functionName(String method) {
        StringBuilder out = new StringBuilder(method.length() + 4);
        for (char c : method.toCharArray()) {
            if (Character.isUpperCase(c)) {
                out.append('-').append(Character.toLowerCase(c));
            } else {
                out.append(c);
            }
        }
        return out.toString();
    }

    private static String lastSegment(String path) {
        String name = path.substring(path.lastIndexOf('/') + 1);
        // Route names only (bounded): an unknown path is not a span name.
        return Operations.known(name) ? name : "http";
    }

    private static Map<String, String> headers(JsonNode event) {
        Map<String, String> out = new LinkedHashMap<>();
        event.path("headers").fields().forEachRemaining(e -> out.put(e.getKey(), e.getValue().asText()));
        return out;
    }
}
