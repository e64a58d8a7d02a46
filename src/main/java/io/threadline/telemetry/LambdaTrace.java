package io.threadline.telemetry;

import io.opentelemetry.api.trace.Span;
import io.opentelemetry.context.Context;
import io.opentelemetry.context.propagation.TextMapGetter;
import io.opentelemetry.context.propagation.TextMapPropagator;
import io.opentelemetry.contrib.awsxray.propagator.AwsXrayPropagator;

import java.util.Locale;
import java.util.Map;
import java.util.function.UnaryOperator;

/**
 * Where an invocation's span hangs: under the Lambda function's X-Ray segment when Lambda says which
 * (the {@code com.amazonaws.xray.traceHeader} system property — set per invocation by the Java runtime
 * and by Quarkus's poll loop from {@code Lambda-Runtime-Trace-Id} — else the {@code _X_AMZN_TRACE_ID}
 * environment variable); else under the trace the request's own headers carry (an API Gateway
 * event's {@code X-Amzn-Trace-Id}, or {@code traceparent}, read by the configured propagators); else
 * under whatever is current (the local HTTP server's span), or a new trace.
 *
 * <p>The Lambda header wins over the event's: with active tracing Lambda's segment is itself a child of
 * API Gateway's, so joining it keeps the whole path in one X-Ray trace.
 */
final class LambdaTrace {

    static final String SYSTEM_PROPERTY = "com.amazonaws.xray.traceHeader";
    static final String ENVIRONMENT = "_X_AMZN_TRACE_ID";
    static final String HEADER = "X-Amzn-Trace-Id";

    private LambdaTrace() {
    }

    /**
     * @param eventHeaders the invocation's HTTP headers (API Gateway), or an empty map
     * @param environment  reads an environment variable (System::getenv; a map in tests)
     */
    static Context parent(TextMapPropagator propagators, Map<String, String> eventHeaders, UnaryOperator<String> environment) {
        // Each source in turn: one that is absent or does not parse (the tests' mock Runtime API sends a bare
        // uuid) must not hide the next.
        for (String lambda : new String[] {System.getProperty(SYSTEM_PROPERTY), environment.apply(ENVIRONMENT)}) {
            if (lambda != null && !lambda.isBlank()) {
                Context fromLambda = AwsXrayPropagator.getInstance().extract(Context.root(), Map.of(HEADER, lambda), MAP);
                if (Span.fromContext(fromLambda).getSpanContext().isValid()) {
                    return fromLambda;
                }
            }
        }
        if (!eventHeaders.isEmpty()) {
            Context fromEvent = propagators.extract(Context.root(), eventHeaders, MAP);
            if (Span.fromContext(fromEvent).getSpanContext().isValid()) {
                return fromEvent;
            }
        }
        return Context.current();
    }

    /** Header lookup that ignores case: API Gateway (payload 2.0) lower-cases header names. */
    private static final TextMapGetter<Map<String, String>> MAP = new TextMapGetter<>() {
        @Override
        public Iterable<String> keys(Map<String, String> carrier) {
            return carrier.keySet();
        }

        @Override
        public String get(Map<String, String> carrier, String key) {
            if (carrier == null) {
                return null;
            }
            String v = carrier.get(key);
            if (v != null) {
                return v;
            }
            String lower = key.toLowerCase(Locale.ROOT);
            for (Map.Entry<String, String> e : carrier.entrySet()) {
                if (e.getKey().toLowerCase(Locale.ROOT).equals(lower)) {
                    return e.getValue();
                }
            }
            return null;
        }
    };
}
