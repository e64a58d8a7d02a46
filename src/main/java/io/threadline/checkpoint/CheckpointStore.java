package io.threadline.checkpoint;

import io.threadline.ErrorCode;
import io.threadline.ThreadlineException;

import java.time.Duration;
import java.time.Instant;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * Where threads' checkpoints live. A store keeps each thread's checkpoints as an append-only,
 * gap-free sequence of steps and is the single arbiter of who may append next.
 *
 * <p>What every implementation guarantees (the contract suite {@code CheckpointStoreContract}
 * checks each of these against the real backing service):
 * <ul>
 *   <li>{@link #commit} is atomic and conditional: it appends only when the thread's head is
 *       still at the expected step, otherwise it throws {@code CONFLICT} and writes nothing.</li>
 *   <li>A commit whose idempotency key the thread already holds writes nothing and returns the
 *       checkpoint first committed with that key, whatever the head is now.</li>
 *   <li>Reads are strongly consistent: a committed checkpoint is visible to the next read.</li>
 *   <li>Threads are scoped by tenant: nothing of one {@link ThreadKey} is visible through another.</li>
 *   <li>{@link #prune} never removes a snapshot that a retained checkpoint needs.</li>
 *   <li>{@link #delete} removes every item of a thread or, interrupted, leaves it unreadable and closed to
 *       commits until it is run again; a commit racing it either lands before it (and is deleted) or fails
 *       with {@code THREAD_DELETED}: never half a thread.</li>
 * </ul>
 * Errors are {@link ThreadlineException}s with stable codes; a store that cannot
 * reach its backing service throws {@code DEPENDENCY_UNAVAILABLE} and leaves nothing half-written.
 * Methods take time as an argument where they need it, so tests control the clock.
 */
public interface CheckpointStore {

    /** The thread's latest checkpoint id and step, read as cheaply as the store allows. */
    Optional<ThreadHead> head(ThreadKey thread);

    /** What it takes to materialise the latest state: the nearest snapshot and every delta since. */
    Optional<CheckpointChain> loadLatest(ThreadKey thread);

    /** What it takes to materialise the given checkpoint; empty if the store does not hold it. */
    Optional<CheckpointChain> load(ThreadKey thread, CheckpointId id);

    /** One checkpoint as stored (its change, not its materialised state). */
    Optional<Checkpoint> get(ThreadKey thread, CheckpointId id);

    /**
     * The checkpoint first committed with this idempotency key on the thread, while the store still
     * remembers the key; lets a retried step answer without running anything again.
     */
    Optional<Checkpoint> findByIdempotencyKey(ThreadKey thread, String idempotencyKey);

    /** Checkpoints newest first, one page at a time; pass {@link HistoryPage#nextCursor} back. */
    HistoryPage history(ThreadKey thread, HistoryQuery query);

    /**
     * Appends {@code commit.checkpoint()} if the thread's head is at {@code commit.expectedStep()}
     * (0 for a new thread). See the class comment for the idempotency and conflict rules.
     */
    CommitResult commit(Commit commit);

    /**
     * Checkpoints committed with an outbox that has not been marked applied yet, oldest first
     * (committed, and perhaps applied, but not acknowledged: the process died in between).
     */
    List<Checkpoint> unpublished(ThreadKey thread);

    /** Records that a checkpoint's outbox has been applied; no-op if it was already. */
    void markPublished(ThreadKey thread, CheckpointId id);

    /** Removes old checkpoints by policy; reports what it removed. */
    PruneReport prune(ThreadKey thread, RetentionPolicy policy, Instant now);

    /** Bytes the store holds for the thread, as the store counts them (for metrics and benchmarks). */
    long storedBytes(ThreadKey thread);

    /**
     * Durability {@code SYNC}: keeps one effect of step {@code step} — computed, not committed —
     * under its position {@code seq}, so a retry of the step can reuse it. A position already taken
     * fails with {@code CONFLICT}: another attempt of the same step is running.
     */
    void putPendingEffect(ThreadKey thread, long step, int seq, PendingEffect effect);

    /**
     * The pending effects of step {@code step}, by position; empty when there are none. The runtime asks
     * for the step after the thread's head only, so effects still pending for an <em>earlier</em> step are
     * orphans (their step committed, and the process died before its clean-up, or the attempt was refused
     * and its clean-up failed): the store deletes them here, best effort — what a failed delete leaves
     * expires with the idempotency TTL.
     */
    List<PendingEffect> pendingEffects(ThreadKey thread, long step);

    /** Forgets the pending effects of step {@code step} (it committed); no-op when there are none. */
    void clearPendingEffects(ThreadKey thread, long step);

    /**
     * Forgets the positions {@code seqs} of step {@code step}'s pending effects — and only those: the
     * positions one attempt claimed before it was refused (its new state was invalid, or another writer
     * committed first). A refused attempt never happened as far as the thread is concerned, so what it
     * made must neither be reused nor count as an attempt of its node; positions claimed by another,
     * still running attempt are left alone. No-op for positions that hold nothing.
     */
    void discardPendingEffects(ThreadKey thread, long step, Collection<Integer> seqs);

    // ------------------------------------------------------------------ finding threads (optional capability)

    /**
     * A page of {@code tenant}'s threads, newest activity first, filtered by {@code query}; pass
     * {@link ThreadPage#nextCursor} back for the next. Order: the head's commit time rounded down to the store's
     * granularity ({@link #threadOrderGranularity()}), then thread id, both descending — so the order is exact to
     * that granularity. Every entry matches every filter as of this read; a thread that steps while a caller pages
     * may move to the top of the listing and so be missed by the pages after it (as in any listing by activity).
     * The work of one call is bounded (memory and items examined), so a page may hold fewer than {@code limit}
     * threads and still have a next cursor. Only {@code tenant}'s threads are ever listed.
     *
     * <p>Optional: a store without it throws {@link UnsupportedOperationException}. Both shipped stores have it
     * and pass the contract suite's listing tests.
     */
    default ThreadPage threads(String tenant, ThreadQuery query) {
        throw new UnsupportedOperationException(getClass().getSimpleName() + " does not list threads");
    }

    /** The time resolution of {@link #threads}' order. */
    default Duration threadOrderGranularity() {
        return Duration.ofMillis(1);
    }

    /**
     * Changes a thread's tags: puts {@code set} (replacing a key's value), then removes the keys of {@code remove};
     * returns the tags after. The result is checked against {@link ThreadTags}' limits before anything is written
     * ({@code INVALID_INPUT}, nothing changed); a thread the store does not hold is {@code THREAD_NOT_FOUND}.
     * Atomic against commits and other tag changes: no change is lost to a concurrent one.
     *
     * <p>Optional, as {@link #threads}.
     */
    default ThreadTags retag(ThreadKey thread, Map<String, String> set, Collection<String> remove) {
        throw new UnsupportedOperationException(getClass().getSimpleName() + " does not tag threads");
    }

    /** A thread's tags; {@code THREAD_NOT_FOUND} if the store does not hold it. Optional, as {@link #threads}. */
    default ThreadTags tags(ThreadKey thread) {
        return retag(thread, Map.of(), List.of());
    }

    /**
     * Deletes the thread: every checkpoint and its chunks, the head, pending effects, idempotency records and
     * outbox markers — everything the store keeps under the thread's key. Idempotent: a thread that does not
     * exist reports {@link ThreadDeletion#NONE}.
     *
     * <p>Atomic with respect to commits: the store first closes the thread (a commit from then on fails with
     * {@code THREAD_DELETED}; reads find no thread), then removes its items, then reopens the id. A delete
     * interrupted half way (the process died, the service throttled) leaves the thread closed and unreadable;
     * running it again finishes it. Memories derived from the thread are not the store's: the runtime
     * deletes them ({@code ThreadRuntime#delete}).
     */
    ThreadDeletion delete(ThreadKey thread);

    /**
     * Threads of {@code tenant} holding every tag of {@code tags} whose {@link #delete} was cut short after it closed
     * them (unreadable, closed to commits, and so no longer in {@link #threads}), at most {@code limit}: what
     * {@code erase} finishes before it lists the subject's threads, so a re-run completes an erasure stopped inside one
     * thread's delete. An entry has the thread id, its agent and tags as they were, and status {@code DELETING}.
     *
     * <p>Optional: a store whose delete cannot stop half way (the in-memory store: one lock) has none, the default.
     * The DynamoDB store keeps its tombstones in the thread index for this.
     */
    default List<ThreadSummary> unfinishedDeletes(String tenant, Map<String, String> tags, int limit) {
        return List.of();
    }

    /**
     * {@link #unfinishedDeletes(String, Map, int)}, and with {@code legacyTombstoneScan} also the cut deletes
     * an earlier release of the store left in a form its cheap read no longer finds (the DynamoDB store: tombstones
     * without a marker, found by reading the tenant's thread index — every entry of it). The default: the cheap read
     * alone, for stores with no such earlier form.
     */
    default List<ThreadSummary> unfinishedDeletes(String tenant, Map<String, String> tags, int limit,
                                                            boolean legacyTombstoneScan) {
        return unfinishedDeletes(tenant, tags, limit);
    }

    /**
     * Thread heads, a page at a time: of {@code scan.tenant()}, or of every tenant when it is {@code null} — what a
     * reader of every stored thread (the migration dry-run) walks with bounded memory. Pass {@link HeadPage#nextCursor}
     * back (in a scan with the same tenant and limit) until it is {@code null}.
     *
     * <p>Every thread that has a head when the scan starts and keeps it appears at least once. A thread committed to
     * while the scan runs may appear again with its newer head (a store may keep heads in order of their last
     * write), and one created meanwhile may or may not appear; a store may serve the scan from an index that lags
     * commits by a moment (DynamoDB: a global secondary index). Other tenants' threads never appear in a tenant's
     * scan. A cursor the store did not issue for such a scan is {@code INVALID_INPUT}.
     *
     * <p>An optional capability: the in-memory and DynamoDB stores have it (the contract suite checks them); a store
     * without it (a wrapper, a test double) answers {@code INTERNAL} saying so, and only the dry-run needs it.
     */
    default HeadPage scanHeads(HeadScan scan) {
        throw new ThreadlineException(ErrorCode.INTERNAL,
                getClass().getSimpleName() + " cannot scan thread heads (CheckpointStore.scanHeads is optional)");
    }
}
