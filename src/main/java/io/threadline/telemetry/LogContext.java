package io.threadline.telemetry;

import io.opentelemetry.api.trace.Span;
import io.threadline.checkpoint.ThreadKey;
import org.jboss.logging.MDC;

/**
 * The log context (MDC) of a step: trace and span id, thread, tenant and — once known — step number on
 * every line logged while the step runs (the JSON log format prints the MDC; so can the console
 * format's {@code %X{…}}). Restores what was there before, so a step inside an invocation leaves the
 * invocation's context as it found it.
 */
final class LogContext {

    private static final String[] KEYS = {TelemetryKeys.MDC_THREAD, TelemetryKeys.MDC_TENANT, TelemetryKeys.MDC_STEP,
            TelemetryKeys.MDC_TRACE, TelemetryKeys.MDC_SPAN};

    private final Object[] previous = new Object[KEYS.length];

    private LogContext() {
    }

    static LogContext push(ThreadKey thread, Span span) {
        LogContext c = new LogContext();
        for (int i = 0; i < KEYS.length; i++) {
            c.previous[i] = MDC.get(KEYS[i]);
        }
        MDC.put(TelemetryKeys.MDC_THREAD, thread.threadId());
        MDC.put(TelemetryKeys.MDC_TENANT, thread.tenant());
        MDC.remove(TelemetryKeys.MDC_STEP);
        if (span.getSpanContext().isValid()) {
            MDC.put(TelemetryKeys.MDC_TRACE, span.getSpanContext().getTraceId());
            MDC.put(TelemetryKeys.MDC_SPAN, span.getSpanContext().getSpanId());
        }
        return c;
    }

    void pop() {
        for (int i = 0; i < KEYS.length; i++) {
            if (previous[i] == null) {
                MDC.remove(KEYS[i]);
            } else {
                MDC.put(KEYS[i], previous[i]);
            }
        }
    }
}
