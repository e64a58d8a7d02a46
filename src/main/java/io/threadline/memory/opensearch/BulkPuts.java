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
 * {@code put}). A run's {@link #check} is one realtime {@code mget} of its ids (a known id replaces its memory, at the
 * version read) and one {@code _msearch} of near-duplicate checks for the others (the same k = 1 query {@code put}
 * sends); its {@link #write} one {@code mget} of the merge targets at their current version and one {@code _bulk} of
 * conditional writes with one refresh. A check made while the previous run's write was in flight is brought up to date
 * with what that write did ({@link #update}). A write that meets a concurrent change (a 409 in the bulk answer, a merge
 * target gone or superseded meanwhile) is handed back, and the caller writes it with {@code put}, which retries. The
 * writer marks and the search for near-duplicates a concurrent writer added ({@link #reconcile}) are the caller's
 * ({@link BulkPipeline}), once for all the runs of a batch.
 */
record BulkPuts(OpenSearchClient client, String index, MemorySettings settings, KnnSearches searches, VersionedWrites writes) {

    /**
     * How far below the merge threshold a memory the previous run wrote still sends a write's early check back to the
     * index: the node's cosine (float, from the score) and this one (double) differ in the last digits.
     */
    static final double MARGIN = 1e-3;

    /** A write of the batch at its position in the batch, with its id and unit vector. */
    record Item(int position, MemoryWrite write, String id, float[] vector) {
        String docId() {
            return VersionedWrites.docId(write.tenant(), id);
        }

        /** Writes that could merge into one another: one tenant, namespace and validity. */
        String group() {
            return write.tenant() + "\n" + write.namespace() + "\n" + write.validFrom() + "\n" + write.validTo();
        }
    }

    /** Writes that go together: a bulk run, or one write for {@code put} (a correction, or a run of one). */
    record Run(List<Item> items) {
        boolean single() {
            return items.size() == 1;
        }
    }

    /** The writes of {@code chunk} (at {@code offset} in the batch), in order, cut where a write could see an earlier one of the same run. */
    static List<Run> runs(List<MemoryWrite> chunk, int offset, float[][] vectors, double mergeThreshold) {
        List<Run> out = new ArrayList<>();
        List<Item> run = new ArrayList<>();
        Set<String> docIds = new HashSet<>();
        Map<String, List<float[]>> byTarget = new HashMap<>();
        for (int i = 0; i < chunk.size(); i++) {
            MemoryWrite w = chunk.get(i);
            Item item = new Item(offset + i, w, w.id() != null ? w.id() : Embeddings.defaultId(w), vectors[i]);
            if (!w.supersedes().isEmpty()) {
                close(run, out, docIds, byTarget);
                out.add(new Run(List.of(item)));
                continue;
            }
            boolean sees = docIds.contains(item.docId());
            for (float[] other : byTarget.getOrDefault(item.group(), List.of())) {
                sees = sees || Embeddings.cosine(other, item.vector()) >= mergeThreshold;
            }
            if (sees) {
                close(run, out, docIds, byTarget);
            }
            run.add(item);
            docIds.add(item.docId());
            byTarget.computeIfAbsent(item.group(), k -> new ArrayList<>()).add(item.vector());
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
     * What a run's check found: the stored memories of its known ids (by document id, at the version read), and for
     * each other write (by document id) the document id of its nearest stored memory within the merge threshold, or null.
     */
    record Checked(Run run, Map<String, VersionedWrites.Versioned> existing, Map<String, String> nearest) {}

    /** The run's check: one realtime {@code mget} of its ids, one {@code _msearch} for the writes of new ids. */
    Checked check(Run run, Instant now) throws IOException {
        Map<String, VersionedWrites.Versioned> existing = writes.readAll(run.items().stream().map(Item::docId).toList());
        List<Item> fresh = run.items().stream().filter(i -> !existing.containsKey(i.docId())).toList();
        List<String> found = nearest(fresh, now);
        Map<String, String> nearest = new HashMap<>();
        for (int i = 0; i < fresh.size(); i++) {
            nearest.put(fresh.get(i).docId(), found.get(i));
        }
        return new Checked(run, existing, nearest);
    }

    /**
     * A check made while {@code previous} was being written, brought up to date with what that write did: a write whose
     * id it wrote, whose nearest memory it wrote, or that may be a near-duplicate of a memory it wrote with a vector (same
     * tenant, namespace and validity; cosine within {@link #MARGIN} of the threshold) is checked again now; for the
     * others the early answer is the one a check now would give, as the previous write added nothing they could merge into.
     */
    Checked update(Checked early, Written previous, Instant now) throws IOException {
        List<Item> again = early.run().items().stream()
                .filter(i -> previous.touches(i, early.nearest().get(i.docId()), settings.mergeThreshold() - MARGIN)).toList();
        if (again.isEmpty()) {
            return early;
        }
        Checked checkedNow = check(new Run(again), now);
        Map<String, VersionedWrites.Versioned> existing = new HashMap<>(early.existing());
        Map<String, String> nearest = new HashMap<>(early.nearest());
        for (Item item : again) {
            existing.remove(item.docId());
            nearest.remove(item.docId());
        }
        existing.putAll(checkedNow.existing());
        nearest.putAll(checkedNow.nearest());
        return new Checked(early.run(), existing, nearest);
    }

    /**
     * What a run's write did: the items to retry with put, the items created, the error of a write that failed, and
     * what it sent — every document id, and the vectors of the memories it created or replaced, by group.
     */
    record Written(List<Item> retry, List<Item> created, IOException failure, Set<String> docIds, Map<String, List<float[]>> vectors) {

        /** Whether a check of {@code item} made before this write may answer otherwise after it. */
        boolean touches(Item item, String nearest, double threshold) {
            if (docIds.contains(item.docId()) || nearest != null && docIds.contains(nearest)) {
                return true;
            }
            for (float[] vector : vectors.getOrDefault(item.group(), List.of())) {
                if (Embeddings.cosine(vector, item.vector()) >= threshold) {
                    return true;
                }
            }
            return false;
        }
    }

    /**
     * Writes a checked run (no correction in it): reads the merge targets at their current version, then one
     * {@code _bulk} with one refresh, putting each written item's result at {@code out[position]}.
     */
    Written write(Checked checked, Instant now, PutResult[] out) throws IOException {
        List<Item> run = checked.run().items();
        Map<String, VersionedWrites.Versioned> existing = checked.existing();
        List<Item> fresh = run.stream().filter(i -> !existing.containsKey(i.docId())).toList();
        Map<String, VersionedWrites.Versioned> targets = writes.readAll(fresh.stream().map(i -> checked.nearest().get(i.docId()))
                .filter(Objects::nonNull).distinct().toList());
        List<Item> retry = new ArrayList<>();
        List<BulkOperation> ops = new ArrayList<>();
        List<List<Item>> answered = new ArrayList<>();
        List<List<PutResult>> results = new ArrayList<>();
        Set<String> docIds = new HashSet<>();
        Map<String, List<float[]>> vectors = new HashMap<>();
        for (Item item : run) {
            VersionedWrites.Versioned old = existing.get(item.docId());
            if (old != null) {
                MemoryRecord record = MemoryMerge.newRecord(item.id(), item.write(), item.vector(), old.record().createdAt(), now)
                        .keepingSupersessionOf(old.record());
                ops.add(replace(old, record));
                answered.add(List.of(item));
                results.add(List.of(new PutResult(record, false)));
                vectors.computeIfAbsent(item.group(), k -> new ArrayList<>()).add(item.vector());
            }
        }
        // Near-duplicates of stored memories: the writes into one target fold into it in order, one conditional write.
        Map<String, List<Item>> merges = new LinkedHashMap<>();
        List<Item> created = new ArrayList<>();
        for (Item item : fresh) {
            String target = checked.nearest().get(item.docId());
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
            vectors.computeIfAbsent(item.group(), k -> new ArrayList<>()).add(item.vector());
        }
        if (ops.isEmpty()) {
            return new Written(retry, List.of(), null, docIds, vectors);
        }
        for (BulkOperation op : ops) {
            docIds.add(op.isCreate() ? op.create().id() : op.index().id());
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
                out[answered.get(i).get(j).position()] = results.get(i).get(j);
            }
            if (ops.get(i).isCreate()) {
                createdNow.add(answered.get(i).get(0));
            }
        }
        return new Written(retry, createdNow, failure, docIds, vectors);
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
    void reconcile(List<Item> created, Instant now, PutResult[] out) throws IOException {
        if (created.isEmpty()) {
            return;
        }
        List<List<KnnSearches.Hit>> found = knn(created, VersionedWrites.GROUP, now);
        for (int i = 0; i < created.size(); i++) {
            Item item = created.get(i);
            long near = found.get(i).stream().filter(h -> MemoryQueries.cosine(h.score()) >= settings.mergeThreshold()).count();
            boolean alone = near == 1 && found.get(i).get(0).docId().equals(item.docId());
            if (!alone) {
                MemoryRecord holder = writes.reconcile(out[item.position()].memory(), MemoryQueries.mergeTargets(item.write(), now));
                out[item.position()] = new PutResult(holder, !holder.id().equals(item.id()));
            }
        }
    }

    /** The {@code k} nearest merge targets of each write (ids and scores only), in one {@code _msearch}. */
    private List<List<KnnSearches.Hit>> knn(List<Item> items, int k, Instant now) throws IOException {
        return searches.nearest(items.stream().map(Item::vector).toList(),
                items.stream().map(i -> MemoryQueries.mergeTargets(i.write(), now)).toList(), k);
    }
}
