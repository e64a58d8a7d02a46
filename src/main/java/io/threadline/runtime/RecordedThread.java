package io.threadline.runtime;

import io.threadline.state.StandaloneValidation;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.threadline.ErrorCode;
import io.threadline.ThreadlineException;
import io.threadline.checkpoint.Checkpoint;
import io.threadline.checkpoint.CheckpointId;
import io.threadline.checkpoint.CheckpointStore;
import io.threadline.checkpoint.HistoryPage;
import io.threadline.checkpoint.HistoryQuery;
import io.threadline.checkpoint.InMemoryCheckpointStore;
import io.threadline.checkpoint.ThreadKey;
import io.threadline.effects.ToolBox;
import io.threadline.graph.CompiledGraph;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
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
    public static final String FORMAT = RecordedThreadFormat.NAME;

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

    // ------------------------------------------------------------------ the file (its format: RecordedThreadFormat)

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
        return RecordedThreadFormat.text(toTree());
    }

    /** The recording as a JSON tree: {@link #header()} with every checkpoint ({@link #toTree(Checkpoint)}) in {@code checkpoints}. */
    public ObjectNode toTree() {
        return RecordedThreadFormat.document(thread, checkpoints);
    }

    /** What every document of the format starts with: {@code format}, {@code tenant}, {@code threadId}. */
    public ObjectNode header() {
        return RecordedThreadFormat.header(thread);
    }

    /** One checkpoint as the format writes it. */
    public static ObjectNode toTree(Checkpoint cp) {
        return RecordedThreadFormat.toTree(cp);
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
        RecordedThreadFormat.Parsed parsed = RecordedThreadFormat.parse(json);
        return new RecordedThread(parsed.thread(), parsed.checkpoints());
    }
}
