package io.threadline.telemetry;

import java.util.Locale;
import java.util.function.Consumer;

/**
 * Writes a step's metrics as one CloudWatch Embedded Metric Format line: a JSON log line whose
 * {@code _aws} member tells CloudWatch Logs which of its root members are metrics (name, unit) and
 * which are dimensions, so Lambda's log stream becomes metrics without any API call or agent. See
 * the EMF specification (docs.aws.amazon.com, "Embedded metric format specification").
 *
 * <p>Dimensions: {@code Service} and {@code Status} — low cardinality. Thread, tenant and trace id
 * ride along as plain members: searchable in Logs Insights, not metric dimensions. Written by hand
 * (a few fixed fields) to stay allocation-light and free of reflection.
 */
final class EmfWriter {

    private final String namespace;
    private final String service;
    private final Consumer<String> out;

    /** @param out where each line goes: stdout in Lambda (captured into CloudWatch Logs), a list in tests */
    EmfWriter(String namespace, String service, Consumer<String> out) {
        this.namespace = namespace;
        this.service = service;
        this.out = out;
    }

    void step(long epochMillis, String status, double latencyMillis, StepStats s, String threadId, String tenant,
              long step, String traceId) {
        StringBuilder b = new StringBuilder(640);
        b.append("{\"_aws\":{\"Timestamp\":").append(epochMillis).append(",\"CloudWatchMetrics\":[{\"Namespace\":");
        string(b, namespace);
        b.append(",\"Dimensions\":[[\"Service\",\"Status\"]],\"Metrics\":[")
                .append("{\"Name\":\"StepLatency\",\"Unit\":\"Milliseconds\"},")
                .append("{\"Name\":\"CheckpointBytes\",\"Unit\":\"Bytes\"},");
        if (s.stateBytes >= 0) {
            b.append("{\"Name\":\"StateBytes\",\"Unit\":\"Bytes\"},");
        }
        if (s.deltasSinceSnapshot >= 0) {
            b.append("{\"Name\":\"DeltasSinceSnapshot\",\"Unit\":\"Count\"},");
        }
        b.append("{\"Name\":\"Retries\",\"Unit\":\"Count\"},")
                .append("{\"Name\":\"Conflicts\",\"Unit\":\"Count\"},")
                .append("{\"Name\":\"MemoryWrites\",\"Unit\":\"Count\"},")
                .append("{\"Name\":\"MemoriesMerged\",\"Unit\":\"Count\"},")
                .append("{\"Name\":\"ModelCalls\",\"Unit\":\"Count\"},")
                .append("{\"Name\":\"ToolCalls\",\"Unit\":\"Count\"},")
                .append("{\"Name\":\"InputTokens\",\"Unit\":\"Count\"},")
                .append("{\"Name\":\"OutputTokens\",\"Unit\":\"Count\"}]}]},");
        b.append("\"Service\":");
        string(b, service);
        b.append(",\"Status\":");
        string(b, status);
        // Microsecond resolution without String.format (the costliest part of the line otherwise).
        b.append(",\"StepLatency\":").append(Math.round(latencyMillis * 1000) / 1000.0);
        b.append(",\"CheckpointBytes\":").append(s.checkpointBytes);
        if (s.stateBytes >= 0) {
            b.append(",\"StateBytes\":").append(s.stateBytes);
        }
        if (s.deltasSinceSnapshot >= 0) {
            b.append(",\"DeltasSinceSnapshot\":").append(s.deltasSinceSnapshot);
        }
        b.append(",\"Retries\":").append(s.retries)
                .append(",\"Conflicts\":").append(s.conflicts)
                .append(",\"MemoryWrites\":").append(s.memoryWrites)
                .append(",\"MemoriesMerged\":").append(s.memoriesMerged)
                .append(",\"ModelCalls\":").append(s.modelCalls)
                .append(",\"ToolCalls\":").append(s.toolCalls)
                .append(",\"InputTokens\":").append(s.inputTokens)
                .append(",\"OutputTokens\":").append(s.outputTokens);
        b.append(",\"threadId\":");
        string(b, threadId);
        b.append(",\"tenant\":");
        string(b, tenant);
        if (step > 0) {
            b.append(",\"step\":").append(step);
        }
        if (traceId != null) {
            b.append(",\"traceId\":");
            string(b, traceId);
        }
        b.append('}');
        out.accept(b.toString());
    }

    /** A JSON string literal (RFC 8259 escaping). */
    static void string(StringBuilder b, String s) {
        b.append('"');
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            switch (c) {
                case '"' -> b.append("\\\"");
                case '\\' -> b.append("\\\\");
                case '\n' -> b.append("\\n");
                case '\r' -> b.append("\\r");
                case '\t' -> b.append("\\t");
                default -> {
                    if (c < 0x20) {
                        b.append(String.format(Locale.ROOT, "\\u%04x", (int) c));
                    } else {
                        b.append(c);
                    }
                }
            }
        }
        b.append('"');
    }
}
