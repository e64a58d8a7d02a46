package io.threadline.checkpoint.crypto;

import io.threadline.checkpoint.Checkpoint;
import io.threadline.checkpoint.CheckpointChain;
import io.threadline.checkpoint.CheckpointId;
import io.threadline.checkpoint.CheckpointStore;
import io.threadline.checkpoint.Commit;
import io.threadline.checkpoint.CommitResult;
import io.threadline.checkpoint.HistoryPage;
import io.threadline.checkpoint.HistoryQuery;
import io.threadline.checkpoint.InterruptPayload;
import io.threadline.checkpoint.PendingEffect;
import io.threadline.checkpoint.PruneReport;
import io.threadline.checkpoint.RetentionPolicy;
import io.threadline.checkpoint.ThreadDeletion;
import io.threadline.checkpoint.ThreadHead;
import io.threadline.checkpoint.ThreadKey;
import io.threadline.checkpoint.HeadScan;
import io.threadline.checkpoint.HeadPage;
import io.threadline.checkpoint.ThreadTags;
import io.threadline.checkpoint.ThreadQuery;
import io.threadline.checkpoint.ThreadSummary;
import io.threadline.checkpoint.ThreadPage;

import java.security.SecureRandom;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;

/**
 * Envelope encryption over any {@link CheckpointStore}: what a checkpoint holds of the thread's data — the state
 * change (so every {@code @Sensitive} field), the step's input, its recorded effects (prompts and tool results
 * that may quote them), its outbox of memory writes, its error and interrupt — and every pending effect is
 * sealed with the thread's own data key (AES-256-GCM, bound to the thread, checkpoint and part) before the
 * wrapped store sees it, and opened on the way back. The routing the store needs (ids, steps, status, nodes,
 * decisions, metadata, idempotency keys) stays in clear.
 *
 * <p>The data key comes from a {@link KeyProvider} (KMS in AWS) and is kept wrapped in a {@link DataKeyStore} apart
 * from the checkpoints; {@link #delete} deletes the thread and then its key, so any copy of the thread left
 * anywhere — a table restored from point-in-time recovery — no longer decrypts (crypto-shredding). Checkpoints
 * written before encryption was switched on are read as they are. Passes {@code CheckpointStoreContract}.
 */
public final class EncryptingCheckpointStore implements CheckpointStore {

    private final CheckpointStore store;
    private final DataKeys keys;
    private final CheckpointSealing sealing;

    /**
     * @param keyCacheThreads threads whose plaintext data key this process keeps (0: ask the provider every time),
     *                        each for as long as the process runs
     */
    public EncryptingCheckpointStore(CheckpointStore store, KeyProvider provider, DataKeyStore keyStore, SecureRandom random,
                                     int keyCacheThreads) {
        this(store, provider, keyStore, random, keyCacheThreads, Clock.systemUTC(), ChronoUnit.FOREVER.getDuration());
    }

    /**
     * @param keyCacheThreads  threads whose plaintext data key this process keeps (0: ask the provider every time)
     * @param keyCacheLifetime how long a cached key is served before it is read (and unwrapped) again: how long a key a
     *                         delete in another process shredded stays usable here
     */
    public EncryptingCheckpointStore(CheckpointStore store, KeyProvider provider, DataKeyStore keyStore, SecureRandom random,
                                     int keyCacheThreads, Clock clock, Duration keyCacheLifetime) {
        this.store = Objects.requireNonNull(store, "store");
        this.keys = new DataKeys(Objects.requireNonNull(provider, "provider"), Objects.requireNonNull(keyStore, "keyStore"),
                keyCacheThreads, Objects.requireNonNull(clock, "clock"), Objects.requireNonNull(keyCacheLifetime, "keyCacheLifetime"));
        this.sealing = new CheckpointSealing(keys, new ThreadCipher(random));
    }

    /** Kept beside the overloads below so {@code this::open} resolves alike for a checkpoint, an optional one and a chain. */
    private Checkpoint open(Checkpoint cp) {
        return sealing.open(cp);
    }

    private Optional<Checkpoint> open(Optional<Checkpoint> cp) {
        return cp.map(this::open);
    }

    private CheckpointChain open(CheckpointChain chain) {
        return chain.withCheckpoints(chain.checkpoints().stream().map(this::open).toList());
    }

    // ------------------------------------------------------------------ the store

    @Override
    public Optional<ThreadHead> head(ThreadKey thread) {
        return store.head(thread);
    }

    @Override
    public Optional<CheckpointChain> loadLatest(ThreadKey thread) {
        return store.loadLatest(thread).map(this::open);
    }

    @Override
    public Optional<CheckpointChain> load(ThreadKey thread, CheckpointId id) {
        return store.load(thread, id).map(this::open);
    }

    @Override
    public Optional<Checkpoint> get(ThreadKey thread, CheckpointId id) {
        return open(store.get(thread, id));
    }

    @Override
    public Optional<Checkpoint> findByIdempotencyKey(ThreadKey thread, String idempotencyKey) {
        return open(store.findByIdempotencyKey(thread, idempotencyKey));
    }

    @Override
    public HistoryPage history(ThreadKey thread, HistoryQuery query) {
        HistoryPage page = store.history(thread, query);
        return new HistoryPage(page.checkpoints().stream().map(this::open).toList(), page.nextCursor(), page.cursors());
    }

    @Override
    public CommitResult commit(Commit commit) {
        boolean first = commit.expectedStep() == 0;
        DataKeys.Key key = keys.forWrite(commit.thread(), first);
        Commit sealed = new Commit(sealing.seal(commit.checkpoint(), key), commit.expectedStep(), commit.chainStartedAt(), commit.tags(),
                commit.runGuard());
        CommitResult result = store.commit(sealed);
        if (first && !result.duplicate() && !keys.isStored(commit.thread(), key.fingerprint())) {
            // A delete shredded the key this thread's first write was sealed with, and the write landed after the
            // delete: a new thread no one can read. Take it back and answer as a commit racing a delete does.
            store.delete(commit.thread());
            throw ThreadDeletion.closed(commit.thread());
        }
        // What was stored is the sealed checkpoint: its stored size is what a read of it fetches.
        return result.duplicate() ? new CommitResult(open(result.checkpoint()), true)
                : new CommitResult(commit.checkpoint(), false, result.storedBytes());
    }

    @Override
    public List<Checkpoint> unpublished(ThreadKey thread) {
        return store.unpublished(thread).stream().map(this::open).toList();
    }

    @Override
    public void markPublished(ThreadKey thread, CheckpointId id) {
        store.markPublished(thread, id);
    }

    @Override
    public PruneReport prune(ThreadKey thread, RetentionPolicy policy, Instant now) {
        return store.prune(thread, policy, now);
    }

    @Override
    public long storedBytes(ThreadKey thread) {
        return store.storedBytes(thread);
    }

    @Override
    public void putPendingEffect(ThreadKey thread, long step, int seq, PendingEffect effect) {
        DataKeys.Key key = keys.forWrite(thread, step <= 1);
        store.putPendingEffect(thread, step, seq, sealing.sealPending(key, thread, step, effect));
    }

    @Override
    public List<PendingEffect> pendingEffects(ThreadKey thread, long step) {
        List<PendingEffect> stored = store.pendingEffects(thread, step);
        if (stored.isEmpty()) {
            return stored;
        }
        return stored.stream().map(e -> sealing.openPending(thread, step, e)).toList();
    }

    @Override
    public void clearPendingEffects(ThreadKey thread, long step) {
        store.clearPendingEffects(thread, step);
    }

    @Override
    public void discardPendingEffects(ThreadKey thread, long step, Collection<Integer> seqs) {
        store.discardPendingEffects(thread, step, seqs);
    }

    /**
     * Listing reads heads only: status, agent and tags are not encrypted, nor where an interrupted thread waits; what
     * it waits for (the payload) is stored withheld ({@link InterruptPayload#withheld}), so the wrapped store's own
     * summary says {@code withheld} and shows no payload — never ciphertext.
     */
    @Override
    public ThreadPage threads(String tenant, ThreadQuery query) {
        return store.threads(tenant, query);
    }

    @Override
    public List<ThreadSummary> unfinishedDeletes(String tenant, Map<String, String> tags, int limit) {
        return store.unfinishedDeletes(tenant, tags, limit);
    }

    @Override
    public List<ThreadSummary> unfinishedDeletes(String tenant, Map<String, String> tags, int limit, boolean legacyTombstoneScan) {
        return store.unfinishedDeletes(tenant, tags, limit, legacyTombstoneScan);
    }

    @Override
    public Duration threadOrderGranularity() {
        return store.threadOrderGranularity();
    }

    @Override
    public ThreadTags retag(ThreadKey thread, Map<String, String> set, Collection<String> remove) {
        return store.retag(thread, set, remove);
    }

    @Override
    public ThreadTags tags(ThreadKey thread) {
        return store.tags(thread);
    }

    @Override
    public HeadPage scanHeads(HeadScan scan) {
        return store.scanHeads(scan);
    }

    /**
     * The data key, then the thread's items: any copy of the thread that is left no longer decrypts. A step racing
     * the delete may have made a new key meanwhile for what the store then deleted: if the thread is still gone,
     * that key goes too (a thread begun again after the delete keeps its own).
     */
    @Override
    public ThreadDeletion delete(ThreadKey thread) {
        boolean shredded = keys.shred(thread);
        ThreadDeletion removed = store.delete(thread);
        if (store.head(thread).isEmpty()) {
            shredded |= keys.shred(thread);
        }
        return removed.withDataKeys(shredded ? 1 : 0);
    }
}
