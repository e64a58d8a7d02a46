package io.threadline.telemetry;

import io.opentelemetry.api.trace.Span;
import io.opentelemetry.api.trace.SpanBuilder;
import io.opentelemetry.api.trace.SpanKind;
import io.opentelemetry.api.trace.Tracer;

import java.util.function.Function;

/**
 * The base of the traced stores: the wrapped store, the metrics, and how a traced store names its spans
 * ({@code <prefix>.<operation>}) and says what it runs on: a store of a remote service (told by its class name,
 * so the core need not expose what a store runs on) makes CLIENT spans with that service's
 * {@code db.system.name}; an in-process store, INTERNAL spans.
 */
abstract class TracedStore<S> {

    /** The wrapped store: every answer and every exception is its own. */
    protected final S store;
    protected final StepMetrics metrics;

    private final Tracer tracer;
    private final String prefix;
    private final String system;
    private final SpanKind kind;

    /**
     * @param prefix            what the span names begin with ({@code checkpoint})
     * @param remoteClassPrefix how the simple class names of the remote service's stores begin ({@code DynamoDb})
     * @param remoteSystem      that service's {@code db.system.name} ({@code aws.dynamodb})
     */
    TracedStore(S store, Tracer tracer, StepMetrics metrics, String prefix, String remoteClassPrefix, String remoteSystem) {
        this.store = store;
        this.metrics = metrics;
        this.tracer = tracer;
        this.prefix = prefix;
        boolean remote = store.getClass().getSimpleName().startsWith(remoteClassPrefix);
        this.system = remote ? remoteSystem : "threadline.memory";
        this.kind = remote ? SpanKind.CLIENT : SpanKind.INTERNAL;
    }

    /** A span of {@code operation}, with the store's system and the operation set; the caller starts it. */
    SpanBuilder span(String operation) {
        return tracer.spanBuilder(prefix + "." + operation).setSpanKind(kind)
                .setAttribute(TelemetryKeys.DB_SYSTEM, system)
                .setAttribute(TelemetryKeys.DB_OPERATION, operation);
    }

    /** {@code call} in a span of {@code operation}, ended when it returns or throws (see {@link Spans#within}). */
    <T> T traced(String operation, Function<Span, T> call) {
        return Spans.within(span(operation).startSpan(), call);
    }
}
