package io.threadline.memory;

import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * Long-term semantic memory, scoped by tenant and namespace.
 *
 * <p>What every implementation guarantees (the contract suite {@code MemoryStoreContract} checks it
 * against the real backing service):
 * <ul>
 *   <li>Isolation: nothing of one tenant is returned to another, whatever the namespace or filters.</li>
 *   <li>A write with an id already stored replaces that memory; a write whose embedding is within the
 *       configured cosine of a memory of the same tenant and namespace merges into it (importance is the
 *       larger, access time now) instead of adding a near-duplicate.</li>
 *   <li>Search ranks by {@link MemoryScoring} — similarity, recency and importance — and never
 *       returns expired memories. Its hits carry no embedding ({@link MemoryRecord#NO_EMBEDDING}): a search answers
 *       with similarities, and a vector per hit was most of what a remote store's answer weighed.</li>
 *   <li>A search moves the {@code accessedAt} of every memory it returns to the search's time when it is
 *       older than {@link MemorySettings#touchAfter()} — never backwards, and never for a memory deleted or
 *       rewritten meanwhile — so recency means "last written or recalled". The hits show each memory as it
 *       was ranked, before the touch. A touch that cannot be written does not fail the search.</li>
 *   <li>Corrections: a write that {@linkplain MemoryWrite#supersedes supersedes} memories checks them all
 *       ({@link MemoryCorrections#requireSupersedable}) before it writes anything, is never merged into a near-duplicate,
 *       and then marks each superseded ({@code supersededAt} = the write's time, {@code supersededBy} = its id).
 *       A superseded memory is no longer recalled nor a merge target, stays for {@link #history} and "as of" searches
 *       ({@link MemoryQuery#asOf}), and keeps its supersession when its own write is replayed. A write merges only
 *       into a memory of the same validity ({@code validFrom}/{@code validTo}); {@link MemoryQuery#validAt} keeps
 *       the memories whose fact holds at an instant.</li>
 *   <li>{@link #prune} removes expired memories and, per namespace, the least valuable beyond the cap,
 *       and reports each removed id.</li>
 *   <li>A write or search beyond {@link MemorySettings#limits()} (metadata entries and sizes, time to live), and
 *       an id that {@link MemoryWrite#requireId} refuses (in put, get and delete alike), is {@code INVALID_INPUT}
 *       naming the field, before anything is read or written. No number of distinct metadata keys, from any
 *       number of tenants, makes a store refuse a later write.</li>
 * </ul>
 * Time comes in as an argument, so tests control it. A store whose service is unavailable throws
 * {@code DEPENDENCY_UNAVAILABLE}.
 */
public interface MemoryStore {

    PutResult put(MemoryWrite write, Instant now);

    /**
     * Writes a batch with the outcome of {@link #put} of each write in turn at {@code now} — a near-duplicate merges
     * (into a memory stored before, or into an earlier write of the same batch), a known id replaces its memory, a
     * correction supersedes what it names (also an earlier write of the batch) — answered in the batch's order. The
     * stores of this project check every write's limits ({@link MemorySettings#limits()}) before any is written
     * ({@code INVALID_INPUT} naming the field, nothing written); a failure further on (a bad correction, the service
     * unavailable) may leave the writes before it written, which is safe: ids are fixed, so writing the same batch again
     * is idempotent, as the outbox does. A store may take fewer requests than one put after another (this default):
     * {@code OpenSearchMemoryStore} writes a batch in a few bulk requests.
     */
    default List<PutResult> putAll(List<MemoryWrite> writes, Instant now) {
        List<PutResult> out = new ArrayList<>(MemoryWrite.requireBatch(writes).size());
        for (MemoryWrite write : writes) {
            out.add(put(write, now));
        }
        return out;
    }

    Optional<MemoryRecord> get(String tenant, String id);

    List<MemoryHit> search(MemoryQuery query, Instant now);

    /**
     * The chain of corrections memory {@code id} belongs to, oldest first ({@link MemoryCorrections#history}); empty when
     * the tenant has no memory by that id.
     */
    default List<MemoryRecord> history(String tenant, String id) {
        MemoryWrite.requireField(tenant, "tenant");
        return MemoryCorrections.history(id, i -> get(tenant, i));
    }

    /** Removes one memory; false if the tenant has none by that id. */
    boolean delete(String tenant, String id);

    /**
     * Removes the tenant's expired memories and, per namespace, its current memories beyond {@code maxPerNamespace}
     * (superseded ones are kept for audit until they expire or are forgotten): all of them, however many the tenant
     * holds.
     */
    MemoryPruneReport prune(String tenant, int maxPerNamespace, Instant now);

    /**
     * Forgets every memory of {@code tenant} derived from thread {@code threadId} (its source thread: written by one of
     * the thread's steps), in every namespace, superseded and expired ones included; returns what it removed. For
     * deleting a thread and erasing a data subject: idempotent (a second call removes nothing), and a memory merged
     * into one from another thread is not this thread's to remove (the merge kept the other's source).
     */
    MemoryForgetReport forgetThread(String tenant, String threadId);

    /**
     * Forgets every memory of {@code tenant} whose metadata holds all of {@code entries} (e.g. a subject tag
     * {@code subject=u-7}), in every namespace; returns what it removed. At least one entry is required
     * ({@code INVALID_INPUT}): forgetting a whole tenant is not a metadata match.
     */
    MemoryForgetReport forgetWhere(String tenant, Map<String, String> entries);
}
