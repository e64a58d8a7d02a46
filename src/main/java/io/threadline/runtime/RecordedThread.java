package io.threadline.runtime;

import io.threadline.state.StandaloneValidation;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.MappingIterator;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.threadline.ErrorCode;
import io.threadline.ThreadlineException;
import io.threadline.checkpoint.Checkpoint;
import io.threadline.checkpoint.CheckpointId;
import io.threadline.checkpoint.CheckpointStore;
import io.threadline.checkpoint.Decision;
import io.threadline.checkpoint.EffectLog;
import io.threadline.checkpoint.InterruptPayload;
import io.threadline.checkpoint.MemoryOutbox;
import io.threadline.checkpoint.Payload;
import io.threadline.checkpoint.StepInput;
import io.threadline.checkpoint.HistoryPage;
import io.threadline.checkpoint.HistoryQuery;
import io.threadline.checkpoint.InMemoryCheckpointStore;
import io.threadline.checkpoint.StateChange;
import io.threadline.checkpoint.Status;
import io.threadline.checkpoint.StepError;
import io.threadline.checkpoint.ThreadKey;
import io.threadline.effects.ToolBox;
import io.threadline.graph.CompiledGraph;
import io.threadline.state.StateCodec;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * A thread as recorded — every retained checkpoint with its state change, input, effects and error —
 * in a readable JSON file, so a failure seen in production becomes a regression test on a laptop:
 *
 * <pre>{@code
 * // production (or the inspector): save it
 * RecordedThread.of(store, thread).write(Path.of("src/test/resources/threads/refund-bug.json"));
 *
 * // a plain JUnit test: today's code must still do what was recorded
 * RecordedThread.read(Path.of("src/test/resources/threads/refund-bug.json"))
 *         .replayAll(MyAgent.graph(), new MyTools())
 *         .forEach(ReplayReport::assertSame);
 * }</pre>
 *
 * The replay needs no model, tool service or memory: every answer comes from the recording. Tools
 * are passed only so the code sees the same tool list it offered the model.
 */
public final class RecordedThread {

    /** The file format's name and version. */
    public static final String FORMAT = "threadline.thread/1";

    /** The state codec's mapper, so numbers and strings read and write exactly as the checkpoints were encoded. */
    private static final ObjectMapper JSON = new StateCodec().mapper();

    private final ThreadKey thread;
    private final List<Checkpoint> checkpoints;

    private RecordedThread(ThreadKey thread, List<Checkpoint> checkpoints) {
        this.thread = thread;
        this.checkpoints = List.copyOf(checkpoints);
    }

    /** Every retained checkpoint of {@code thread}, oldest first; THREAD_NOT_FOUND if it has none. */
    public static RecordedThread of(CheckpointStore store, ThreadKey thread) {
        return after(store, thread, null);
    }

    /**
     * The retained checkpoints of {@code thread} newer than {@code after} (all of them when {@code null}),
     * oldest first: the rest of a recording that was saved up to {@code after}. Reads history only down to
     * {@code after}. THREAD_NOT_FOUND if the thread has no checkpoint; CHECKPOINT_NOT_FOUND if {@code after}
     * is not one of its retained checkpoints (pruned since, or of another thread).
     */
    public static RecordedThread after(CheckpointStore store, ThreadKey thread, CheckpointId after) {
        List<Checkpoint> newestFirst = new ArrayList<>();
        boolean reached = after == null;
        boolean any = false;
        boolean done = false;
        String cursor = null;
        do {
            HistoryPage page = store.history(thread, new HistoryQuery(HistoryQuery.MAX_LIMIT, cursor));
            any |= !page.checkpoints().isEmpty();
            for (Checkpoint cp : page.checkpoints()) {
                if (after != null && cp.id().compareTo(after) <= 0) {
                    // Ids grow along a thread: everything from here on is older than `after`.
                    reached = cp.id().equals(after);
                    done = true;
                    break;
                }
                newestFirst.add(cp);
            }
            cursor = done ? null : page.nextCursor();
        } while (cursor != null);
        if (!any) {
            throw new ThreadlineException(ErrorCode.THREAD_NOT_FOUND, "no thread " + thread.threadId() + " for this tenant",
                    Map.of("thread", thread.threadId()));
        }
        if (!reached) {
            throw new ThreadlineException(ErrorCode.CHECKPOINT_NOT_FOUND, "no retained checkpoint " + after.value()
                    + " in thread " + thread.threadId(), Map.of("thread", thread.threadId(), "checkpointId", after.value()));
        }
        Collections.reverse(newestFirst);
        return new RecordedThread(thread, newestFirst);
    }

    public ThreadKey thread() {
        return thread;
    }

    public List<Checkpoint> checkpoints() {
        return checkpoints;
    }

    /** An in-memory store holding exactly this recording. */
    public InMemoryCheckpointStore toStore() {
        InMemoryCheckpointStore store = new InMemoryCheckpointStore();
        store.restore(thread, checkpoints);
        return store;
    }

    /** Replays every recorded step with today's {@code graph}, oldest first. */
    public <S> List<ReplayReport> replayAll(CompiledGraph<S> graph, Object... tools) {
        ThreadRuntime<S> runtime = replayer(graph, tools);
        List<ReplayReport> reports = new ArrayList<>();
        for (Checkpoint cp : checkpoints) {
            if (cp.parent() != null || cp.step() == 1) {
                reports.add(runtime.replay(thread, cp.id()));
            }
        }
        return reports;
    }

    /** Replays one recorded step with today's {@code graph}. */
    public <S> ReplayReport replay(CompiledGraph<S> graph, String checkpointId, Object... tools) {
        return replayer(graph, tools).replay(thread, CheckpointId.parse(checkpointId));
    }

    private <S> ThreadRuntime<S> replayer(CompiledGraph<S> graph, Object... tools) {
        return ThreadRuntime.builder(graph)
                .store(toStore())
                .validator(StandaloneValidation.validator())
                .tools(ToolBox.of(tools))
                .build();
    }

    // ------------------------------------------------------------------ JSON

    public void write(Path file) {
        try {
            Files.writeString(file, toJson(), StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    public static RecordedThread read(Path file) {
        try {
            return fromJson(Files.readString(file, StandardCharsets.UTF_8));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Pretty-printed, one checkpoint after the other; state changes, inputs and effects as JSON, not strings. */
    public String toJson() {
        try {
            return JSON.writerWithDefaultPrettyPrinter().writeValueAsString(toTree());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** The recording as a JSON tree: {@link #header()} with every checkpoint ({@link #toTree(Checkpoint)}) in {@code checkpoints}. */
    public ObjectNode toTree() {
        ObjectNode root = header();
        ArrayNode list = root.putArray("checkpoints");
        checkpoints.forEach(cp -> list.add(toTree(cp)));
        return root;
    }

    /** What every document of the format starts with: {@code format}, {@code tenant}, {@code threadId}. */
    public ObjectNode header() {
        ObjectNode root = JSON.createObjectNode();
        root.put("format", FORMAT).put("tenant", thread.tenant()).put("threadId", thread.threadId());
        return root;
    }

    /** One checkpoint as the format writes it. */
    public static ObjectNode toTree(Checkpoint cp) {
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
     * Joins the pages of a paged {@code export} (each page's {@code thread}, in the order they were
     * answered) into one recording; the same as {@link #fromJson} of the pages written one after the other.
     */
    public static RecordedThread join(List<String> pages) {
        return fromJson(String.join("\n", pages));
    }

    /**
     * Reads a recording; anything that is not one is INVALID_INPUT naming what is wrong. The text may hold
     * several documents one after the other — the pages of a paged {@code export}, each with the header and
     * the next checkpoints — read as one recording: same thread, steps strictly increasing across pages
     * (a page missing its predecessor's order, or given twice, is refused).
     */
    public static RecordedThread fromJson(String json) {
        try (MappingIterator<JsonNode> documents = JSON.readerFor(JsonNode.class).readValues(json)) {
            ThreadKey thread = null;
            List<Checkpoint> checkpoints = new ArrayList<>();
            while (documents.hasNextValue()) {
                JsonNode root = documents.nextValue();
                if (!FORMAT.equals(root.path("format").asText())) {
                    throw invalid("not a recorded thread: format must be " + FORMAT);
                }
                ThreadKey key = ThreadKey.of(root.get("tenant").asText(), root.get("threadId").asText());
                if (thread != null && !thread.equals(key)) {
                    throw invalid("the pages are of two threads: " + thread.threadId() + " and " + key.threadId());
                }
                thread = key;
                for (JsonNode o : root.get("checkpoints")) {
                    Checkpoint cp = checkpoint(thread, o);
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
            return new RecordedThread(thread, checkpoints);
        } catch (IOException | RuntimeException e) {
            if (e instanceof ThreadlineException te) {
                throw te;
            }
            throw invalid("not a readable recorded thread: " + e.getMessage());
        }
    }

    private static Checkpoint checkpoint(ThreadKey thread, JsonNode o) throws IOException {
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
