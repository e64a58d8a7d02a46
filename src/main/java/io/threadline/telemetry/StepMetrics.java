package io.threadline.telemetry;

import io.opentelemetry.api.common.AttributeKey;
import io.opentelemetry.api.common.Attributes;
import io.opentelemetry.api.metrics.DoubleHistogram;
import io.opentelemetry.api.metrics.LongCounter;
import io.opentelemetry.api.metrics.LongHistogram;
import io.opentelemetry.api.metrics.Meter;

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
        stepDuration = meter.histogramBuilder("threadline.step.duration").setUnit("s")
                .setDescription("Duration of a step: load, run, validate, commit, publish").build();
        checkpointBytes = meter.counterBuilder("threadline.checkpoint.written").setUnit("By")
                .setDescription("Bytes of state change written in checkpoints (delta or snapshot)").build();
        stateBytes = meter.histogramBuilder("threadline.state.size").ofLongs().setUnit("By")
                .setDescription("Size of a thread's whole state, measured when a snapshot is written or loaded").build();
        deltasSinceSnapshot = meter.histogramBuilder("threadline.checkpoint.deltas_since_snapshot").ofLongs().setUnit("{delta}")
                .setDescription("Deltas read after the snapshot to load a thread's state").build();
        retries = meter.counterBuilder("threadline.step.retries").setUnit("{attempt}")
                .setDescription("Node attempts beyond the first").build();
        conflicts = meter.counterBuilder("threadline.step.conflicts").setUnit("{step}")
                .setDescription("Steps refused because another commit moved the thread first").build();
        memoryWrites = meter.counterBuilder("threadline.memory.writes").setUnit("{memory}")
                .setDescription("Memories written, by namespace (merged ones included)").build();
        memoriesMerged = meter.counterBuilder("threadline.memory.merged").setUnit("{memory}")
                .setDescription("Memory writes absorbed by a near-duplicate").build();
        memoriesExpired = meter.counterBuilder("threadline.memory.expired").setUnit("{memory}")
                .setDescription("Memories removed by pruning because they expired").build();
        memoriesPruned = meter.counterBuilder("threadline.memory.over_cap").setUnit("{memory}")
                .setDescription("Memories removed by pruning beyond the per-namespace cap").build();
        tokenUsage = meter.histogramBuilder("gen_ai.client.token.usage").ofLongs().setUnit("{token}")
                .setDescription("Tokens per model call (GenAI semantic conventions)").build();
        operationDuration = meter.histogramBuilder("gen_ai.client.operation.duration").setUnit("s")
                .setDescription("Duration of a model or tool call (GenAI semantic conventions)").build();
    }

    private static final java.util.Map<String, Attributes> BY_STATUS = new java.util.concurrent.ConcurrentHashMap<>();

    /** Attributes per status (a handful of values: statuses and error codes), built once each. */
    static Attributes status(String status) {
        return BY_STATUS.computeIfAbsent(status, s -> Attributes.of(STATUS, s));
    }
}
