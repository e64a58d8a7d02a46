package io.threadline.telemetry;

import io.opentelemetry.api.trace.Span;
import io.opentelemetry.api.trace.StatusCode;
import io.opentelemetry.context.Scope;
import io.threadline.ThreadlineException;

import java.util.function.Function;

/** How every Threadline span ends and records a failure, so traced stores and steps do it alike. */
final class Spans {

    private Spans() {
    }

    /** A failure's {@code error.type}: Threadline's stable code, else the exception's class (never its message). */
    static String errorType(Throwable e) {
        return e instanceof ThreadlineException t ? t.code().name() : e.getClass().getName();
    }

    /** Marks {@code span} failed with {@code type} as its {@code error.type} and status description. */
    static void markError(Span span, String type) {
        span.setAttribute(TelemetryKeys.ERROR_TYPE, type);
        span.setStatus(StatusCode.ERROR, type);
    }

    /** Runs {@code call} with {@code span} current, marks the span failed if the call throws, and ends it. */
    static <T> T within(Span span, Function<Span, T> call) {
        try (Scope ignored = span.makeCurrent()) {
            return call.apply(span);
        } catch (RuntimeException e) {
            markError(span, errorType(e));
            throw e;
        } finally {
            span.end();
        }
    }
}
