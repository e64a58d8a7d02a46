package io.threadline.telemetry;

import io.threadline.ErrorCode;
import com.fasterxml.jackson.databind.JsonNode;
import io.opentelemetry.api.OpenTelemetry;
import io.opentelemetry.api.common.AttributeKey;
import io.opentelemetry.api.common.Attributes;
import io.opentelemetry.api.common.AttributesBuilder;
import io.opentelemetry.api.metrics.Meter;
import io.opentelemetry.api.trace.Span;
import io.opentelemetry.api.trace.SpanKind;
import io.opentelemetry.api.trace.StatusCode;
import io.opentelemetry.api.trace.Tracer;
import io.opentelemetry.context.Context;
import io.opentelemetry.context.Scope;
import io.threadline.ThreadlineException;
import io.threadline.checkpoint.Checkpoint;
import io.threadline.checkpoint.CheckpointStore;
import io.threadline.checkpoint.Decision;
import io.threadline.checkpoint.Status;
import io.threadline.checkpoint.ThreadKey;
import io.threadline.effects.Effect;
import io.threadline.effects.EffectKind;
import io.threadline.effects.EffectObserver;
import io.threadline.memory.MemoryStore;
import io.threadline.runtime.StepObserver;
import io.threadline.runtime.ThreadRuntime;
import org.jboss.logging.MDC;

import java.util.List;
import java.util.Map;
import java.util.function.Consumer;

/**
 * Threadline's telemetry: a {@link StepObserver} that turns a runtime's work into OpenTelemetry spans
 * and metrics, log context (MDC) and, optionally, CloudWatch EMF lines.
 *
 * <p>Spans: {@code step <nodes>} per step (thread, tenant, step, nodes, status, checkpoint and parent
 * ids; routing decisions and retries as events), and under it {@code checkpoint.*} (store calls),
 * {@code memory.*}, {@code recall}, {@code chat <model>} (GenAI semantic conventions: model, token
 * usage, finish reasons) and {@code execute_tool <tool>}. State values, prompts, replies and tool
 * arguments are never recorded — so no {@link io.threadline.state.Sensitive} field can reach a span.
 *
 * <p>Thread-safe: per-step data lives in the step's OpenTelemetry context, not in this object.
 */
public final class ThreadlineTelemetry implements StepObserver {

    private final Tracer tracer;
    private final Meter meter;
    private final StepMetrics metrics;
    private final EmfWriter emf;

    private ThreadlineTelemetry(Tracer tracer, Meter meter, EmfWriter emf) {
        this.tracer = tracer;
        this.meter = meter;
        this.metrics = new StepMetrics(meter);
        this.emf = emf;
    }

    /** Telemetry on {@code otel}'s tracer and meter, without EMF lines. */
    public static ThreadlineTelemetry of(OpenTelemetry otel) {
        return new ThreadlineTelemetry(otel.getTracer(TelemetryKeys.INSTRUMENTATION), otel.getMeter(TelemetryKeys.INSTRUMENTATION), null);
    }

    /** The same, also writing one EMF line per step to {@code lines} (stdout in Lambda). */
    public ThreadlineTelemetry withEmf(String namespace, String service, Consumer<String> lines) {
        return new ThreadlineTelemetry(tracer, meter, new EmfWriter(namespace, service, lines));
    }

    // ---- steps ---------------------------------------------------------------------------------

    @Override
    public Step stepStarted(ThreadKey thread) {
        return observed(thread, threadSpan("step", thread).startSpan(), true);
    }

    /**
     * A fork, rewind or update: a span named after it, with the checkpoint it wrote, so X-Ray shows who moved a
     * thread and when. Not a step: no step metric or EMF line (those count the graph's work).
     */
    @Override
    public Step externalStarted(ThreadKey thread, String op) {
        return observed(thread, threadSpan(op, thread).setAttribute(TelemetryKeys.OPERATION, op).startSpan(), false);
    }

    private io.opentelemetry.api.trace.SpanBuilder threadSpan(String name, ThreadKey thread) {
        return tracer.spanBuilder(name).setSpanKind(SpanKind.INTERNAL)
                .setAttribute(TelemetryKeys.THREAD_ID, thread.threadId())
                .setAttribute(TelemetryKeys.TENANT, thread.tenant());
    }

    private ObservedStep observed(ThreadKey thread, Span span, boolean measured) {
        StepStats stats = new StepStats();
        // The log context first: Quarkus's context storage writes traceId/spanId into the MDC when a context
        // is made current, and what we restore at the end must be what was there before the step.
        LogContext log = LogContext.push(thread, span);
        Scope scope = Context.current().with(span).with(StepStats.KEY, stats).makeCurrent();
        return new ObservedStep(thread, span, stats, scope, log, System.nanoTime(), measured);
    }

    @Override
    public EffectObserver stepRunning(ThreadKey thread, long step, List<String> scheduled) {
        if (Context.current().get(StepStats.KEY) != null) {
            Span.current().setAttribute(TelemetryKeys.STEP, step).setAttribute(TelemetryKeys.SCHEDULED, scheduled);
            MDC.put(TelemetryKeys.MDC_STEP, Long.toString(step));
        }
        return this;
    }

    private final class ObservedStep implements Step {
        private final ThreadKey thread;
        private final Span span;
        private final StepStats stats;
        private final Scope scope;
        private final LogContext log;
        private final long startNanos;
        /** A step of the graph: counted in the step metrics and the EMF line (a fork, rewind or update is not). */
        private final boolean measured;

        ObservedStep(ThreadKey thread, Span span, StepStats stats, Scope scope, LogContext log, long startNanos, boolean measured) {
            this.thread = thread;
            this.span = span;
            this.stats = stats;
            this.scope = scope;
            this.log = log;
            this.startNanos = startNanos;
            this.measured = measured;
        }

        @Override
        public void committed(Checkpoint cp, boolean duplicate) {
            try {
                if (!cp.nodes().isEmpty()) {
                    span.updateName("step " + String.join(",", cp.nodes()));
                }
                span.setAttribute(TelemetryKeys.STEP, cp.step())
                        .setAttribute(TelemetryKeys.NODES, cp.nodes())
                        .setAttribute(TelemetryKeys.NEXT, cp.next())
                        .setAttribute(TelemetryKeys.STATUS, cp.status().name())
                        .setAttribute(TelemetryKeys.CHECKPOINT_ID, cp.id().value())
                        .setAttribute(TelemetryKeys.STORED_AS, cp.isSnapshot() ? "snapshot" : "delta")
                        .setAttribute(TelemetryKeys.CHECKPOINT_BYTES, (long) cp.change().size())
                        .setAttribute(TelemetryKeys.DUPLICATE, duplicate);
                if (cp.parent() != null) {
                    span.setAttribute(TelemetryKeys.PARENT_ID, cp.parent().value());
                }
                if (cp.metadata().containsKey(ThreadRuntime.AGENT_KEY)) {
                    span.setAttribute(TelemetryKeys.AGENT, cp.metadata().get(ThreadRuntime.AGENT_KEY));
                }
                if (!duplicate) {
                    // A duplicate answers an earlier step: its decisions and retries were observed then.
                    for (Decision d : cp.decisions()) {
                        span.addEvent(TelemetryKeys.ROUTE_EVENT, Attributes.of(TelemetryKeys.ROUTE_FROM, d.from(),
                                TelemetryKeys.ROUTE_TO, d.to(), TelemetryKeys.ROUTE_REASON, d.reason() == null ? "" : d.reason()));
                    }
                    for (Map.Entry<String, String> m : cp.metadata().entrySet()) {
                        if (m.getKey().startsWith("attempts.")) {
                            long attempts = parse(m.getValue());
                            String node = m.getKey().substring("attempts.".length());
                            span.addEvent(TelemetryKeys.RETRY_EVENT, Attributes.of(TelemetryKeys.NODE, node, TelemetryKeys.ATTEMPTS, attempts));
                            if (attempts > 1) {
                                stats.retries += attempts - 1;
                                metrics.retries.add(attempts - 1, Attributes.of(TelemetryKeys.NODE, node));
                            }
                        }
                    }
                }
                if (cp.status() == Status.FAILED && cp.error() != null) {
                    // The step is stored (FAILED), but the work did fail: the span says so. Type and node only —
                    // an exception's message may quote state.
                    span.setAttribute(TelemetryKeys.ERROR_TYPE, cp.error().type())
                            .setAttribute(TelemetryKeys.FAILED_NODE, cp.error().node());
                    span.setStatus(StatusCode.ERROR, cp.error().type());
                }
                end(cp.status().name(), cp.step());
            } catch (RuntimeException e) {
                // Telemetry must never fail a step that succeeded.
                closeQuietly();
            }
        }

        @Override
        public void failed(RuntimeException error) {
            try {
                String type = Spans.errorType(error);
                Spans.markError(span, type);
                if (measured && error instanceof ThreadlineException t && t.code() == ErrorCode.CONFLICT) {
                    stats.conflicts++;
                    metrics.conflicts.add(1);
                }
                end(type, 0);
            } catch (RuntimeException e) {
                closeQuietly();
            }
        }

        private void end(String status, long step) {
            double millis = (System.nanoTime() - startNanos) / 1e6;
            if (measured) {
                metrics.stepDuration.record(millis / 1000.0, StepMetrics.status(status));
            }
            if (measured && emf != null) {
                emf.step(System.currentTimeMillis(), status, millis, stats, thread.threadId(), thread.tenant(), step,
                        span.getSpanContext().getTraceId());
            }
            span.end();
            closeQuietly();
        }

        private void closeQuietly() {
            scope.close();
            log.pop();
        }
    }

    private static long parse(String n) {
        try {
            return Long.parseLong(n);
        } catch (NumberFormatException e) {
            return 0;
        }
    }

    // ---- effects -------------------------------------------------------------------------------

    @Override
    public Call calling(String node, int attempt, EffectKind kind, String name, JsonNode request) {
        AttributesBuilder attrs = Attributes.builder().put(TelemetryKeys.NODE, node).put(TelemetryKeys.ATTEMPT, attempt);
        String spanName;
        SpanKind spanKind = SpanKind.INTERNAL;
        switch (kind) {
            case MODEL -> {
                String model = text(request, "model");
                spanName = model == null ? "chat" : "chat " + model;
                spanKind = SpanKind.CLIENT;
                attrs.put(TelemetryKeys.GEN_AI_OPERATION, "chat");
                if (model != null) {
                    attrs.put(TelemetryKeys.GEN_AI_REQUEST_MODEL, model);
                }
                if (request != null && request.hasNonNull("temperature")) {
                    attrs.put(TelemetryKeys.GEN_AI_REQUEST_TEMPERATURE, request.get("temperature").asDouble());
                }
                if (request != null && request.hasNonNull("topP")) {
                    attrs.put(TelemetryKeys.GEN_AI_REQUEST_TOP_P, request.get("topP").asDouble());
                }
                if (request != null && request.hasNonNull("maxOutputTokens")) {
                    attrs.put(TelemetryKeys.GEN_AI_REQUEST_MAX_TOKENS, request.get("maxOutputTokens").asLong());
                }
            }
            case TOOL -> {
                spanName = "execute_tool " + name;
                attrs.put(TelemetryKeys.GEN_AI_OPERATION, "execute_tool").put(TelemetryKeys.GEN_AI_TOOL_NAME, name)
                        .put(TelemetryKeys.GEN_AI_TOOL_TYPE, "function");
                String id = text(request, "id");
                if (id != null) {
                    attrs.put(TelemetryKeys.GEN_AI_TOOL_CALL_ID, id);
                }
            }
            case RECALL -> {
                spanName = "recall";
                attrs.put(TelemetryKeys.MEMORY_NAMESPACE, name);
                if (request != null && request.has("k")) {
                    attrs.put(TelemetryKeys.MEMORY_K, request.get("k").asLong());
                }
            }
            default -> {
                // The clock and ids: too small and too frequent to be worth a span.
                return Call.NONE;
            }
        }
        Span span = tracer.spanBuilder(spanName).setSpanKind(spanKind).setAllAttributes(attrs.build()).startSpan();
        Scope scope = span.makeCurrent();
        StepStats stats = Context.current().get(StepStats.KEY);
        long start = System.nanoTime();
        return effect -> {
            try {
                ended(span, kind, effect, stats, (System.nanoTime() - start) / 1e9);
            } catch (RuntimeException ignored) {
                // never fail the call because of telemetry
            } finally {
                span.end();
                scope.close();
            }
        };
    }

    private void ended(Span span, EffectKind kind, Effect effect, StepStats stats, double seconds) {
        String errorType = null;
        if (effect.failed()) {
            errorType = effect.error().code() != null ? effect.error().code() : effect.error().type();
        } else if (effect.response() == null) {
            errorType = "recording_failed";
        }
        if (errorType != null) {
            Spans.markError(span, errorType);
        }
        JsonNode response = effect.response();
        AttributesBuilder metricAttrs = Attributes.builder();
        if (kind == EffectKind.MODEL) {
            String requested = text(effect.request(), "model");
            String answered = text(response, "model");
            metricAttrs.put(TelemetryKeys.GEN_AI_OPERATION, "chat");
            if (requested != null) {
                metricAttrs.put(TelemetryKeys.GEN_AI_REQUEST_MODEL, requested);
            }
            if (answered != null) {
                span.setAttribute(TelemetryKeys.GEN_AI_RESPONSE_MODEL, answered);
                if (requested == null) {
                    span.updateName("chat " + answered);
                }
            }
            if (stats != null) {
                stats.modelCalls++;
            }
            if (response != null) {
                String id = text(response, "id");
                if (id != null) {
                    span.setAttribute(TelemetryKeys.GEN_AI_RESPONSE_ID, id);
                }
                String finish = text(response, "finishReason");
                if (finish != null) {
                    span.setAttribute(TelemetryKeys.GEN_AI_FINISH_REASONS, List.of(finish.toLowerCase(java.util.Locale.ROOT)));
                }
                JsonNode tokens = response.path("tokens");
                long in = tokens(span, metricAttrs, tokens, "input", TelemetryKeys.GEN_AI_INPUT_TOKENS);
                long out = tokens(span, metricAttrs, tokens, "output", TelemetryKeys.GEN_AI_OUTPUT_TOKENS);
                if (stats != null) {
                    stats.inputTokens += in;
                    stats.outputTokens += out;
                }
            }
            metrics.operationDuration.record(seconds, Attributes.builder().put(TelemetryKeys.GEN_AI_OPERATION, "chat")
                    .put(TelemetryKeys.ERROR_TYPE, errorType == null ? "" : errorType).build());
        } else if (kind == EffectKind.TOOL) {
            if (stats != null) {
                stats.toolCalls++;
            }
            metrics.operationDuration.record(seconds, Attributes.builder().put(TelemetryKeys.GEN_AI_OPERATION, "execute_tool")
                    .put(TelemetryKeys.GEN_AI_TOOL_NAME, effect.name()).put(TelemetryKeys.ERROR_TYPE, errorType == null ? "" : errorType).build());
        } else if (kind == EffectKind.RECALL && response != null && response.isArray()) {
            span.setAttribute(TelemetryKeys.MEMORY_HITS, (long) response.size());
        }
    }

    @Override
    public void served(Effect effect) {
        if (effect.kind() == EffectKind.CLOCK || effect.kind() == EffectKind.ID) {
            return;
        }
        Span.current().addEvent(TelemetryKeys.REUSED_EVENT, Attributes.of(TelemetryKeys.EFFECT_KIND, effect.kind().name(),
                TelemetryKeys.EFFECT_NAME, effect.name(), TelemetryKeys.NODE, effect.node(), TelemetryKeys.ATTEMPT, (long) effect.attempt()));
    }

    // ---- stores --------------------------------------------------------------------------------

    @Override
    public CheckpointStore checkpointStore(CheckpointStore store) {
        return new TracedCheckpointStore(store, tracer, metrics);
    }

    @Override
    public MemoryStore memoryStore(MemoryStore memory) {
        return new TracedMemoryStore(memory, tracer, metrics);
    }

    private static String text(JsonNode o, String field) {
        if (o == null) {
            return null;
        }
        JsonNode v = o.get(field);
        return v == null || v.isNull() ? null : v.asText();
    }

    /**
     * The model call's {@code type} tokens ({@code input} or {@code output}) on its span and in the token-usage
     * histogram; 0 when the recorded response does not say.
     */
    private long tokens(Span span, AttributesBuilder metricAttrs, JsonNode tokens, String type, AttributeKey<Long> key) {
        if (!tokens.has(type)) {
            return 0;
        }
        long count = tokens.get(type).asLong();
        span.setAttribute(key, count);
        metrics.tokenUsage.record(count, metricAttrs.put(TelemetryKeys.GEN_AI_TOKEN_TYPE, type).build());
        return count;
    }
}
