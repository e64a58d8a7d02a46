package io.threadline.memory;

import java.time.Instant;
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
 *       returns expired memories.</li>
 *   <li>A search moves the {@code accessedAt} of every memory it returns to the search's time when it is
 *       older than {@link MemorySettings#touchAfter()} — never backwards, and never for a memory deleted or
 *       rewritten meanwhile — so recency means "last written or recalled". The hits show each memory as it
 *       was ranked, before the touch. A touch that cannot be written does not fail the search.</li>
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

    Optional<MemoryRecord> get(String tenant, String id);

    java.util.List<MemoryHit> search(MemoryQuery query, Instant now);

    /** Removes one memory; false if the tenant has none by that id. */
    boolean delete(String tenant, String id);

    /**
     * Removes every memory of the tenant whose source is the thread {@code threadId} (written by one of its steps:
     * {@link MemoryRecord#sourceThread}) and returns how many it removed; 0 when there are none. Part of deleting a
     * thread: memories derived from it go with it. A memory that a write from another thread merged into keeps its
     * first source, and goes with that thread. Visible to the next search when it returns.
     */
    long deleteBySourceThread(String tenant, String threadId);

    /** Removes the tenant's expired memories and, per namespace, those beyond {@code maxPerNamespace}. */
    MemoryPruneReport prune(String tenant, int maxPerNamespace, Instant now);
}
