package io.threadline.checkpoint.crypto;

import io.threadline.checkpoint.Checkpoint;
import io.threadline.checkpoint.CheckpointChain;
import io.threadline.checkpoint.CheckpointId;
import io.threadline.checkpoint.CheckpointStore;
import io.threadline.checkpoint.Commit;
import io.threadline.checkpoint.CommitResult;
import io.threadline.checkpoint.EffectLog;
import io.threadline.checkpoint.HistoryPage;
import io.threadline.checkpoint.HistoryQuery;
import io.threadline.checkpoint.InterruptPayload;
import io.threadline.checkpoint.MemoryOutbox;
import io.threadline.checkpoint.PendingEffect;
import io.threadline.checkpoint.PruneReport;
import io.threadline.checkpoint.RetentionPolicy;
import io.threadline.checkpoint.StateChange;
import io.threadline.checkpoint.StepError;
import io.threadline.checkpoint.StepInput;
import io.threadline.checkpoint.ThreadDeletion;
import io.threadline.checkpoint.ThreadHead;
import io.threadline.checkpoint.ThreadKey;
import io.threadline.checkpoint.HeadScan;
import io.threadline.checkpoint.HeadPage;
import io.threadline.checkpoint.ThreadTags;
import io.threadline.checkpoint.ThreadQuery;
import io.threadline.checkpoint.ThreadSummary;
import io.threadline.checkpoint.ThreadPage;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import java.nio.charset.StandardCharsets;
import java.security.SecureRandom;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.Arrays;
import java.util.Base64;
import java.util.Collection;
import java.util.List;
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

    /** Marks a sealed state change: JSON never starts with it. */
    private static final byte[] SEALED_CHANGE = "TLS1".getBytes(StandardCharsets.US_ASCII);
    /** Marks a sealed payload, kept as a JSON string so the payload is still JSON. */
    private static final String SEALED_TEXT = "tl:sealed:1:";

    private static final ObjectMapper JSON = new ObjectMapper();

    private final CheckpointStore store;
    private final DataKeys keys;
    private final ThreadCipher cipher;

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
        this.cipher = new ThreadCipher(random);
    }

    // ------------------------------------------------------------------ sealing

    private Checkpoint seal(Checkpoint cp, DataKeys.Key key) {
        ThreadKey t = cp.thread();
        String at = "checkpoint/" + cp.id().value() + "/";
        byte[] sealedChange = concat(SEALED_CHANGE, sealBytes(key, cp.change().json(), ThreadCipher.context(t, at + "change")));
        StateChange change = cp.isSnapshot() ? new StateChange.Snapshot(sealedChange) : new StateChange.Delta(sealedChange);
        return new Checkpoint(cp.id(), t, cp.step(), cp.parent(), cp.nodes(), cp.decisions(), cp.next(), cp.status(),
                cp.schemaVersion(), change, cp.createdAt(), cp.idempotencyKey(), cp.metadata(),
                cp.outbox() == null ? null : MemoryOutbox.fromJson(sealText(key, t, at + "outbox", cp.outbox().json())),
                cp.input() == null ? null : StepInput.fromJson(sealText(key, t, at + "input", cp.input().json())),
                cp.effects() == null ? null : EffectLog.fromJson(sealText(key, t, at + "effects", cp.effects().json())),
                cp.error() == null ? null : new StepError(cp.error().node(), cp.error().type(),
                        sealString(key, t, at + "error.message", cp.error().message()),
                        sealString(key, t, at + "error.stack", cp.error().stack())),
                cp.interrupt() == null ? null : sealInterrupt(key, t, at, cp.interrupt()));
    }

    private Checkpoint open(Checkpoint cp) {
        if (!isSealed(cp.change().json())) {
            return cp;  // written before encryption was switched on
        }
        ThreadKey t = cp.thread();
        String at = "checkpoint/" + cp.id().value() + "/";
        byte[] sealed = cp.change().json();
        byte[] json = openBytes(t, Arrays.copyOfRange(sealed, SEALED_CHANGE.length, sealed.length), ThreadCipher.context(t, at + "change"));
        StateChange change = cp.isSnapshot() ? new StateChange.Snapshot(json) : new StateChange.Delta(json);
        return new Checkpoint(cp.id(), t, cp.step(), cp.parent(), cp.nodes(), cp.decisions(), cp.next(), cp.status(),
                cp.schemaVersion(), change, cp.createdAt(), cp.idempotencyKey(), cp.metadata(),
                cp.outbox() == null ? null : MemoryOutbox.fromJson(openText(t, at + "outbox", cp.outbox().json())),
                cp.input() == null ? null : StepInput.fromJson(openText(t, at + "input", cp.input().json())),
                cp.effects() == null ? null : EffectLog.fromJson(openText(t, at + "effects", cp.effects().json())),
                cp.error() == null ? null : new StepError(cp.error().node(), cp.error().type(),
                        openString(t, at + "error.message", cp.error().message()),
                        openString(t, at + "error.stack", cp.error().stack())),
                cp.interrupt() == null ? null : openInterrupt(t, at, cp.interrupt()));
    }

    private static boolean isSealed(byte[] change) {
        return change.length > SEALED_CHANGE.length && Arrays.equals(change, 0, SEALED_CHANGE.length, SEALED_CHANGE, 0, SEALED_CHANGE.length);
    }

    /** A payload's JSON sealed, as a JSON string. */
    /**
     * An interrupt keeps its node and when readable — the graph's names, not the user's data — so that a listing can
     * say where a thread waits; its payload (what a person is shown, which may quote the state) is sealed.
     */
    private InterruptPayload sealInterrupt(DataKeys.Key key, ThreadKey t, String at, InterruptPayload interrupt) {
        JsonNode payload = interrupt.payload();
        if (payload == null || payload.isNull()) {
            return interrupt;
        }
        return InterruptPayload.withheld(interrupt.node(), interrupt.when(), sealString(key, t, at + "interrupt", payload.toString()));
    }

    private InterruptPayload openInterrupt(ThreadKey t, String at, InterruptPayload interrupt) {
        if (!interrupt.withheld()) {
            return interrupt;
        }
        String text = openString(t, at + "interrupt", interrupt.sealed());
        try {
            return InterruptPayload.of(interrupt.node(), interrupt.when(), JSON.readTree(text));
        } catch (java.io.IOException e) {
            throw new IllegalStateException("a sealed interrupt payload of thread " + t.threadId() + " opened to no JSON", e);
        }
    }

    private String sealText(DataKeys.Key key, ThreadKey t, String part, String json) {
        return "\"" + sealString(key, t, part, json) + "\"";
    }

    private String openText(ThreadKey t, String part, String json) {
        if (!json.startsWith("\"" + SEALED_TEXT)) {
            return json;
        }
        return openString(t, part, json.substring(1, json.length() - 1));
    }

    private String sealString(DataKeys.Key key, ThreadKey t, String part, String text) {
        if (text == null) {
            return null;
        }
        return SEALED_TEXT + Base64.getEncoder().encodeToString(sealBytes(key, text.getBytes(StandardCharsets.UTF_8), ThreadCipher.context(t, part)));
    }

    private String openString(ThreadKey t, String part, String text) {
        if (text == null || !text.startsWith(SEALED_TEXT)) {
            return text;
        }
        byte[] sealed = Base64.getDecoder().decode(text.substring(SEALED_TEXT.length()));
        return new String(openBytes(t, sealed, ThreadCipher.context(t, part)), StandardCharsets.UTF_8);
    }

    /** The key's fingerprint, then the ciphertext: a reader finds the key it needs. */
    private byte[] sealBytes(DataKeys.Key key, byte[] plaintext, byte[] context) {
        return concat(key.fingerprint(), cipher.encrypt(key.plaintext(), plaintext, context));
    }

    private byte[] openBytes(ThreadKey t, byte[] sealed, byte[] context) {
        byte[] fingerprint = Arrays.copyOf(sealed, DataKeys.FINGERPRINT_BYTES);
        DataKeys.Key key = keys.forRead(t, fingerprint);
        return cipher.decrypt(key.plaintext(), Arrays.copyOfRange(sealed, DataKeys.FINGERPRINT_BYTES, sealed.length), context);
    }

    private static byte[] concat(byte[] a, byte[] b) {
        byte[] out = Arrays.copyOf(a, a.length + b.length);
        System.arraycopy(b, 0, out, a.length, b.length);
        return out;
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
        Commit sealed = new Commit(seal(commit.checkpoint(), key), commit.expectedStep(), commit.chainStartedAt(), commit.tags(),
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
        store.putPendingEffect(thread, step, seq, PendingEffect.fromJson(sealText(key, thread, "pending/" + step, effect.json())));
    }

    @Override
    public List<PendingEffect> pendingEffects(ThreadKey thread, long step) {
        List<PendingEffect> stored = store.pendingEffects(thread, step);
        if (stored.isEmpty()) {
            return stored;
        }
        // Bound to the thread and step (the SPI answers effects without their positions, which a discard may leave sparse).
        return stored.stream().map(e -> PendingEffect.fromJson(openText(thread, "pending/" + step, e.json()))).toList();
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
    public List<ThreadSummary> unfinishedDeletes(String tenant, java.util.Map<String, String> tags, int limit) {
        return store.unfinishedDeletes(tenant, tags, limit);
    }

    @Override
    public List<ThreadSummary> unfinishedDeletes(String tenant, java.util.Map<String, String> tags, int limit, boolean legacyTombstoneScan) {
        return store.unfinishedDeletes(tenant, tags, limit, legacyTombstoneScan);
    }

    @Override
    public java.time.Duration threadOrderGranularity() {
        return store.threadOrderGranularity();
    }

    @Override
    public ThreadTags retag(ThreadKey thread, java.util.Map<String, String> set, Collection<String> remove) {
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
