package io.threadline.checkpoint.dynamodb.internal;

import io.threadline.Sha256;
import io.threadline.checkpoint.CheckpointId;
import io.threadline.checkpoint.ThreadKey;

import java.nio.charset.StandardCharsets;
import java.util.HexFormat;

/**
 * The key layout of the single table (infra/dynamodb/README.md): one partition per thread, sort keys
 * {@code HEAD}, {@code CP#<id>}, {@code CP#<id>#<nnnn>} for chunks, {@code CP#<id>#P} for a pack of the checkpoints after
 * {@code <id>} and {@code IDEM#<key>}, and the
 * attribute names every item uses. Short names on purpose: they are stored in every item.
 */
public final class Keys {

    public static final String PK = "pk";
    public static final String SK = "sk";
    public static final String DATA = "data";
    public static final String COMPRESSED = "z";
    public static final String KIND = "kind";
    public static final String STEP = "step";
    public static final String PARTS = "n";
    public static final String EXPIRES_AT = "expiresAt";
    public static final String CHECKPOINT_ID = "cid";
    /** On a delta's checkpoint item: when its chain's snapshot was written (epoch ms), where a cold read can stop. */
    public static final String CHAIN_STARTED_AT = "cs";
    public static final String UPDATED_AT = "updatedAt";
    /** On a HEAD that is a delete's tombstone: when the delete began (epoch millis). Such a HEAD names no checkpoint. */
    public static final String DELETING = "deleting";
    /** The head's keys in the retired {@code threadsByTenant} index: commits remove them (README "Scale"). */
    public static final String GSI1_PK = "gsi1pk";
    public static final String GSI1_SK = "gsi1sk";

    public static final String KIND_SNAPSHOT = "S";
    public static final String KIND_DELTA = "D";
    /**
     * A pack: the delta checkpoints of one block of steps stored together ({@link DeltaPacker}), under
     * {@link #pack(CheckpointId)} of the checkpoint before them. A pack item also carries {@link #PACK_LAST_ID} and
     * {@link #PACK_LAST_STEP}.
     */
    public static final String KIND_PACK = "P";
    /** On a pack item: the id of its newest checkpoint. */
    public static final String PACK_LAST_ID = "pl";
    /** On a pack item: the step of its newest checkpoint ({@link #STEP} holds its oldest's). */
    public static final String PACK_LAST_STEP = "ps";

    public static final String HEAD = "HEAD";
    public static final String CHECKPOINT_PREFIX = "CP#";
    /** Sorts after every checkpoint id and chunk suffix ('~' is above digits and letters). */
    public static final String AFTER_ALL = "~";
    public static final String IDEMPOTENCY_PREFIX = "IDEM#";
    /** A checkpoint whose outbox is not yet applied; sorts outside the CP#..HEAD range loads read. */
    public static final String OUTBOX_PREFIX = "OUTBOX#";

    /** An effect of a step in progress (durability SYNC); sorts after OUTBOX#, outside what loads read. */
    public static final String PENDING_PREFIX = "PENDING#";

    /**
     * A thread's background-run record lives in this table apart from the thread's partition ({@code pk =
     * RUN#<tenant>#<threadId>, sk = RUN}, written by io.threadline.runs.dynamodb.DynamoDbRunStore), with the run's id in
     * {@value #RUN_ID}: what a run guard's ConditionCheck reads.
     */
    public static final String RUN_RECORD = "RUN";
    public static final String RUN_ID = "rid";

    /** Keys longer than this are stored by hash: a sort key holds at most 1024 bytes. */
    private static final int MAX_RAW_KEY_BYTES = 256;
    private static final int CHECKPOINT_SK_LENGTH = CHECKPOINT_PREFIX.length() + 26;
    private static final String PACK_SUFFIX = "#P";

    private Keys() {
    }

    /** {@code T#<tenant>#<threadId>}: neither part may contain '#', so the key is unambiguous. */
    public static String partition(ThreadKey thread) {
        return "T#" + thread.tenant() + "#" + thread.threadId();
    }

    /** The partition of the thread's background-run record (see {@link #RUN_RECORD}). */
    public static String runRecord(ThreadKey thread) {
        return "RUN#" + thread.tenant() + "#" + thread.threadId();
    }

    public static String outbox(CheckpointId id) {
        return OUTBOX_PREFIX + id.value();
    }

    /** All pending effects of one step share this prefix; zero-padded so they sort by step, then position. */
    public static String pendingStep(long step) {
        return PENDING_PREFIX + String.format("%019d", step) + "#";
    }

    public static String pending(long step, int seq) {
        return pendingStep(step) + String.format("%06d", seq);
    }

    public static String checkpoint(CheckpointId id) {
        return CHECKPOINT_PREFIX + id.value();
    }

    /**
     * The pack of the checkpoints that follow {@code after}: it sorts after that checkpoint's item and chunks ('P' is above
     * digits) and below the next checkpoint, so below every checkpoint it holds; and it is never a checkpoint's own key,
     * so deleting a packed checkpoint's item never touches a pack.
     */
    public static String pack(CheckpointId after) {
        return checkpoint(after) + PACK_SUFFIX;
    }

    /** Chunk {@code index} (1-based) of a checkpoint; sorts right after the checkpoint item. */
    public static String chunk(CheckpointId id, int index) {
        return checkpoint(id) + "#" + String.format("%04d", index);
    }

    /** The highest sort key of a checkpoint and its chunks. */
    public static String lastOf(CheckpointId id) {
        return checkpoint(id) + "#" + AFTER_ALL;
    }

    public static String idempotency(String key) {
        byte[] raw = key.getBytes(StandardCharsets.UTF_8);
        if (raw.length <= MAX_RAW_KEY_BYTES) {
            return IDEMPOTENCY_PREFIX + key;
        }
        return IDEMPOTENCY_PREFIX + "sha256:" + HexFormat.of().formatHex(Sha256.of(raw));
    }

    public static boolean isCheckpoint(String sk) {
        return sk.startsWith(CHECKPOINT_PREFIX) && sk.length() == CHECKPOINT_SK_LENGTH;
    }

    public static boolean isChunk(String sk) {
        return sk.startsWith(CHECKPOINT_PREFIX) && sk.length() > CHECKPOINT_SK_LENGTH && !isPack(sk);
    }

    public static boolean isPack(String sk) {
        return sk.startsWith(CHECKPOINT_PREFIX) && sk.length() == CHECKPOINT_SK_LENGTH + PACK_SUFFIX.length() && sk.endsWith(PACK_SUFFIX);
    }

    public static boolean isIdempotency(String sk) {
        return sk.startsWith(IDEMPOTENCY_PREFIX);
    }

    /** The checkpoint id inside a checkpoint or chunk sort key; of a pack's, the checkpoint before the pack's. */
    public static CheckpointId checkpointIdOf(String sk) {
        return CheckpointId.parse(sk.substring(CHECKPOINT_PREFIX.length(), CHECKPOINT_SK_LENGTH));
    }

    /** The 1-based index of a chunk sort key. */
    public static int chunkIndexOf(String sk) {
        return Integer.parseInt(sk.substring(CHECKPOINT_SK_LENGTH + 1));
    }
}
