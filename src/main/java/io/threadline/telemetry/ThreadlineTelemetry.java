package io.threadline.telemetry;

import io.opentelemetry.api.OpenTelemetry;
import io.opentelemetry.api.common.Attributes;
import io.opentelemetry.api.metrics.Meter;
import io.opentelemetry.api.trace.Span;
import io.opentelemetry.api.trace.SpanBuilder;
import io.opentelemetry.api.trace.SpanKind;
import io.opentelemetry.api.trace.StatusCode;
import io.opentelemetry.api.trace.Tracer;
import io.opentelemetry.context.Context;
import io.opentelemetry.context.Scope;
import io.threadline.ErrorCode;
import io.threadline.ThreadlineException;
import io.threadline.checkpoint.Checkpoint;
import io.threadline.checkpoint.CheckpointStore;
import io.threadline.checkpoint.Decision;
import io.threadline.checkpoint.Status;
import io.threadline.checkpoint.ThreadKey;
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
 * <p>Thread-safe: per-step data lives in the step's OpenTelemetry context, not in this object. The effect spans are
 * {@code EffectSpans}', which {@link #stepRunning} hands the step.
 */
public final class ThreadlineTelemetry implements StepObserver {

    private final Tracer tracer;
    private final Meter meter;
    private final StepMetrics metrics;
    private final EmfWriter emf;
    private final EffectSpans effects;

    private ThreadlineTelemetry(Tracer tracer, Meter meter, EmfWriter emf) {
        this.tracer = tracer;
        this.meter = meter;
        this.metrics = new StepMetrics(meter);
        this.emf = emf;
        this.effects = new EffectSpans(tracer, metrics);
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

    private SpanBuilder threadSpan(String name, ThreadKey thread) {
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
        return effects;
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

    // ---- stores --------------------------------------------------------------------------------

    @Override
    public CheckpointStore checkpointStore(CheckpointStore store) {
        return new TracedCheckpointStore(store, tracer, metrics);
    }

    @Override
    public MemoryStore memoryStore(MemoryStore memory) {
        return new TracedMemoryStore(memory, tracer, metrics);
    }
}
