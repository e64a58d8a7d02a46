package io.threadline.memory.opensearch;

import io.threadline.memory.MemoryLimits;
import io.threadline.memory.MemoryMerge;
import io.threadline.memory.MemoryRecord;
import org.opensearch.client.opensearch.OpenSearchClient;
import org.opensearch.client.opensearch._types.OpenSearchException;
import org.opensearch.client.opensearch._types.Refresh;
import org.opensearch.client.opensearch._types.query_dsl.Query;
import org.opensearch.client.opensearch.core.get.GetResult;
import org.opensearch.client.opensearch.core.mget.MultiGetResponseItem;
import org.opensearch.client.transport.httpclient5.ResponseException;

import java.io.IOException;
import java.util.ArrayList;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * The memory store's writes as optimistic, versioned operations ({@code if_seq_no}/{@code if_primary_term},
 * {@code op_type=create}), so that concurrent writers never overwrite each other's work unseen — a conflict
 * (409) makes the caller read again and retry — and the reconciliation of near-duplicates that two writers
 * added at the same time, which no check-then-write can prevent on an index without transactions.
 *
 * <p>Why reconciliation converges: every new memory is written with a refresh and then looks for its
 * near-duplicates. Of two writes that each added one, the one that looked last sees the other (it looked
 * after both were visible). Whoever sees a group folds it into the group's oldest member
 * ({@link MemoryMerge#KEPT_FIRST}) and deletes the others, each step conditional on the version it read;
 * folding is idempotent, so a writer that loses a conflict reads again and repeats it safely.
 */
final class VersionedWrites {

    /** Attempts at a write that keeps meeting concurrent changes before it gives up with the conflict. */
    static final int MAX_ATTEMPTS = 8;
    /** Neighbours examined for near-duplicates of a new memory. */
    static final int GROUP = 10;

    /** A stored memory and the version it was read at. */
    record Versioned(MemoryRecord record, String docId, long seqNo, long primaryTerm) {}

    private final OpenSearchClient client;
    private final KnnSearches searches;
    private final String index;
    private final double mergeThreshold;
    private final MemoryLimits limits;

    VersionedWrites(OpenSearchClient client, KnnSearches searches, double mergeThreshold, MemoryLimits limits) {
        this.client = client;
        this.searches = searches;
        this.index = searches.index();
        this.mergeThreshold = mergeThreshold;
        this.limits = limits;
    }

    static String docId(String tenant, String id) {
        // '/' is outside both alphabets, so (tenant, id) pairs cannot collide.
        return tenant + "/" + id;
    }

    /** A version conflict, as the client reports it: an OpenSearchException, or the transport's ResponseException. */
    static boolean isConflict(Exception e) {
        return e instanceof OpenSearchException o && o.status() == 409 || e instanceof ResponseException r && r.status() == 409
                || e instanceof RawRequests.StatusException s && s.status() == 409;
    }

    /** A realtime read with the document's version. */
    Optional<Versioned> read(String tenant, String id) throws IOException {
        return readDoc(docId(tenant, id));
    }

    private Optional<Versioned> readDoc(String docId) throws IOException {
        var r = client.get(g -> g.index(index).id(docId), MemoryDocument.class);
        return r.found() && r.source() != null
                ? Optional.of(new Versioned(r.source().toRecord(), r.id(), r.seqNo(), r.primaryTerm()))
                : Optional.empty();
    }

    /** A realtime read of several documents with their versions, by document id; those not found are absent. */
    Map<String, Versioned> readAll(Collection<String> docIds) throws IOException {
        Map<String, Versioned> out = new LinkedHashMap<>();
        if (docIds.isEmpty()) {
            return out;
        }
        List<String> ids = List.copyOf(docIds);
        for (MultiGetResponseItem<MemoryDocument> item : client.mget(m -> m.index(index).ids(ids), MemoryDocument.class).docs()) {
            if (item.isResult()) {
                GetResult<MemoryDocument> r = item.result();
                if (r.found() && r.source() != null) {
                    out.put(r.id(), new Versioned(r.source().toRecord(), r.id(), r.seqNo(), r.primaryTerm()));
                }
            }
        }
        return out;
    }

    /** Adds a memory that must not exist yet (409 if a concurrent writer added the same id first). */
    void create(MemoryRecord record) throws IOException {
        client.create(c -> c.index(index).id(docId(record.tenant(), record.id())).document(MemoryDocument.of(record))
                .refresh(Refresh.True));
    }

    /** Replaces the memory read as {@code read} (409 if it changed or went away since). */
    void replace(Versioned read, MemoryRecord record) throws IOException {
        client.index(i -> i.index(index).id(read.docId()).document(MemoryDocument.of(record)).ifSeqNo(read.seqNo())
                .ifPrimaryTerm(read.primaryTerm()).refresh(Refresh.True));
    }

    /**
     * After {@code written} was added as a new memory: folds the near-duplicates of its namespace that concurrent
     * writes added into the one kept and deletes the rest. Returns the memory that now holds the write.
     */
    MemoryRecord reconcile(MemoryRecord written, Query namespaceFilter) throws IOException {
        for (int attempt = 1; ; attempt++) {
            List<Versioned> group = nearDuplicates(written, namespaceFilter);
            if (group.size() <= 1) {
                return group.isEmpty() ? written : group.get(0).record();
            }
            group.sort((x, y) -> MemoryMerge.KEPT_FIRST.compare(x.record(), y.record()));
            Versioned kept = group.get(0);
            MemoryRecord folded = kept.record();
            for (Versioned gone : group.subList(1, group.size())) {
                folded = MemoryMerge.fold(folded, gone.record(), limits);
            }
            try {
                MemoryRecord result = folded;
                client.index(i -> i.index(index).id(kept.docId()).document(MemoryDocument.of(result)).ifSeqNo(kept.seqNo())
                        .ifPrimaryTerm(kept.primaryTerm()));
                for (Versioned gone : group.subList(1, group.size())) {
                    client.delete(d -> d.index(index).id(gone.docId()).ifSeqNo(gone.seqNo()).ifPrimaryTerm(gone.primaryTerm()));
                }
                return result;
            } catch (OpenSearchException | ResponseException e) {
                if (!isConflict(e) || attempt == MAX_ATTEMPTS) {
                    throw e;
                }
            } finally {
                client.indices().refresh(r -> r.index(index));
            }
        }
    }

    /** The memories within the merge threshold of {@code written} (itself included), read realtime with their versions. */
    private List<Versioned> nearDuplicates(MemoryRecord written, Query namespaceFilter) throws IOException {
        List<String> ids = new ArrayList<>();
        for (KnnSearches.Hit hit : searches.nearest(List.of(written.embedding()), List.of(namespaceFilter), GROUP).get(0)) {
            if (MemoryQueries.cosine(hit.score()) >= mergeThreshold) {
                ids.add(hit.docId());
            }
        }
        if (ids.size() <= 1) {
            // Alone (or, if another writer folded this one away, the memory that now holds it).
            return ids.isEmpty() ? List.of() : readDoc(ids.get(0)).map(List::of).orElse(List.of());
        }
        // The search saw the last refresh; the versions to write against come from a realtime read.
        return new ArrayList<>(readAll(ids).values());
    }
}
