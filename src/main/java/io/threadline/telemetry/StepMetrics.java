package io.threadline.telemetry;

import io.opentelemetry.api.common.AttributeKey;
import io.opentelemetry.api.common.Attributes;
import io.opentelemetry.api.metrics.DoubleHistogram;
import io.opentelemetry.api.metrics.LongCounter;
import io.opentelemetry.api.metrics.LongHistogram;
import io.opentelemetry.api.metrics.Meter;

import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The OpenTelemetry instruments of Threadline (exported by OTLP when {@code quarkus.otel.metrics.enabled};
 * a no-op meter otherwise). Attributes are low-cardinality on purpose — status, stored-as, namespace,
 * model — never a thread or tenant id, which would make one time series per thread.
 */
final class StepMetrics {

    static final AttributeKey<String> STATUS = AttributeKey.stringKey("threadline.status");

    final DoubleHistogram stepDuration;
    final LongCounter checkpointBytes;
    final LongHistogram stateBytes;
    final LongHistogram deltasSinceSnapshot;
    final LongCounter retries;
    final LongCounter conflicts;
    final LongCounter memoryWrites;
    final LongCounter memoriesMerged;
    final LongCounter memoriesExpired;
    final LongCounter memoriesPruned;
    final LongHistogram tokenUsage;
    final DoubleHistogram operationDuration;

    StepMetrics(Meter meter) {
        stepDuration = seconds(meter, "threadline.step.duration", "Duration of a step: load, run, validate, commit, publish");
        checkpointBytes = counter(meter, "threadline.checkpoint.written", "By",
                "Bytes of state change written in checkpoints (delta or snapshot)");
        stateBytes = histogram(meter, "threadline.state.size", "By",
                "Size of a thread's whole state, measured when a snapshot is written or loaded");
        deltasSinceSnapshot = histogram(meter, "threadline.checkpoint.deltas_since_snapshot", "{delta}",
                "Deltas read after the snapshot to load a thread's state");
        retries = counter(meter, "threadline.step.retries", "{attempt}", "Node attempts beyond the first");
        conflicts = counter(meter, "threadline.step.conflicts", "{step}", "Steps refused because another commit moved the thread first");
        memoryWrites = counter(meter, "threadline.memory.writes", "{memory}", "Memories written, by namespace (merged ones included)");
        memoriesMerged = counter(meter, "threadline.memory.merged", "{memory}", "Memory writes absorbed by a near-duplicate");
        memoriesExpired = counter(meter, "threadline.memory.expired", "{memory}", "Memories removed by pruning because they expired");
        memoriesPruned = counter(meter, "threadline.memory.over_cap", "{memory}", "Memories removed by pruning beyond the per-namespace cap");
        tokenUsage = histogram(meter, "gen_ai.client.token.usage", "{token}", "Tokens per model call (GenAI semantic conventions)");
        operationDuration = seconds(meter, "gen_ai.client.operation.duration",
                "Duration of a model or tool call (GenAI semantic conventions)");
    }

    private static LongCounter counter(Meter meter, String name, String unit, String description) {
        return meter.counterBuilder(name).setUnit(unit).setDescription(description).build();
    }

    private static LongHistogram histogram(Meter meter, String name, String unit, String description) {
        return meter.histogramBuilder(name).ofLongs().setUnit(unit).setDescription(description).build();
    }

    /** A duration in seconds, as OpenTelemetry's semantic conventions measure them. */
    private static DoubleHistogram seconds(Meter meter, String name, String description) {
        return meter.histogramBuilder(name).setUnit("s").setDescription(description).build();
    }

    private static final Map<String, Attributes> BY_STATUS = new ConcurrentHashMap<>();

    /** Attributes per status (a handful of values: statuses and error codes), built once each. */
    static Attributes status(String status) {
        return BY_STATUS.computeIfAbsent(status, s -> Attributes.of(STATUS, s));
    }
}
