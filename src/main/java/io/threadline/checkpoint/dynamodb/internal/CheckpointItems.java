package io.threadline.checkpoint.dynamodb.internal;

import io.threadline.ErrorCode;
import io.threadline.ThreadlineException;
import io.threadline.checkpoint.Checkpoint;
import io.threadline.checkpoint.CheckpointCodec;
import io.threadline.checkpoint.CheckpointId;
import io.threadline.checkpoint.ThreadKey;
import software.amazon.awssdk.core.SdkBytes;
import software.amazon.awssdk.services.dynamodb.model.AttributeValue;

import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * Maps checkpoints, the head and idempotency records to table items and back. Reading goes through
 * one instance per query: items arrive in descending sort-key order, so a checkpoint's chunks come
 * just before the checkpoint item that completes them.
 */
public final class CheckpointItems {

    private final ThreadKey thread;
    private final InflateThreads inflate;
    private CheckpointId chunkOwner;
    private final TreeMap<Integer, byte[]> chunks = new TreeMap<>();

    public CheckpointItems(ThreadKey thread) {
        this(thread, InflateThreads.NONE);
    }

    /** @param inflate threads besides the reader's that inflate a large checkpoint's gzip members */
    public CheckpointItems(ThreadKey thread, InflateThreads inflate) {
        this.thread = thread;
        this.inflate = inflate;
    }

    /** The checkpoint item, then its chunk items when the payload is larger than one item holds. */
    public static List<Map<String, AttributeValue>> checkpoint(String pk, Checkpoint cp, StoredPayload payload,
                                                             int maxItemBytes, Long expiresAt, Instant chainStartedAt) {
        List<byte[]> parts = payload.parts(maxItemBytes);
        List<Map<String, AttributeValue>> items = new ArrayList<>(parts.size());
        Map<String, AttributeValue> main = new HashMap<>();
        main.put(Keys.PK, s(pk));
        main.put(Keys.SK, s(Keys.checkpoint(cp.id())));
        main.put(Keys.DATA, b(parts.get(0)));
        main.put(Keys.KIND, s(cp.isSnapshot() ? Keys.KIND_SNAPSHOT : Keys.KIND_DELTA));
        main.put(Keys.STEP, n(cp.step()));
        if (payload.compressed()) {
            main.put(Keys.COMPRESSED, n(1));
        }
        if (parts.size() > 1) {
            main.put(Keys.PARTS, n(parts.size()));
        }
        if (!cp.isSnapshot() && chainStartedAt != null) {
            main.put(Keys.CHAIN_STARTED_AT, n(chainStartedAt.toEpochMilli()));
        }
        putExpiry(main, expiresAt);
        items.add(main);
        for (int i = 1; i < parts.size(); i++) {
            Map<String, AttributeValue> chunk = new HashMap<>();
            chunk.put(Keys.PK, s(pk));
            chunk.put(Keys.SK, s(Keys.chunk(cp.id(), i)));
            chunk.put(Keys.DATA, b(parts.get(i)));
            putExpiry(chunk, expiresAt);
            items.add(chunk);
        }
        return items;
    }

    /** The marker of a checkpoint whose outbox has not been applied yet (deleted once it has). */
    public static Map<String, AttributeValue> outboxMarker(String pk, Checkpoint cp, Long expiresAt) {
        return pointer(pk, Keys.outbox(cp.id()), cp, expiresAt);
    }

    /** The record that the thread has seen {@code cp}'s idempotency key. */
    public static Map<String, AttributeValue> idempotency(String pk, Checkpoint cp, long expiresAt) {
        return pointer(pk, Keys.idempotency(cp.idempotencyKey()), cp, expiresAt);
    }

    /** A small item under {@code sk} that names a checkpoint (its id and step). */
    private static Map<String, AttributeValue> pointer(String pk, String sk, Checkpoint cp, Long expiresAt) {
        Map<String, AttributeValue> item = new HashMap<>();
        item.put(Keys.PK, s(pk));
        item.put(Keys.SK, s(sk));
        item.put(Keys.CHECKPOINT_ID, s(cp.id().value()));
        item.put(Keys.STEP, n(cp.step()));
        putExpiry(item, expiresAt);
        return item;
    }

    /**
     * The pack of single-item deltas {@code oldest} to {@code newest} (as read), under {@link Keys#pack} of the checkpoint
     * before {@code oldest}: its step, chain start and expiry are the oldest's, with the newest's id and step beside them.
     */
    public static Map<String, AttributeValue> pack(CheckpointId before, Map<String, AttributeValue> oldest,
                                                   Map<String, AttributeValue> newest, StoredPayload payload) {
        Map<String, AttributeValue> item = new HashMap<>(oldest);
        item.remove(Keys.COMPRESSED);
        item.put(Keys.SK, s(Keys.pack(before)));
        item.put(Keys.KIND, s(Keys.KIND_PACK));
        item.put(Keys.DATA, b(payload.bytes()));
        if (payload.compressed()) {
            item.put(Keys.COMPRESSED, n(1));
        }
        item.put(Keys.PACK_LAST_ID, s(Keys.checkpointIdOf(newest.get(Keys.SK).s()).value()));
        item.put(Keys.PACK_LAST_STEP, newest.get(Keys.STEP));
        return item;
    }

    /**
     * Feeds one item of a descending query. Returns what a checkpoint item completes — its checkpoint, or a pack's
     * checkpoints oldest first — or nothing for a chunk (kept until its checkpoint item arrives) or any other item.
     */
    public List<Checkpoint> accept(Map<String, AttributeValue> item) {
        String sk = item.get(Keys.SK).s();
        if (Keys.isPack(sk)) {
            return decodePack(item);
        }
        if (Keys.isChunk(sk)) {
            CheckpointId owner = Keys.checkpointIdOf(sk);
            if (!owner.equals(chunkOwner)) {
                // Chunks left by an interrupted prune have no checkpoint item; drop them unread.
                chunks.clear();
                chunkOwner = owner;
            }
            chunks.put(Keys.chunkIndexOf(sk), item.get(Keys.DATA).b().asByteArrayUnsafe());
            return List.of();
        }
        if (!Keys.isCheckpoint(sk)) {
            return List.of();
        }
        CheckpointId id = Keys.checkpointIdOf(sk);
        List<byte[]> parts = new ArrayList<>();
        parts.add(item.get(Keys.DATA).b().asByteArrayUnsafe());
        int expected = item.containsKey(Keys.PARTS) ? Integer.parseInt(item.get(Keys.PARTS).n()) : 1;
        if (expected > 1) {
            if (!id.equals(chunkOwner) || chunks.size() != expected - 1 || chunks.lastKey() != expected - 1) {
                throw corrupt(id, stepOf(item), "it has " + (id.equals(chunkOwner) ? chunks.size() : 0) + " of its " + (expected - 1)
                        + " chunks", null);
            }
            parts.addAll(chunks.values());
        }
        chunks.clear();
        chunkOwner = null;
        return List.of(decode(id, stepOf(item), parts, item.containsKey(Keys.COMPRESSED)));
    }

    /** Whether an item is a pack of several checkpoints ({@link Keys#pack}). */
    public static boolean isPack(Map<String, AttributeValue> item) {
        return Keys.isPack(item.get(Keys.SK).s());
    }

    /** The step of an item's newest checkpoint: a pack's last, else its own. */
    public static long lastStepOf(Map<String, AttributeValue> checkpointItem) {
        AttributeValue last = checkpointItem.get(Keys.PACK_LAST_STEP);
        return last == null ? stepOf(checkpointItem) : Long.parseLong(last.n());
    }

    /** Whether a checkpoint or pack item holds checkpoint {@code id}: it is its item, or a pack whose ids span it. */
    public static boolean holds(Map<String, AttributeValue> item, CheckpointId id) {
        CheckpointId own = Keys.checkpointIdOf(item.get(Keys.SK).s());
        if (!isPack(item)) {
            return own.equals(id);
        }
        return own.compareTo(id) < 0 && CheckpointId.parse(item.get(Keys.PACK_LAST_ID).s()).compareTo(id) >= 0;
    }

    /** Whether every checkpoint an item holds is newer than {@code id}: a pack after it, or a newer checkpoint. */
    public static boolean allNewerThan(Map<String, AttributeValue> item, CheckpointId id) {
        CheckpointId own = Keys.checkpointIdOf(item.get(Keys.SK).s());
        return isPack(item) ? own.compareTo(id) >= 0 : own.compareTo(id) > 0;
    }

    private List<Checkpoint> decodePack(Map<String, AttributeValue> item) {
        CheckpointId before = Keys.checkpointIdOf(item.get(Keys.SK).s());
        long step = stepOf(item);
        long last = lastStepOf(item);
        byte[] pack;
        int[] envelopes;
        try {
            pack = StoredPayload.envelope(List.of(item.get(Keys.DATA).b().asByteArrayUnsafe()), item.containsKey(Keys.COMPRESSED), inflate);
            envelopes = DeltaPackFormat.envelopes(pack);
        } catch (RuntimeException e) {
            throw corruptPack(before, step, last, e.getMessage(), e);
        }
        List<Checkpoint> out = new ArrayList<>(envelopes.length / 2);
        CheckpointId parent = before;
        for (int i = 0; i < envelopes.length; i += 2) {
            Checkpoint cp = CheckpointCodec.decode(thread, pack, envelopes[i], envelopes[i + 1]);
            if (cp.step() != step + out.size() || !parent.equals(cp.parent())) {
                throw corruptPack(before, step, last, "its checkpoint " + (out.size() + 1) + " is " + cp.id() + " (step " + cp.step()
                        + ", after " + cp.parent() + ")", null);
            }
            out.add(cp);
            parent = cp.id();
        }
        if (last != step + out.size() - 1 || !parent.value().equals(item.get(Keys.PACK_LAST_ID).s())) {
            throw corruptPack(before, step, last, "it holds " + out.size() + " checkpoints, up to " + parent, null);
        }
        return out;
    }

    private ThreadlineException corruptPack(CheckpointId before, long step, long last, String why, Throwable cause) {
        return new ThreadlineException(ErrorCode.INTERNAL, "stored pack of steps " + step + "-" + last + " of " + thread
                + " (after checkpoint " + before + ") is unreadable: " + why,
                Map.of("thread", thread.threadId(), "after", before.value(), "step", step), cause);
    }

    /** Whether a checkpoint item holds a snapshot, read without decoding it. */
    public static boolean isSnapshot(Map<String, AttributeValue> checkpointItem) {
        AttributeValue kind = checkpointItem.get(Keys.KIND);
        return kind != null && Keys.KIND_SNAPSHOT.equals(kind.s());
    }

    /** Number of items (checkpoint item + chunks) a checkpoint item says it was written as. */
    public static int partsOf(Map<String, AttributeValue> checkpointItem) {
        AttributeValue parts = checkpointItem.get(Keys.PARTS);
        return parts == null ? 1 : Integer.parseInt(parts.n());
    }

    public static long stepOf(Map<String, AttributeValue> item) {
        return Long.parseLong(item.get(Keys.STEP).n());
    }

    private Checkpoint decode(CheckpointId id, long step, List<byte[]> parts, boolean compressed) {
        byte[] envelope;
        try {
            envelope = StoredPayload.envelope(parts, compressed, inflate);
        } catch (RuntimeException e) {
            // the codec's own words (a bad checksum, a frame cut short) are in the cause: said here, and kept for the log
            throw corrupt(id, step, e.getMessage() + (e.getCause() == null || e.getCause().getMessage() == null ? "" : " (" + e.getCause().getMessage() + ")"), e);
        }
        Checkpoint cp = CheckpointCodec.decode(thread, envelope);
        if (!cp.id().equals(id)) {
            throw corrupt(id, step, "its envelope holds checkpoint " + cp.id(), null);
        }
        return cp;
    }

    private ThreadlineException corrupt(CheckpointId id, long step, String why, Throwable cause) {
        return new ThreadlineException(ErrorCode.INTERNAL, "stored checkpoint " + id + " (step " + step + ") of " + thread
                + " is unreadable: " + why, Map.of("thread", thread.threadId(), "checkpointId", id.value(), "step", step), cause);
    }

    private static void putExpiry(Map<String, AttributeValue> item, Long expiresAt) {
        if (expiresAt != null) {
            item.put(Keys.EXPIRES_AT, n(expiresAt));
        }
    }

    static AttributeValue s(String value) {
        return AttributeValue.fromS(value);
    }

    static AttributeValue n(long value) {
        return AttributeValue.fromN(Long.toString(value));
    }

    static AttributeValue b(byte[] value) {
        return AttributeValue.fromB(SdkBytes.fromByteArrayUnsafe(value));
    }

    /**
     * The lowest sort key the chain of this delta's checkpoint item can start at (its snapshot's id is made no earlier
     * than the chain started), or null when the item does not say (a snapshot, or an item written before it was kept).
     */
    static String chainFloor(Map<String, AttributeValue> checkpointItem) {
        AttributeValue started = checkpointItem.get(Keys.CHAIN_STARTED_AT);
        return started == null ? null
                : Keys.checkpoint(CheckpointId.earliestAt(Instant.ofEpochMilli(Long.parseLong(started.n()))));
    }
}
