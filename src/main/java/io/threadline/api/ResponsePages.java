package io.threadline.api;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.threadline.ErrorCode;
import io.threadline.ThreadlineException;
import io.threadline.checkpoint.Checkpoint;
import io.threadline.checkpoint.CheckpointId;
import io.threadline.checkpoint.CheckpointStore;
import io.threadline.checkpoint.ThreadKey;
import io.threadline.runtime.RecordedThread;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Answers cut to {@link ApiConfig#maxResponseBytes()}: a history entry too large for any answer, and the
 * pages of an export. Sizes are {@link ResponseSize}s.
 */
final class ResponsePages {

    /** The parts of a history entry that may be left out, in the order {@code truncated} lists them. */
    private static final List<String> PARTS = List.of("change", "diff", "effects", "outbox");

    static final String TRUNCATED_HINT = "left out to keep the answer under threadline.api.max-response-bytes: "
            + "`state` with this checkpointId and with its parentId gives the states the change is between; "
            + "`export` gives the checkpoint as recorded, effects included";

    private ResponsePages() {
    }

    /**
     * {@code entry} within {@code room} bytes: its largest parts left out, one at a time, until it fits, and
     * named in {@code truncated}. The summary always stays (a client must see the checkpoint to go on past it),
     * even in the unlikely case that it alone is over {@code room}.
     */
    static Replies.CheckpointEntry within(ObjectMapper mapper, Replies.CheckpointEntry entry, long room) {
        Map<String, JsonNode> parts = new LinkedHashMap<>();
        put(parts, "change", entry.change());
        put(parts, "diff", entry.diff());
        put(parts, "effects", entry.effects());
        put(parts, "outbox", entry.outbox());
        Map<String, Long> sizes = new LinkedHashMap<>();
        parts.forEach((name, part) -> sizes.put(name, ResponseSize.of(mapper, part)));
        List<String> left = new ArrayList<>();
        Replies.CheckpointEntry cut = entry;
        while (ResponseSize.of(mapper, cut) > room && !parts.isEmpty()) {
            String largest = parts.keySet().stream().max(Comparator.comparing(sizes::get)).orElseThrow();
            parts.remove(largest);
            left.add(largest);
            left.sort(Comparator.comparing(PARTS::indexOf));
            cut = new Replies.CheckpointEntry(entry.checkpoint(), parts.get("change"), parts.get("diff"), parts.get("effects"),
                    parts.get("outbox"), List.copyOf(left), TRUNCATED_HINT);
        }
        return cut;
    }

    private static void put(Map<String, JsonNode> parts, String name, JsonNode part) {
        if (part != null) {
            parts.put(name, part);
        }
    }

    /**
     * What is left to export after {@code cursor} (the id of the last checkpoint a previous page answered),
     * or all of it without one. A cursor that is not a retained checkpoint of the thread is INVALID_INPUT.
     */
    static RecordedThread recordedAfter(CheckpointStore store, ThreadKey thread, String cursor) {
        if (cursor == null) {
            return RecordedThread.of(store, thread);
        }
        CheckpointId after;
        try {
            after = CheckpointId.parse(cursor);
        } catch (ThreadlineException e) {
            throw badCursor(cursor, "it is not a checkpoint id");
        }
        try {
            return RecordedThread.after(store, thread, after);
        } catch (ThreadlineException e) {
            if (e.code() == ErrorCode.CHECKPOINT_NOT_FOUND) {
                throw badCursor(cursor, "no retained checkpoint of this thread has that id (pruned since, or of another thread)");
            }
            throw e;
        }
    }

    private static ThreadlineException badCursor(String cursor, String why) {
        return new ThreadlineException(ErrorCode.INVALID_INPUT, "export cursor '" + cursor + "' is not one export issued: " + why
                + "; pass the previous page's nextCursor, or no cursor to start again", Map.of("field", "cursor"));
    }

    /**
     * One page of {@code recording}: a document of the format (header and checkpoints, oldest first) holding
     * as many checkpoints as fit in {@code maxBytes}, at least one, and the cursor of the next page
     * ({@code null} on the last). A checkpoint cannot be cut (a replay needs all of it), so one that alone is
     * larger than an answer is PAYLOAD_TOO_LARGE, naming it: an over-limit answer would fail in Lambda anyway,
     * with no useful error.
     */
    static Replies.Export export(ObjectMapper mapper, RecordedThread recording, long maxBytes) {
        ObjectNode page = recording.header();
        ArrayNode list = page.putArray("checkpoints");
        long used = ResponseSize.ENVELOPE_BYTES + ResponseSize.of(mapper, page);
        List<Checkpoint> checkpoints = recording.checkpoints();
        for (int i = 0; i < checkpoints.size(); i++) {
            ObjectNode checkpoint = RecordedThread.toTree(checkpoints.get(i));
            long size = ResponseSize.of(mapper, checkpoint) + 1;
            if (used + size > maxBytes) {
                if (list.isEmpty()) {
                    throw new ThreadlineException(ErrorCode.PAYLOAD_TOO_LARGE, "checkpoint " + checkpoints.get(i).id().value()
                            + " (step " + checkpoints.get(i).step() + ") alone is " + size + " bytes, over threadline.api.max-response-bytes ("
                            + maxBytes + "): export this thread in code, RecordedThread.of(store, thread).write(file)",
                            Map.of("limit", maxBytes, "checkpointId", checkpoints.get(i).id().value()));
                }
                return new Replies.Export(page, checkpoints.get(i - 1).id().value(), null);
            }
            list.add(checkpoint);
            used += size;
        }
        return new Replies.Export(page, null, null);
    }
}
