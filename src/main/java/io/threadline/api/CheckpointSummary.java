package io.threadline.api;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.threadline.checkpoint.Checkpoint;
import io.threadline.checkpoint.Decision;
import io.threadline.checkpoint.Status;
import io.threadline.checkpoint.StepError;
import io.threadline.runtime.ThreadRuntime;

import java.time.Instant;
import java.util.List;
import java.util.Map;

/**
 * What callers of the API see of a checkpoint, as JSON (the Java API hands out the {@link Checkpoint} itself): everything but the stored state change and effects; for a
 * FAILED step, the error (node, type, message, stack); for an INTERRUPTED one, what it waits for
 * ({@code node}, {@code when}, {@code payload}). {@code agent} is the agent the thread is bound to, or
 * {@code null} for a thread no named agent wrote.
 */
public record CheckpointSummary(
        String tenant,
        String threadId,
        String agent,
        String checkpointId,
        long step,
        String parentId,
        List<String> nodes,
        List<Decision> decisions,
        List<String> next,
        Status status,
        int schemaVersion,
        Instant createdAt,
        String idempotencyKey,
        String storedAs,
        int storedBytes,
        Map<String, String> metadata,
        StepError error,
        JsonNode interrupt) {

    private static final ObjectMapper JSON = new ObjectMapper();

    public static CheckpointSummary of(Checkpoint cp) {
        return new CheckpointSummary(cp.thread().tenant(), cp.thread().threadId(), cp.metadata().get(ThreadRuntime.AGENT_KEY),
                cp.id().value(), cp.step(),
                cp.parent() == null ? null : cp.parent().value(), cp.nodes(), cp.decisions(), cp.next(), cp.status(),
                cp.schemaVersion(), cp.createdAt(), cp.idempotencyKey(), cp.isSnapshot() ? "snapshot" : "delta",
                cp.change().size(), cp.metadata(), cp.error(), interrupt(cp));
    }

    private static JsonNode interrupt(Checkpoint cp) {
        if (cp.interrupt() == null) {
            return null;
        }
        try {
            return JSON.readTree(cp.interrupt().json());
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("stored interrupt of " + cp.id() + " is not JSON", e);
        }
    }
}
