package io.threadline.memory.opensearch;

import io.threadline.memory.Embeddings;
import io.threadline.memory.MemoryMerge;
import io.threadline.memory.MemoryRecord;
import io.threadline.memory.MemorySettings;
import io.threadline.memory.MemoryWrite;
import io.threadline.memory.PutResult;
import org.opensearch.client.opensearch.OpenSearchClient;
import org.opensearch.client.opensearch._types.Refresh;
import org.opensearch.client.opensearch.core.BulkResponse;
import org.opensearch.client.opensearch.core.bulk.BulkOperation;
import org.opensearch.client.opensearch.core.bulk.BulkResponseItem;

import java.io.IOException;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;

/**
 * A batch of memory writes in a few requests instead of five or so per write, with the outcome of one
 * {@code put} after another ({@link io.threadline.memory.MemoryStore#putAll}).
 *
 * <p>The batch is cut into runs ({@link #runs}) in which no write can see another: a run never holds two writes of
 * one id, nor two near-duplicates of one namespace and validity (the pairwise cosine is computed here, since the
 * index cannot see a write of the same request), nor a correction (a correction is a run of its own, written by
 * {@code put}). A run then takes one realtime {@code mget} of its ids (a known id replaces its memory, at the version
 * read), one {@code _msearch} of near-duplicate checks for the others (the same k = 1 query {@code put} sends), one
 * {@code mget} of the merge targets at their current version, one {@code _bulk} of conditional writes with one
 * refresh, and — only for namespaces where another writer was at work meanwhile ({@link WriterMarks}: one tiny
 * {@code _bulk} before the check and one after the write) — one {@code _msearch} that looks for near-duplicates a
 * concurrent writer added alongside the new memories ({@link VersionedWrites#reconcile}, only where one is found). A write that meets a concurrent change (a
 * 409 in the bulk answer, a merge target gone or superseded meanwhile) is handed back, and the caller writes it
 * with {@code put}, which retries.
 */
record BulkPuts(OpenSearchClient client, String index, MemorySettings settings, KnnSearches searches, VersionedWrites writes,
                WriterMarks marks) {

    /** A write of the batch at its position, with its id and unit vector. */
    record Item(int position, MemoryWrite write, String id, float[] vector) {
        String docId() {
            return VersionedWrites.docId(write.tenant(), id);
        }
    }

    /** Writes that go together: a bulk run, or one write for {@code put} (a correction, or a run of one). */
    record Run(List<Item> items) {
        boolean single() {
            return items.size() == 1;
        }
    }

    /**
     * How far below the merge threshold two writes of a batch still go to separate runs. The node decides a merge on its
     * own cosine (float arithmetic in its own order, returned as a float score), which can differ from this client's in
     * the last digits: a pair the client puts just below the threshold may be at or above it on the node, and in one run
     * it would be written as two memories where one {@code put} after another merges it. So a pair this close is cut
     * apart, and the node's check decides it as it decides every other; the errors are ~1e-6 for 384 dimensions, far
     * inside this margin, and a cut costs only one more run.
     */
    static final double CUT_MARGIN = 1e-4;

    /** The writes, in order, cut where a write could see an earlier one of the same run. */
    static List<Run> runs(List<MemoryWrite> batch, float[][] vectors, double mergeThreshold) {
        List<Run> out = new ArrayList<>();
        List<Item> run = new ArrayList<>();
        Set<String> docIds = new HashSet<>();
        Map<String, List<float[]>> byTarget = new HashMap<>();
        for (int i = 0; i < batch.size(); i++) {
            MemoryWrite w = batch.get(i);
            Item item = new Item(i, w, w.id() != null ? w.id() : Embeddings.defaultId(w), vectors[i]);
            if (!w.supersedes().isEmpty()) {
                close(run, out, docIds, byTarget);
                out.add(new Run(List.of(item)));
                continue;
            }
            // Writes that could merge into one another: one tenant, namespace and validity.
            String group = w.tenant() + "\n" + w.namespace() + "\n" + w.validFrom() + "\n" + w.validTo();
            boolean sees = docIds.contains(item.docId());
            for (float[] other : byTarget.getOrDefault(group, List.of())) {
                sees = sees || Embeddings.cosine(other, item.vector()) >= mergeThreshold - CUT_MARGIN;
            }
            if (sees) {
                close(run, out, docIds, byTarget);
            }
            run.add(item);
            docIds.add(item.docId());
            byTarget.computeIfAbsent(group, k -> new ArrayList<>()).add(item.vector());
        }
        close(run, out, docIds, byTarget);
        return out;
    }

    private static void close(List<Item> run, List<Run> out, Set<String> docIds, Map<String, List<float[]>> byTarget) {
        if (!run.isEmpty()) {
            out.add(new Run(List.copyOf(run)));
            run.clear();
            docIds.clear();
            byTarget.clear();
        }
    }

    /**
     * Writes one run (no correction in it), putting each written item's result at {@code out[offset + position]};
     * returns the items that met a concurrent change, for {@code put}.
     */
    List<Item> write(List<Item> run, Instant now, PutResult[] out, int offset) throws IOException {
        // Before the near-duplicate check: who else writes in these namespaces until the second bump (WriterMarks),
        // which comes on every path (a failed request, an early return), after this run's write was refreshed.
        Map<String, Long> opened = marks.open(run.stream().map(BulkPuts::mark).toList());
        Written written;
        Map<String, Long> closed;
        try {
            written = writeChecked(run, now, out, offset);
        } finally {
            closed = marks.close(opened.keySet());
        }
        // What this run created — also when some of its writes failed — is reconciled where another writer was at work.
        reconcile(written.created().stream().filter(i -> !WriterMarks.alone(opened.get(mark(i)), closed.get(mark(i)))).toList(),
                now, out, offset);
        if (written.failure() != null) {
            throw written.failure();
        }
        return written.retry();
    }

    /** What a run's write did: the items to retry with put, the items created, and the error of a write that failed. */
    private record Written(List<Item> retry, List<Item> created, IOException failure) {}

    private Written writeChecked(List<Item> run, Instant now, PutResult[] out, int offset) throws IOException {
        Map<String, VersionedWrites.Versioned> existing = writes.readAll(run.stream().map(Item::docId).toList());
        List<Item> fresh = run.stream().filter(i -> !existing.containsKey(i.docId())).toList();
        List<String> nearest = nearest(fresh, now);
        Map<String, VersionedWrites.Versioned> targets = writes.readAll(nearest.stream().filter(Objects::nonNull)
                .distinct().toList());
        List<Item> retry = new ArrayList<>();
        List<BulkOperation> ops = new ArrayList<>();
        List<List<Item>> answered = new ArrayList<>();
        List<List<PutResult>> results = new ArrayList<>();
        for (Item item : run) {
            VersionedWrites.Versioned old = existing.get(item.docId());
            if (old != null) {
                MemoryRecord record = MemoryMerge.newRecord(item.id(), item.write(), item.vector(), old.record().createdAt(), now)
                        .keepingSupersessionOf(old.record());
                ops.add(replace(old, record));
                answered.add(List.of(item));
                results.add(List.of(new PutResult(record, false)));
            }
        }
        // Near-duplicates of stored memories: the writes into one target fold into it in order, one conditional write.
        Map<String, List<Item>> merges = new LinkedHashMap<>();
        List<Item> created = new ArrayList<>();
        for (int i = 0; i < fresh.size(); i++) {
            Item item = fresh.get(i);
            String target = nearest.get(i);
            if (target == null) {
                created.add(item);
            } else if (!targets.containsKey(target) || !targets.get(target).record().currentAt(now) || existing.containsKey(target)
                    || run.stream().anyMatch(other -> other.docId().equals(target))) {
                retry.add(item); // changed since the search saw it, or written by this run: put looks again
            } else {
                merges.computeIfAbsent(target, k -> new ArrayList<>()).add(item);
            }
        }
        merges.forEach((target, items) -> {
            VersionedWrites.Versioned current = targets.get(target);
            MemoryRecord record = current.record();
            List<PutResult> each = new ArrayList<>();
            for (Item item : items) {
                record = MemoryMerge.merge(record, item.write(), now, settings.limits());
                each.add(new PutResult(record, true));
            }
            ops.add(replace(current, record));
            answered.add(items);
            results.add(each);
        });
        for (Item item : created) {
            MemoryRecord record = MemoryMerge.newRecord(item.id(), item.write(), item.vector(), now, now);
            MemoryDocument doc = MemoryDocument.of(record);
            ops.add(BulkOperation.of(o -> o.create(c -> c.index(index).id(item.docId()).document(doc))));
            answered.add(List.of(item));
            results.add(List.of(new PutResult(record, false)));
        }
        if (ops.isEmpty()) {
            return new Written(retry, List.of(), null);
        }
        BulkResponse response = client.bulk(b -> b.index(index).operations(ops).refresh(Refresh.True));
        List<Item> createdNow = new ArrayList<>();
        IOException failure = null;
        for (int i = 0; i < ops.size(); i++) {
            BulkResponseItem item = response.items().get(i);
            if (item.error() != null) {
                if (item.status() != 409 && failure == null) {
                    // Thrown once the marks are closed and what the other items created is reconciled.
                    failure = new IOException("OpenSearch did not write memory " + item.id() + " (HTTP " + item.status() + "): "
                            + item.error().reason());
                } else if (item.status() == 409) {
                    retry.addAll(answered.get(i));
                }
                continue;
            }
            for (int j = 0; j < answered.get(i).size(); j++) {
                out[offset + answered.get(i).get(j).position()] = results.get(i).get(j);
            }
            if (ops.get(i).isCreate()) {
                createdNow.add(answered.get(i).get(0));
            }
        }
        return new Written(retry, createdNow, failure);
    }

    private static String mark(Item item) {
        return WriterMarks.of(item.write().tenant(), item.write().namespace());
    }

    private BulkOperation replace(VersionedWrites.Versioned read, MemoryRecord record) {
        MemoryDocument doc = MemoryDocument.of(record);
        return BulkOperation.of(o -> o.index(x -> x.index(index).id(read.docId()).document(doc).ifSeqNo(read.seqNo())
                .ifPrimaryTerm(read.primaryTerm())));
    }

    /** Per write, the document id of its nearest stored memory within the merge threshold, or null: one {@code _msearch}. */
    private List<String> nearest(List<Item> items, Instant now) throws IOException {
        List<String> out = new ArrayList<>(items.size());
        for (List<KnnSearches.Hit> hits : knn(items, 1, now)) {
            String near = null;
            for (KnnSearches.Hit hit : hits) {
                if (MemoryQueries.cosine(hit.score()) >= settings.mergeThreshold()) {
                    near = hit.docId();
                }
            }
            out.add(near);
        }
        return out;
    }

    /**
     * After the new memories are written and refreshed: where a concurrent writer added a near-duplicate alongside one
     * (the check finds more than the memory itself), it is folded as {@code put} folds it ({@link VersionedWrites#reconcile}).
     */
    private void reconcile(List<Item> created, Instant now, PutResult[] out, int offset) throws IOException {
        if (created.isEmpty()) {
            return;
        }
        List<List<KnnSearches.Hit>> found = knn(created, VersionedWrites.GROUP, now);
        for (int i = 0; i < created.size(); i++) {
            Item item = created.get(i);
            long near = found.get(i).stream().filter(h -> MemoryQueries.cosine(h.score()) >= settings.mergeThreshold()).count();
            boolean alone = near == 1 && found.get(i).get(0).docId().equals(item.docId());
            if (!alone) {
                MemoryRecord holder = writes.reconcile(out[offset + item.position()].memory(), MemoryQueries.mergeTargets(item.write(), now));
                out[offset + item.position()] = new PutResult(holder, !holder.id().equals(item.id()));
            }
        }
    }

    /** The {@code k} nearest merge targets of each write (ids and scores only), in one {@code _msearch}. */
    private List<List<KnnSearches.Hit>> knn(List<Item> items, int k, Instant now) throws IOException {
        return searches.nearest(items.stream().map(Item::vector).toList(),
                items.stream().map(i -> MemoryQueries.mergeTargets(i.write(), now)).toList(), k);
    }
}
