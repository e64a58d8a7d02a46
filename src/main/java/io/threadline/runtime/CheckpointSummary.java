package io.threadline.runtime;

import io.threadline.checkpoint.Checkpoint;
import io.threadline.checkpoint.Decision;
import io.threadline.checkpoint.Status;
import io.threadline.checkpoint.StepError;

import java.time.Instant;
import java.util.List;
import java.util.Map;

/**
 * What callers see of a checkpoint: everything but the stored state change and effects; for a
 * FAILED step, the error (node, type, message, stack).
 */
public record CheckpointSummary(
        String tenant,
        String threadId,
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
        StepError error) {

    public static CheckpointSummary of(Checkpoint cp) {
        return new CheckpointSummary(cp.thread().tenant(), cp.thread().threadId(), cp.id().value(), cp.step(),
                cp.parent() == null ? null : cp.parent().value(), cp.nodes(), cp.decisions(), cp.next(), cp.status(),
                cp.schemaVersion(), cp.createdAt(), cp.idempotencyKey(), cp.isSnapshot() ? "snapshot" : "delta",
                cp.change().size(), cp.metadata(), cp.error());
    }
}
