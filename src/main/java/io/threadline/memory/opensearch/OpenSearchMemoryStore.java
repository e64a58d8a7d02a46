package io.threadline.memory.opensearch;

import io.threadline.ErrorCode;
import io.threadline.ThreadlineException;
import io.threadline.memory.Embeddings;
import io.threadline.memory.MemoryCorrections;
import io.threadline.memory.MemoryForgetReport;
import io.threadline.memory.MemoryHit;
import io.threadline.memory.MemoryMerge;
import io.threadline.memory.MemoryPruneReport;
import io.threadline.memory.MemoryQuery;
import io.threadline.memory.MemoryRecord;
import io.threadline.memory.MemorySettings;
import io.threadline.memory.MemoryStore;
import io.threadline.memory.MemoryWrite;
import io.threadline.memory.PutResult;
import org.opensearch.client.opensearch.OpenSearchAsyncClient;
import org.opensearch.client.opensearch.OpenSearchClient;
import org.opensearch.client.opensearch._types.OpenSearchException;
import org.opensearch.client.opensearch._types.Refresh;
import org.opensearch.client.opensearch._types.Result;
import org.opensearch.client.opensearch._types.query_dsl.Query;
import org.opensearch.client.transport.httpclient5.ResponseException;

import java.io.IOException;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * Memories in an OpenSearch index with a {@code knn_vector} field (cosine). Every search is a k-NN
 * query whose tenant, namespace, metadata and expiry conditions are an efficient filter inside the
 * k-NN clause — the candidates are drawn from the caller's memories only, not post-filtered — and
 * the candidates are re-ranked by {@link io.threadline.memory.MemoryScoring}. Writes refresh the
 * index so the next search (and the near-duplicate check) sees them. A search's access-time touches
 * ({@link AccessTouches}) are sent without waiting and without a refresh.
 */
public final class OpenSearchMemoryStore implements MemoryStore {

    private final OpenSearchClient client;
    /** The same transport, for requests the caller does not wait for (access-time touches). */
    private final OpenSearchAsyncClient asyncClient;
    private final Set<CompletableFuture<Integer>> touching = ConcurrentHashMap.newKeySet();
    private final VersionedWrites writes;
    private final TenantSweeps sweeps;
    private final BulkPuts bulk;
    private final KnnSearches searches;
    private final RawRequests raw;
    private final WriterMarks marks;
    private final Embeddings embeddings;
    private final MemorySettings settings;
    private final OpenSearchMemorySettings index;

    public OpenSearchMemoryStore(OpenSearchClient client, Embeddings embeddings, MemorySettings settings,
                                 OpenSearchMemorySettings index) {
        this.client = client;
        this.asyncClient = new OpenSearchAsyncClient(client._transport(), client._transportOptions());
        this.embeddings = embeddings;
        this.settings = settings;
        this.index = index;
        this.raw = new RawRequests(client);
        this.searches = new KnnSearches(raw, index.index(), index.efSearch());
        this.marks = new WriterMarks(raw, index.index());
        this.writes = new VersionedWrites(client, searches, settings.mergeThreshold(), settings.limits());
        this.sweeps = new TenantSweeps(client, index.index(), new TenantSweeps.Pages() {
            @Override
            public <T> T run(TimeLimitedTransport.Requests<T> page) {
                return call("delete memories", page::run);
            }
        }, index.sweepPage());
        this.bulk = new BulkPuts(client, index.index(), settings, searches, writes, marks);
    }

    /** Creates the index with its mapping if it does not exist (safe to call at every start). */
    public void ensureIndex() {
        call("create the memory index", () -> {
            MemoryIndex.createIfMissing(client, index);
            return null;
        });
    }

    private static String docId(String tenant, String id) {
        return VersionedWrites.docId(tenant, id);
    }

    /**
     * Writes are versioned ({@link VersionedWrites}): a write that meets a concurrent change to what it read reads
     * again and retries; a new memory then folds in any near-duplicate a concurrent write added alongside it.
     */
    @Override
    public PutResult put(MemoryWrite write, Instant now) {
        settings.limits().check(write);
        return put(write, embeddings.embed(write.content()), now);
    }

    private PutResult put(MemoryWrite write, float[] vector, Instant now) {
        String id = write.id() != null ? write.id() : Embeddings.defaultId(write);
        return call("write a memory", () -> {
            for (int attempt = 1; ; attempt++) {
                try {
                    Optional<PutResult> done = putOnce(write, id, vector, now);
                    if (done.isPresent()) {
                        return done.get();
                    }
                } catch (OpenSearchException | ResponseException e) {
                    if (!VersionedWrites.isConflict(e)) {
                        throw e;
                    }
                }
                if (attempt == VersionedWrites.MAX_ATTEMPTS) {
                    throw new ThreadlineException(ErrorCode.CONFLICT, "memory " + id + " kept changing under " + attempt
                            + " attempts to write it (concurrent writers in namespace " + write.namespace() + "); retry later",
                            Map.of("id", id));
                }
            }
        });
    }

    /**
     * The batch in runs of plain writes ({@link BulkPuts}: one realtime {@code mget}, one {@code _msearch} of
     * near-duplicate checks, one {@code _bulk} with one refresh, one {@code _msearch} for concurrent near-duplicates),
     * each run one store call; a correction, and a write that meets a concurrent change, is written by {@link #put} in
     * its turn. The writes are embedded one run at a time, in one call of the model each.
     */
    @Override
    public List<PutResult> putAll(List<MemoryWrite> batch, Instant now) {
        MemoryWrite.requireBatch(batch).forEach(settings.limits()::check);
        PutResult[] out = new PutResult[batch.size()];
        for (int from = 0; from < batch.size(); from += index.bulkSize()) {
            List<MemoryWrite> chunk = batch.subList(from, Math.min(batch.size(), from + index.bulkSize()));
            float[][] vectors = embeddings.embedAll(chunk.stream().map(MemoryWrite::content).toList());
            int offset = from;
            for (BulkPuts.Run run : BulkPuts.runs(chunk, vectors, settings.mergeThreshold())) {
                if (run.single()) {
                    BulkPuts.Item item = run.items().get(0);
                    out[offset + item.position()] = put(item.write(), item.vector(), now);
                    continue;
                }
                List<BulkPuts.Item> retry = call("write memories", () -> bulk.write(run.items(), now, out, offset));
                for (BulkPuts.Item item : retry) {
                    out[offset + item.position()] = put(item.write(), item.vector(), now);
                }
            }
        }
        return List.of(out);
    }

    /** One attempt; empty when what it read changed before it could write (the caller retries). */
    private Optional<PutResult> putOnce(MemoryWrite write, String id, float[] vector, Instant now) throws IOException {
        // Every memory a correction supersedes is checked before anything is written.
        List<VersionedWrites.Versioned> superseded = new ArrayList<>();
        for (String old : write.supersedes()) {
            Optional<VersionedWrites.Versioned> read = writes.read(write.tenant(), old);
            MemoryCorrections.requireSupersedable(id, old, read.map(VersionedWrites.Versioned::record));
            superseded.add(read.get());
        }
        Optional<PutResult> written = writeOnce(write, id, vector, now);
        if (written.isPresent()) {
            // After the correction is stored: a crash between leaves both current, and the retried write finishes it.
            for (VersionedWrites.Versioned old : superseded) {
                MemoryRecord marked = old.record().supersededBy(id, now);
                if (marked != old.record()) {
                    writes.replace(old, marked);
                }
            }
        }
        return written;
    }

    private Optional<PutResult> writeOnce(MemoryWrite write, String id, float[] vector, Instant now) throws IOException {
        Optional<VersionedWrites.Versioned> existing = writes.read(write.tenant(), id);
        if (existing.isPresent()) {
            MemoryRecord record = MemoryMerge.newRecord(id, write, vector, existing.get().record().createdAt(), now)
                    .keepingSupersessionOf(existing.get().record());
            writes.replace(existing.get(), record);
            return Optional.of(new PutResult(record, false));
        }
        if (!write.supersedes().isEmpty()) {
            // A correction is its own memory, never folded into another: no check, no reconciling.
            MemoryRecord record = MemoryMerge.newRecord(id, write, vector, now, now);
            writes.create(record);
            return Optional.of(new PutResult(record, false));
        }
        // Before the check: who else writes in this namespace until the second bump (WriterMarks), which comes on
        // every path — a merge, a retry, a failed create — so no window is left open by a writer that lives on.
        String mark = WriterMarks.of(write.tenant(), write.namespace());
        long opened = marks.open(mark);
        Optional<PutResult> written;
        Long closed;
        try {
            written = mergeOrCreate(write, id, vector, now);
        } finally {
            closed = marks.close(mark);
        }
        if (written.isEmpty() || written.get().merged() || WriterMarks.alone(opened, closed)) {
            return written; // nothing created, or no other writer in the namespace meanwhile: nothing to reconcile
        }
        MemoryRecord record = written.get().memory();
        MemoryRecord holder = writes.reconcile(record, MemoryQueries.mergeTargets(write, now));
        return Optional.of(new PutResult(holder, !holder.id().equals(id)));
    }

    /** Merges into the nearest near-duplicate, or creates the memory (then not merged); empty if the target changed. */
    private Optional<PutResult> mergeOrCreate(MemoryWrite write, String id, float[] vector, Instant now) throws IOException {
        Optional<MemoryHit> near = nearest(write, vector, now);
        if (near.isPresent()) {
            // The search saw the last refresh; merge into the memory as it is now, at its current version.
            Optional<VersionedWrites.Versioned> current = writes.read(write.tenant(), near.get().memory().id());
            if (current.isEmpty() || !current.get().record().currentAt(now)) {
                return Optional.empty();
            }
            MemoryRecord merged = MemoryMerge.merge(current.get().record(), write, now, settings.limits());
            writes.replace(current.get(), merged);
            return Optional.of(new PutResult(merged, true));
        }
        MemoryRecord record = MemoryMerge.newRecord(id, write, vector, now, now);
        writes.create(record);
        return Optional.of(new PutResult(record, false));
    }

    private Optional<MemoryHit> nearest(MemoryWrite write, float[] vector, Instant now) throws IOException {
        Query filter = MemoryQueries.mergeTargets(write, now);
        for (Candidate c : knn(vector, 1, filter, now)) {
            if (c.hit().similarity() >= settings.mergeThreshold()) {
                return Optional.of(c.hit());
            }
        }
        return Optional.empty();
    }

    private Optional<MemoryRecord> read(String tenant, String id) throws IOException {
        var response = client.get(g -> g.index(index.index()).id(docId(tenant, id)), MemoryDocument.class);
        return response.found() && response.source() != null ? Optional.of(response.source().toRecord()) : Optional.empty();
    }

    @Override
    public Optional<MemoryRecord> get(String tenant, String id) {
        MemoryWrite.requireId(id);
        return call("read a memory", () -> read(tenant, id));
    }

    @Override
    public List<MemoryHit> search(MemoryQuery query, Instant now) {
        settings.limits().check(query);
        float[] vector = query.vector() != null ? Embeddings.normalized(query.vector()) : embeddings.embed(query.text());
        List<Candidate> top = call("search memories", () -> {
            Query filter = MemoryQueries.filter(query, now);
            List<Candidate> candidates = new ArrayList<>();
            for (Candidate c : knn(vector, Math.max(query.k() * index.candidates(), query.k()), filter, now)) {
                if (c.hit().score() >= query.minScore()) {
                    candidates.add(c);
                }
            }
            candidates.sort(Comparator.comparingDouble((Candidate c) -> c.hit().score()).reversed()
                    .thenComparing(c -> c.hit().memory().id()));
            return candidates.subList(0, Math.min(query.k(), candidates.size()));
        });
        List<AccessTouches.Seen> stale = new ArrayList<>();
        List<MemoryHit> hits = new ArrayList<>(top.size());
        for (Candidate c : top) {
            hits.add(c.hit());
            if (settings.touches(c.hit().memory(), now)) {
                stale.add(c.seen());
            }
        }
        if (!stale.isEmpty()) {
            CompletableFuture<Integer> touch = AccessTouches.touch(asyncClient, index.index(), stale, now);
            touching.add(touch);
            touch.whenComplete((n, e) -> touching.remove(touch));
        }
        return List.copyOf(hits);
    }

    /**
     * Waits until the access-time touches sent so far are answered (tests, orderly shutdown); true if all were
     * within {@code timeout}. Searches never wait for them.
     */
    public boolean awaitTouches(Duration timeout) {
        try {
            CompletableFuture.allOf(touching.toArray(CompletableFuture[]::new)).get(timeout.toMillis(), TimeUnit.MILLISECONDS);
            return true;
        } catch (TimeoutException e) {
            return false;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return false;
        } catch (ExecutionException e) {
            return true; // touches complete normally; nothing to report
        }
    }

    /** A k-NN candidate: the scored hit and the document version it was read at. */
    private record Candidate(MemoryHit hit, AccessTouches.Seen seen) {}

    private List<Candidate> knn(float[] vector, int k, Query filter, Instant now) throws IOException {
        List<Candidate> out = new ArrayList<>();
        for (KnnSearches.Hit hit : searches.search(vector, k, filter)) {
            MemoryRecord record = hit.source().toRecord();
            double similarity = MemoryQueries.cosine(hit.score());
            out.add(new Candidate(new MemoryHit(record, similarity, settings.scoring().score(similarity, record, now)),
                    new AccessTouches.Seen(hit.docId(), hit.seqNo(), hit.primaryTerm())));
        }
        return out;
    }

    @Override
    public boolean delete(String tenant, String id) {
        MemoryWrite.requireId(id);
        return call("delete a memory", () -> client.delete(d -> d.index(index.index()).id(docId(tenant, id)).refresh(Refresh.True))
                .result() == Result.Deleted);
    }

    /**
     * Expired memories first, then per namespace those beyond the cap: both walked a page at a time
     * ({@link TenantSweeps}), each page its own store call, so a tenant of any size is pruned in one run. A failure
     * part-way leaves the pages already deleted deleted (pruning again finishes the work).
     */
    @Override
    public MemoryPruneReport prune(String tenant, int maxPerNamespace, Instant now) {
        MemoryWrite.requireField(tenant, "tenant");
        List<String> expired = sweeps.deleteAll(tenant, MemoryQueries.expired(tenant, now));
        List<String> overCap = sweeps.deleteOverCap(tenant, MemoryQueries.filter(tenant, null, null, Map.of(), now), maxPerNamespace);
        return new MemoryPruneReport(expired, overCap);
    }

    @Override
    public MemoryForgetReport forgetThread(String tenant, String threadId) {
        MemoryWrite.requireField(tenant, "tenant");
        MemoryWrite.requireField(threadId, "threadId");
        return new MemoryForgetReport(tenant, "thread=" + threadId, sweeps.deleteAll(tenant, MemoryQueries.fromThread(tenant, threadId)));
    }

    @Override
    public MemoryForgetReport forgetWhere(String tenant, Map<String, String> entries) {
        MemoryWrite.requireField(tenant, "tenant");
        MemoryWrite.requireSelection(entries);
        return new MemoryForgetReport(tenant, "metadata " + MemoryWrite.describe(entries),
                sweeps.deleteAll(tenant, MemoryQueries.withMetadata(tenant, entries)));
    }

    private <T> T call(String what, StoreCalls.Call<T> body) {
        return StoreCalls.call(client, what, body);
    }
}
