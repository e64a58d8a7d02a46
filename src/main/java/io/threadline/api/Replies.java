package io.threadline.api;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.databind.JsonNode;

import io.threadline.runtime.CheckpointSummary;

import java.util.List;

/**
 * What functions answer. On success the named fields; on failure only {@code error}, so every
 * error reads {@code {"error": {"code", "message", "details"}}}.
 */
public final class Replies {

    private Replies() {
    }

    @JsonInclude(JsonInclude.Include.NON_NULL)
    public record Step(CheckpointSummary checkpoint, JsonNode state, Boolean duplicate, ErrorBody error) {}

    @JsonInclude(JsonInclude.Include.NON_NULL)
    public record Run(List<CheckpointSummary> steps, JsonNode state, String stopReason, ErrorBody error) {}

    @JsonInclude(JsonInclude.Include.NON_NULL)
    public record State(CheckpointSummary checkpoint, JsonNode state, ErrorBody error) {}

    @JsonInclude(JsonInclude.Include.NON_NULL)
    public record History(List<CheckpointEntry> checkpoints, String nextCursor, ErrorBody error) {}

    /** A history entry: the checkpoint and its state change as stored (a JSON Patch, or the snapshot). */
    public record CheckpointEntry(CheckpointSummary checkpoint, JsonNode change) {}
}
