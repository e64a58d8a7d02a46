package io.threadline.checkpoint;

import io.threadline.ErrorCode;
import io.threadline.ThreadlineException;

import java.time.Instant;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * A {@link CheckpointStore} in this process's memory, for unit tests of the core, local runs and
 * benchmarks. It keeps each checkpoint in its encoded byte form ({@link CheckpointCodec}), so it
 * exercises the same encoding as a remote store and its byte counts are real. It passes the same
 * contract suite as the DynamoDB store; it is not durable.
 *
 * <p>A facade: each thread's log and its append path is {@link InMemoryThreadLog}, the threads by key and their
 * deletion {@link InMemoryThreadLogs}, the listings {@link InMemoryThreadListing}, the pending effects
 * {@link InMemoryPendingEffects}.
 */
public final class InMemoryCheckpointStore implements CheckpointStore {

    private final InMemoryThreadLogs threads = new InMemoryThreadLogs();
    private final InMemoryThreadListing listing = new InMemoryThreadListing(threads);
    private final InMemoryPendingEffects pending = new InMemoryPendingEffects();

    @Override
    public Optional<ThreadHead> head(ThreadKey thread) {
        return threads.read(thread, InMemoryThreadLog::headOrNull);
    }

    @Override
    public Optional<CheckpointChain> loadLatest(ThreadKey thread) {
        return threads.read(thread, log -> log.latestChain(thread));
    }

    @Override
    public Optional<CheckpointChain> load(ThreadKey thread, CheckpointId id) {
        return threads.read(thread, log -> log.chain(thread, id));
    }

    @Override
    public Optional<Checkpoint> get(ThreadKey thread, CheckpointId id) {
        return threads.read(thread, log -> log.decoded(thread, id));
    }

    @Override
    public Optional<Checkpoint> findByIdempotencyKey(ThreadKey thread, String idempotencyKey) {
        return threads.read(thread, log -> log.byIdempotencyKey(thread, idempotencyKey));
    }

    @Override
    public HistoryPage history(ThreadKey thread, HistoryQuery query) {
        return threads.read(thread, log -> log.history(thread, query)).orElse(HistoryPage.empty());
    }

    @Override
    public CommitResult commit(Commit commit) {
        byte[] bytes = CheckpointCodec.encode(commit.checkpoint());
        return threads.logFor(commit.thread()).commit(commit, bytes);
    }

    @Override
    public List<Checkpoint> unpublished(ThreadKey thread) {
        return threads.read(thread, log -> log.unpublished(thread)).orElse(List.of());
    }

    @Override
    public void markPublished(ThreadKey thread, CheckpointId id) {
        threads.read(thread, log -> log.markPublished(id));
    }

    @Override
    public PruneReport prune(ThreadKey thread, RetentionPolicy policy, Instant now) {
        return threads.read(thread, log -> log.prune(policy)).orElse(new PruneReport(0, 0, 0));
    }

    @Override
    public long storedBytes(ThreadKey thread) {
        return threads.read(thread, InMemoryThreadLog::storedBytes).orElse(0L);
    }

    @Override
    public void putPendingEffect(ThreadKey thread, long step, int seq, PendingEffect effect) {
        pending.put(thread, step, seq, effect);
    }

    @Override
    public List<PendingEffect> pendingEffects(ThreadKey thread, long step) {
        return pending.of(thread, step);
    }

    @Override
    public void discardPendingEffects(ThreadKey thread, long step, Collection<Integer> seqs) {
        pending.discard(thread, step, seqs);
    }

    @Override
    public void clearPendingEffects(ThreadKey thread, long step) {
        pending.clear(thread, step);
    }

    /** Removes the thread, then closes its log: see {@link InMemoryThreadLogs#delete}. */
    @Override
    public ThreadDeletion delete(ThreadKey thread) {
        return threads.delete(thread, pending.removeThread(thread));
    }

    /**
     * Puts a recorded thread back as it was exported — possibly starting after a pruned prefix — for
     * replays and tests. The thread must not exist here; the first checkpoint must be a snapshot and
     * every next one must follow its parent. Outboxes count as applied: a restored recording never
     * writes memories again.
     */
    public void restore(ThreadKey thread, List<Checkpoint> checkpoints) {
        threads.add(thread, InMemoryThreadLog.restored(checkpoints));
    }

    @Override
    public ThreadPage threads(String tenant, ThreadQuery query) {
        return listing.threads(tenant, query);
    }

    @Override
    public ThreadTags retag(ThreadKey thread, Map<String, String> set, Collection<String> remove) {
        return threads.read(thread, log -> log.retag(set, remove)).orElseThrow(() -> new ThreadlineException(ErrorCode.THREAD_NOT_FOUND,
                "no thread " + thread.threadId() + " of this tenant", Map.of("thread", thread.threadId())));
    }

    @Override
    public HeadPage scanHeads(HeadScan scan) {
        return listing.scanHeads(scan);
    }
}
