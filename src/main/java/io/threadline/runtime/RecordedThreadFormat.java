package io.threadline.runtime;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.MappingIterator;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.threadline.ErrorCode;
import io.threadline.ThreadlineException;
import io.threadline.checkpoint.Checkpoint;
import io.threadline.checkpoint.CheckpointId;
import io.threadline.checkpoint.Decision;
import io.threadline.checkpoint.EffectLog;
import io.threadline.checkpoint.InterruptPayload;
import io.threadline.checkpoint.MemoryOutbox;
import io.threadline.checkpoint.Payload;
import io.threadline.checkpoint.StateChange;
import io.threadline.checkpoint.Status;
import io.threadline.checkpoint.StepError;
import io.threadline.checkpoint.StepInput;
import io.threadline.checkpoint.ThreadKey;
import io.threadline.state.StateCodec;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The file format of a recorded thread, {@value #NAME}: a checkpoint as a JSON object and back, and a text of one or
 * more documents (an export's pages) read as one thread's checkpoints. What a recording is and what it does (load,
 * replay) is {@link RecordedThread}'s; how it is written and read is this class's.
 */
final class RecordedThreadFormat {

    /** The format's name and version, in every document's {@code format}. */
    static final String NAME = "threadline.thread/1";

    /** The state codec's mapper, so numbers and strings read and write exactly as the checkpoints were encoded. */
    private static final ObjectMapper JSON = new StateCodec().mapper();

    /** What a text of the format holds: one thread, its checkpoints in step order. */
    record Parsed(ThreadKey thread, List<Checkpoint> checkpoints) {}

    private RecordedThreadFormat() {}

    /** What every document of the format starts with: {@code format}, {@code tenant}, {@code threadId}. */
    static ObjectNode header(ThreadKey thread) {
        ObjectNode root = JSON.createObjectNode();
        root.put("format", NAME).put("tenant", thread.tenant()).put("threadId", thread.threadId());
        return root;
    }

    /** One document: the header with every checkpoint in {@code checkpoints}. */
    static ObjectNode document(ThreadKey thread, List<Checkpoint> checkpoints) {
        ObjectNode root = header(thread);
        ArrayNode list = root.putArray("checkpoints");
        checkpoints.forEach(cp -> list.add(toTree(cp)));
        return root;
    }

    /** The document as the file's text: JSON, indented for a person to read and diff. */
    static String text(ObjectNode document) {
        try {
            return JSON.writerWithDefaultPrettyPrinter().writeValueAsString(document);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** One checkpoint as the format writes it; state changes, inputs and effects as JSON, not strings. */
    static ObjectNode toTree(Checkpoint cp) {
        ObjectNode o = JSON.createObjectNode();
        o.put("id", cp.id().value()).put("step", cp.step());
        if (cp.parent() != null) {
            o.put("parent", cp.parent().value());
        }
        cp.nodes().forEach(o.putArray("nodes")::add);
        ArrayNode decisions = o.putArray("decisions");
        for (Decision d : cp.decisions()) {
            ObjectNode dn = decisions.addObject().put("from", d.from()).put("reason", d.reason());
            d.to().forEach(dn.putArray("to")::add);
        }
        cp.next().forEach(o.putArray("next")::add);
        o.put("status", cp.status().name()).put("schemaVersion", cp.schemaVersion()).put("createdAt", cp.createdAt().toString());
        o.set(cp.isSnapshot() ? "snapshot" : "delta", tree(cp.change().json()));
        if (cp.idempotencyKey() != null) {
            o.put("idempotencyKey", cp.idempotencyKey());
        }
        ObjectNode metadata = o.putObject("metadata");
        cp.metadata().forEach(metadata::put);
        putJson(o, "input", cp.input());
        putJson(o, "effects", cp.effects());
        putJson(o, "outbox", cp.outbox());
        putJson(o, "interrupt", cp.interrupt());
        if (cp.error() != null) {
            o.putObject("error").put("node", cp.error().node()).put("type", cp.error().type())
                    .put("message", cp.error().message()).put("stack", cp.error().stack());
        }
        return o;
    }

    /**
     * Reads a text of the format; anything that is not one is INVALID_INPUT naming what is wrong. Several documents
     * one after the other (an export's pages) read as one: same thread, steps strictly increasing across pages.
     */
    static Parsed parse(String json) {
        try (MappingIterator<JsonNode> documents = JSON.readerFor(JsonNode.class).readValues(json)) {
            ThreadKey thread = null;
            List<Checkpoint> checkpoints = new ArrayList<>();
            while (documents.hasNextValue()) {
                JsonNode root = documents.nextValue();
                if (!NAME.equals(root.path("format").asText())) {
                    throw invalid("not a recorded thread: format must be " + NAME);
                }
                ThreadKey key = ThreadKey.of(root.get("tenant").asText(), root.get("threadId").asText());
                if (thread != null && !thread.equals(key)) {
                    throw invalid("the pages are of two threads: " + thread.threadId() + " and " + key.threadId());
                }
                thread = key;
                for (JsonNode o : root.get("checkpoints")) {
                    Checkpoint cp = fromTree(thread, o);
                    if (!checkpoints.isEmpty() && cp.step() <= checkpoints.get(checkpoints.size() - 1).step()) {
                        throw invalid("checkpoint step " + cp.step() + " follows step " + checkpoints.get(checkpoints.size() - 1).step()
                                + ": join an export's pages once each, in the order they were answered");
                    }
                    checkpoints.add(cp);
                }
            }
            if (checkpoints.isEmpty()) {
                throw invalid("a recorded thread has at least one checkpoint");
            }
            return new Parsed(thread, checkpoints);
        } catch (IOException | RuntimeException e) {
            if (e instanceof ThreadlineException te) {
                throw te;
            }
            throw invalid("not a readable recorded thread: " + e.getMessage());
        }
    }

    /** One checkpoint of {@code thread} as {@link #toTree} wrote it. */
    private static Checkpoint fromTree(ThreadKey thread, JsonNode o) throws IOException {
        List<Decision> decisions = new ArrayList<>();
        for (JsonNode d : o.path("decisions")) {
            decisions.add(new Decision(d.get("from").asText(), strings(d.get("to")), d.get("reason").asText()));
        }
        boolean snapshot = o.has("snapshot");
        byte[] change = JSON.writeValueAsBytes(snapshot ? o.get("snapshot") : o.get("delta"));
        Map<String, String> metadata = new LinkedHashMap<>();
        o.path("metadata").fields().forEachRemaining(e -> metadata.put(e.getKey(), e.getValue().asText()));
        JsonNode err = o.get("error");
        return new Checkpoint(CheckpointId.parse(o.get("id").asText()), thread, o.get("step").asLong(),
                o.hasNonNull("parent") ? CheckpointId.parse(o.get("parent").asText()) : null, strings(o.get("nodes")), decisions,
                strings(o.get("next")), Status.valueOf(o.get("status").asText()), o.get("schemaVersion").asInt(),
                snapshot ? new StateChange.Snapshot(change) : new StateChange.Delta(change),
                Instant.parse(o.get("createdAt").asText()), o.hasNonNull("idempotencyKey") ? o.get("idempotencyKey").asText() : null,
                metadata, MemoryOutbox.fromJson(jsonText(o.get("outbox"))), StepInput.fromJson(jsonText(o.get("input"))),
                EffectLog.fromJson(jsonText(o.get("effects"))),
                err == null ? null : new StepError(err.get("node").asText(), err.get("type").asText(), text(err, "message"),
                        text(err, "stack")), InterruptPayload.fromJson(jsonText(o.get("interrupt"))));
    }

    private static ThreadlineException invalid(String message) {
        return new ThreadlineException(ErrorCode.INVALID_INPUT, message);
    }

    private static JsonNode tree(byte[] json) {
        try {
            return JSON.readTree(json);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static void putJson(ObjectNode o, String field, Payload payload) {
        if (payload != null) {
            o.set(field, tree(payload.json().getBytes(StandardCharsets.UTF_8)));
        }
    }

    private static String jsonText(JsonNode node) {
        return node == null || node.isNull() ? null : node.toString();
    }

    private static String text(JsonNode o, String field) {
        JsonNode v = o.get(field);
        return v == null || v.isNull() ? null : v.asText();
    }

    private static List<String> strings(JsonNode array) {
        List<String> out = new ArrayList<>();
        if (array != null) {
            array.forEach(n -> out.add(n.asText()));
        }
        return out;
    }
}
