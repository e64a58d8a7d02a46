package io.threadline.checkpoint.dynamodb;

import java.time.Duration;
import java.util.Objects;
import java.util.regex.Pattern;

/**
 * How a {@link DynamoDbCheckpointStore} lays out and bounds what it writes.
 *
 * @param tableName          the DynamoDB table (see infra/dynamodb/table.json)
 * @param compressAboveBytes compress a checkpoint's envelope when it is larger than this (0 = always try)
 * @param maxItemBytes       largest {@code data} attribute one item holds; a larger checkpoint is split
 *                           into chunk items. Stays well under DynamoDB's 400 KB item limit so the
 *                           other attributes always fit.
 * @param maxCheckpointBytes largest stored (compressed) checkpoint; a larger one is refused with
 *                           {@code PAYLOAD_TOO_LARGE} before anything is written. Bounded so that
 *                           every part of a commit fits one 4 MB TransactWriteItems of at most 100 actions.
 * @param checkpointTtl      every item written expires this long after its checkpoint's {@code createdAt};
 *                           {@code null} or zero for no expiry
 * @param idempotencyTtl     how long an idempotency key is remembered; after that the key can be reused
 * @param compression        how an envelope worth compressing is compressed (a read tells either from its bytes)
 * @param zstdAboveBytes     with {@link Compression#ZSTD}, the largest envelope still gzipped: zstd pays only on larger
 *                           ones ({@link #DEFAULT_ZSTD_ABOVE_BYTES}); 0 = zstd whatever the size. Unused with gzip.
 * @param deltasPerPack      delta checkpoints stored together in one item once their block of steps is over, their own
 *                           items then deleted: a cold read fetches a chain in fewer items
 *                           ({@link #RECOMMENDED_DELTAS_PER_PACK}); 0 = never pack (the default)
 */
public record DynamoDbStoreSettings(
        String tableName,
        int compressAboveBytes,
        int maxItemBytes,
        int maxCheckpointBytes,
        Duration checkpointTtl,
        Duration idempotencyTtl,
        Compression compression,
        int zstdAboveBytes,
        int deltasPerPack) {

    /**
     * Envelopes above this are gzipped (kept only when smaller). Low, because a W1 delta of ~500 B gzips to ~2/3 and
     * deltas are most of what a thread stores and a cold read fetches; ~20 µs of CPU per commit (bench/README.md).
     */
    public static final int DEFAULT_COMPRESS_ABOVE_BYTES = 256;
    /**
     * With zstd, envelopes up to this are still gzipped. Measured on W1's envelopes (bench/README.md, session 37): gzip
     * stores a ~0.5 KB delta ~3% smaller and compresses it ~1.3× faster; zstd stores smaller from ~16 KB and compresses
     * faster from ~24-28 KB (0.6-0.75× gzip's CPU above), and reads ~0.5-0.7× gzip's CPU. So deltas, most of what a
     * thread stores, are stored as under gzip.
     */
    public static final int DEFAULT_ZSTD_ABOVE_BYTES = 32_768;
    /**
     * Off by default: a version before packing cannot read a pack (README, How checkpoints are stored), so packing is
     * switched on only once no such reader is left ({@link #RECOMMENDED_DELTAS_PER_PACK}).
     */
    public static final int DEFAULT_DELTAS_PER_PACK = 0;
    /**
     * A cold read pays per item it reads (~20 µs each on DynamoDB Local, whatever its bytes: bench/README.md, session 37),
     * and W1's chain holds up to ~1,450 deltas after a snapshot. Packed by 32, it reads at most ~1,450/32 packs and 31
     * deltas, near the fewest items any block size gives (about twice the square root of the chain).
     */
    public static final int RECOMMENDED_DELTAS_PER_PACK = 32;
    /**
     * Packs hold at most this many: a read that looks for the pack of a checkpoint whose own item is gone passes over at
     * most this many items (its pack-mates not deleted yet), which is also what a lookup of an id that is not stored
     * costs; 8× the recommended block.
     */
    public static final int MAX_DELTAS_PER_PACK = 256;
    public static final int DEFAULT_MAX_ITEM_BYTES = 350_000;
    public static final int DEFAULT_MAX_CHECKPOINT_BYTES = 3_000_000;
    public static final Duration DEFAULT_IDEMPOTENCY_TTL = Duration.ofHours(24);

    /** Leaves room in a 400 KB item for the key and the other attributes. */
    static final int ITEM_LIMIT_FOR_DATA = 390_000;
    /** Leaves room in a 4 MB transaction for HEAD, the idempotency record and the attribute names. */
    static final int TRANSACTION_LIMIT_FOR_DATA = 3_900_000;
    /** TransactWriteItems takes 100 actions; HEAD and the idempotency record take two of them. */
    static final int MAX_PARTS = 98;

    private static final Pattern TABLE_NAME = Pattern.compile("[a-zA-Z0-9_.-]{3,255}");

    /** Settings that compress with gzip ({@link Compression#GZIP}, the default). */
    public DynamoDbStoreSettings(String tableName, int compressAboveBytes, int maxItemBytes, int maxCheckpointBytes,
                                 Duration checkpointTtl, Duration idempotencyTtl) {
        this(tableName, compressAboveBytes, maxItemBytes, maxCheckpointBytes, checkpointTtl, idempotencyTtl, Compression.GZIP,
                DEFAULT_ZSTD_ABOVE_BYTES);
    }

    /** Settings that do not pack deltas ({@link #DEFAULT_DELTAS_PER_PACK}). */
    public DynamoDbStoreSettings(String tableName, int compressAboveBytes, int maxItemBytes, int maxCheckpointBytes,
                                 Duration checkpointTtl, Duration idempotencyTtl, Compression compression, int zstdAboveBytes) {
        this(tableName, compressAboveBytes, maxItemBytes, maxCheckpointBytes, checkpointTtl, idempotencyTtl, compression,
                zstdAboveBytes, DEFAULT_DELTAS_PER_PACK);
    }

    public DynamoDbStoreSettings {
        Objects.requireNonNull(tableName, "tableName");
        Objects.requireNonNull(compression, "compression");
        if (!TABLE_NAME.matcher(tableName).matches()) {
            throw new IllegalArgumentException("a DynamoDB table name is 3-255 characters of letters, digits, '_', '-' or '.', got '"
                    + tableName + "'");
        }
        if (compressAboveBytes < 0) {
            throw new IllegalArgumentException("compressAboveBytes must not be negative, got " + compressAboveBytes);
        }
        if (zstdAboveBytes < 0) {
            throw new IllegalArgumentException("threadline.dynamodb.zstd-above-bytes must not be negative, got " + zstdAboveBytes);
        }
        if (deltasPerPack != 0 && (deltasPerPack < 2 || deltasPerPack > MAX_DELTAS_PER_PACK)) {
            throw new IllegalArgumentException("threadline.dynamodb.deltas-per-pack must be 0 (never pack) or between 2 and "
                    + MAX_DELTAS_PER_PACK + ", got " + deltasPerPack);
        }
        if (maxItemBytes < 1024 || maxItemBytes > ITEM_LIMIT_FOR_DATA) {
            throw new IllegalArgumentException("maxItemBytes must be between 1024 and " + ITEM_LIMIT_FOR_DATA + ", got " + maxItemBytes);
        }
        if (maxCheckpointBytes < maxItemBytes || maxCheckpointBytes > TRANSACTION_LIMIT_FOR_DATA) {
            throw new IllegalArgumentException("maxCheckpointBytes must be between maxItemBytes (" + maxItemBytes + ") and "
                    + TRANSACTION_LIMIT_FOR_DATA + ", got " + maxCheckpointBytes);
        }
        if (partsFor(maxCheckpointBytes, maxItemBytes) > MAX_PARTS) {
            throw new IllegalArgumentException("maxCheckpointBytes " + maxCheckpointBytes + " in items of " + maxItemBytes
                    + " bytes needs more than " + MAX_PARTS + " items, more than one transaction holds; raise maxItemBytes");
        }
        if (checkpointTtl != null && checkpointTtl.isNegative()) {
            throw new IllegalArgumentException("checkpointTtl must not be negative, got " + checkpointTtl);
        }
        if (checkpointTtl != null && checkpointTtl.isZero()) {
            checkpointTtl = null;
        }
        Objects.requireNonNull(idempotencyTtl, "idempotencyTtl");
        if (idempotencyTtl.isNegative() || idempotencyTtl.isZero()) {
            throw new IllegalArgumentException("idempotencyTtl must be positive, got " + idempotencyTtl);
        }
    }

    /** The defaults for a table: gzip above 256 B, 350 KB items, 3 MB checkpoints, no TTL, keys kept 24 h. */
    public static DynamoDbStoreSettings defaults(String tableName) {
        return new DynamoDbStoreSettings(tableName, DEFAULT_COMPRESS_ABOVE_BYTES, DEFAULT_MAX_ITEM_BYTES,
                DEFAULT_MAX_CHECKPOINT_BYTES, null, DEFAULT_IDEMPOTENCY_TTL);
    }

    public DynamoDbStoreSettings withCheckpointTtl(Duration ttl) {
        return new DynamoDbStoreSettings(tableName, compressAboveBytes, maxItemBytes, maxCheckpointBytes, ttl, idempotencyTtl, compression,
                zstdAboveBytes, deltasPerPack);
    }

    public DynamoDbStoreSettings withIdempotencyTtl(Duration ttl) {
        return new DynamoDbStoreSettings(tableName, compressAboveBytes, maxItemBytes, maxCheckpointBytes, checkpointTtl, ttl, compression,
                zstdAboveBytes, deltasPerPack);
    }

    public DynamoDbStoreSettings withSizes(int compressAboveBytes, int maxItemBytes, int maxCheckpointBytes) {
        return new DynamoDbStoreSettings(tableName, compressAboveBytes, maxItemBytes, maxCheckpointBytes, checkpointTtl, idempotencyTtl,
                compression, zstdAboveBytes, deltasPerPack);
    }

    public DynamoDbStoreSettings withCompression(Compression compression) {
        return new DynamoDbStoreSettings(tableName, compressAboveBytes, maxItemBytes, maxCheckpointBytes, checkpointTtl, idempotencyTtl,
                compression, zstdAboveBytes, deltasPerPack);
    }

    /** These settings with envelopes up to {@code bytes} gzipped under {@link Compression#ZSTD} (0: zstd at any size). */
    public DynamoDbStoreSettings withZstdAboveBytes(int bytes) {
        return new DynamoDbStoreSettings(tableName, compressAboveBytes, maxItemBytes, maxCheckpointBytes, checkpointTtl, idempotencyTtl,
                compression, bytes, deltasPerPack);
    }

    /** These settings packing delta checkpoints by {@code count} (0: never). */
    public DynamoDbStoreSettings withDeltasPerPack(int count) {
        return new DynamoDbStoreSettings(tableName, compressAboveBytes, maxItemBytes, maxCheckpointBytes, checkpointTtl, idempotencyTtl,
                compression, zstdAboveBytes, count);
    }

    /** Items needed to store {@code bytes} of data: the checkpoint item and its chunks. */
    static int partsFor(long bytes, int maxItemBytes) {
        return (int) Math.max(1, (bytes + maxItemBytes - 1) / maxItemBytes);
    }
}
