package io.threadline.telemetry;

import io.opentelemetry.sdk.testing.exporter.InMemorySpanExporter;
import io.opentelemetry.sdk.trace.SpanProcessor;
import io.opentelemetry.sdk.trace.data.SpanData;
import io.opentelemetry.sdk.trace.export.SimpleSpanProcessor;
import jakarta.enterprise.inject.Produces;
import jakarta.inject.Singleton;

import java.util.List;

/**
 * Test wiring: every span the application's OpenTelemetry SDK finishes is also exported, synchronously,
 * to memory (Quarkus adds {@link SpanProcessor} beans to its tracer provider). Not a {@code SpanExporter}
 * bean, so it does not replace the application's own exporter.
 */
@Singleton
public class InMemorySpans {

    final InMemorySpanExporter exporter = InMemorySpanExporter.create();

    @Produces
    @Singleton
    SpanProcessor inMemory() {
        return SimpleSpanProcessor.create(exporter);
    }

    public List<SpanData> finished() {
        return exporter.getFinishedSpanItems();
    }

    public List<SpanData> trace(String traceId) {
        return finished().stream().filter(s -> s.getTraceId().equals(traceId)).toList();
    }
}
