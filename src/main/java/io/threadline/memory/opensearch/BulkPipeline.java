package io.threadline.memory.opensearch;

import io.threadline.InvocationDeadline;
import io.threadline.memory.MemoryWrite;
import io.threadline.memory.PutResult;

import java.io.IOException;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;

/**
 * A batch's runs ({@link BulkPuts}) written one after another, each run's check sent while the previous run's write
 * is in flight: the node checks one run for near-duplicates while it indexes and refreshes the previous one, where it
 * did one and then the other (half of an import's time each: bench/README.md, W2 "Session 35"). The early check is
 * then brought up to date with what the previous write did ({@link BulkPuts#update}), so every write merges where a
 * {@code put} after the previous ones would; a check that failed, or followed a write with writes left to retry, is
 * made again.
 *
 * <p>The writer marks ({@link WriterMarks}) hold one window for consecutive bulk runs: opened before the first check,
 * closed after the last write was refreshed, on every path; what the runs created is reconciled then, in the
 * namespaces where another writer was at work meanwhile (a {@code put} of the batch's own retries counts as one, and
 * is reconciled by itself). A correction or a run of one is a {@code put} between windows, as before.
 */
record BulkPipeline(BulkPuts bulk, WriterMarks marks, BulkPipeline.Calls calls, BulkPipeline.Single single) {

    /** The runs of the batch, in order; the next one only when asked (its chunk is embedded then). */
    interface Runs {
        BulkPuts.Run next();
    }

    /** {@code put} of one write of the batch (a correction, a run of one, a retry), with its vector. */
    interface Single {
        PutResult put(MemoryWrite write, float[] vector, Instant now);
    }

    /** One store call: its time limit, and its failures as the store reports them ({@link StoreCalls}). */
    interface Calls {
        <T> T call(String what, StoreCalls.Call<T> body);
    }

    private static final String WHAT = "write memories";

    /** Writes the batch's runs, each result at {@code out[position]}. */
    void write(List<MemoryWrite> batch, Runs runs, Instant now, PutResult[] out) {
        BulkPuts.Run current = runs.next();
        while (current != null) {
            if (current.single()) {
                BulkPuts.Item item = current.items().get(0);
                out[item.position()] = single.put(item.write(), item.vector(), now);
                current = runs.next();
            } else {
                current = segment(batch, current, runs, now, out);
            }
        }
    }

    /**
     * Bulk runs from {@code first} on, until a run of one (returned, for {@code put}) or the end (null), in one window of
     * writer marks: those of the batch's writes from {@code first} on.
     */
    private BulkPuts.Run segment(List<MemoryWrite> batch, BulkPuts.Run first, Runs runs, Instant now, PutResult[] out) {
        Set<String> window = new LinkedHashSet<>();
        batch.subList(first.items().get(0).position(), batch.size()).stream().filter(w -> w.supersedes().isEmpty())
                .forEach(w -> window.add(WriterMarks.of(w.tenant(), w.namespace())));
        Map<String, Long> opened = calls.call(WHAT, () -> marks.open(window));
        List<BulkPuts.Item> created = new ArrayList<>();
        Ended ended = null;
        RuntimeException thrown = null;
        Map<String, Long> closed;
        try {
            ended = writeRuns(first, runs, now, out, created);
        } catch (RuntimeException e) {
            thrown = e;
        } finally {
            closed = marks.close(opened.keySet());
        }
        // What was created — also when a write failed — is reconciled where another writer was at work meanwhile.
        List<BulkPuts.Item> crowded = created.stream().filter(i -> !WriterMarks.alone(opened.get(mark(i)), closed.get(mark(i)))).toList();
        try {
            if (!crowded.isEmpty()) {
                calls.call(WHAT, () -> {
                    bulk.reconcile(crowded, now, out);
                    return null;
                });
            }
        } catch (RuntimeException e) {
            if (thrown == null) {
                throw e;
            }
            thrown.addSuppressed(e);
        }
        if (thrown != null) {
            throw thrown;
        }
        IOException failure = ended.failure();
        if (failure != null) {
            calls.call(WHAT, () -> {
                throw failure;
            });
        }
        return ended.next();
    }

    /** How a segment's runs ended: the run of one that comes next (or null), or the error of a bulk item that failed. */
    private record Ended(BulkPuts.Run next, IOException failure) {}

    private Ended writeRuns(BulkPuts.Run first, Runs runs, Instant now, PutResult[] out, List<BulkPuts.Item> created) {
        BulkPuts.Checked checked = calls.call(WHAT, () -> bulk.check(first, now));
        while (true) {
            BulkPuts.Run following;
            RuntimeException unembedded = null;
            try {
                following = runs.next();
            } catch (RuntimeException e) {
                // The next chunk could not be embedded: this run is still written, as it was before its chunk's end was known.
                following = null;
                unembedded = e;
            }
            CompletableFuture<BulkPuts.Checked> early = following == null || following.single() ? null : early(following, now);
            BulkPuts.Checked mine = checked;
            BulkPuts.Written written = calls.call(WHAT, () -> bulk.write(mine, now, out));
            created.addAll(written.created());
            if (written.failure() != null) {
                return new Ended(null, written.failure());
            }
            for (BulkPuts.Item item : written.retry()) {
                out[item.position()] = single.put(item.write(), item.vector(), now);
            }
            if (unembedded != null) {
                throw unembedded;
            }
            if (early == null) {
                return new Ended(following, null);
            }
            BulkPuts.Checked soon = early.join();
            BulkPuts.Run next = following;
            checked = soon != null && written.retry().isEmpty() ? calls.call(WHAT, () -> bulk.update(soon, written, now))
                    : calls.call(WHAT, () -> bulk.check(next, now));
        }
    }

    /**
     * The next run's check, on a thread of its own while this one writes: its own store call, within the caller's
     * invocation deadline; null if it failed (the run is checked again, on the caller's thread).
     */
    private CompletableFuture<BulkPuts.Checked> early(BulkPuts.Run run, Instant now) {
        Instant deadline = InvocationDeadline.current().orElse(null);
        CompletableFuture<BulkPuts.Checked> answer = new CompletableFuture<>();
        Thread thread = new Thread(() -> {
            try {
                answer.complete(InvocationDeadline.within(deadline, () -> calls.call(WHAT, () -> bulk.check(run, now))));
            } catch (RuntimeException | Error e) {
                answer.complete(null);
            }
        }, "threadline-memory-check");
        thread.setDaemon(true);
        thread.start();
        return answer;
    }

    private static String mark(BulkPuts.Item item) {
        return WriterMarks.of(item.write().tenant(), item.write().namespace());
    }
}
