package io.threadline.api;

import io.threadline.checkpoint.Checkpoint;
import io.threadline.checkpoint.Decision;
import io.threadline.runtime.CheckpointSummary;

import java.util.List;
import java.util.Map;

/** A checkpoint as the API shows it. */
public record CheckpointView(
        String threadId,
        String checkpointId,
        long step,
        String parentId,
        List<String> nodes,
        List<Decision> decisions,
        List<String> next,
        String status,
        int schemaVersion,
        String createdAt,
        String idempotencyKey,
        String storedAs,
        int storedBytes,
        Map<String, String> metadata) {

    public static CheckpointView of(CheckpointSummary s) {
        return new CheckpointView(s.threadId(), s.checkpointId(), s.step(), s.parentId(), s.nodes(), s.decisions(), s.next(),
                s.status().name(), s.schemaVersion(), s.createdAt().toString(), s.idempotencyKey(), s.storedAs(), s.storedBytes(),
                s.metadata());
    }

    public static CheckpointView of(Checkpoint cp) {
        return of(CheckpointSummary.of(cp));
    }
}
