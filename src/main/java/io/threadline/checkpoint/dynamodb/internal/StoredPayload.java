package io.threadline.checkpoint.dynamodb.internal;

import io.threadline.checkpoint.dynamodb.Compression;
import io.threadline.checkpoint.dynamodb.DynamoDbStoreSettings;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * A checkpoint's envelope ({@link io.threadline.checkpoint.CheckpointCodec}) as it goes into the table:
 * compressed when that pays (gzip, or zstd for envelopes above a size, as configured), then cut into parts of at most one item's worth of data. A
 * read tells the codec from the bytes' magic ({@link ZstdFormat#isZstd}; anything else is read as gzip, as before zstd),
 * so items written under either setting read back under both.
 *
 * @param bytes      the stored bytes (compressed or not)
 * @param compressed whether {@code bytes} are compressed (gzip or zstd)
 */
public record StoredPayload(byte[] bytes, boolean compressed) {

    /**
     * Gzips the envelope when it is larger than {@code compressAboveBytes} and that makes it
     * smaller; random or already-compressed content is kept as is, so reads need not inflate it.
     */
    public static StoredPayload of(byte[] envelope, int compressAboveBytes) {
        return of(envelope, compressAboveBytes, Compression.GZIP, 0);
    }

    /**
     * {@link #of(byte[], int)} with {@code compression}'s codec; under zstd an envelope of at most {@code zstdAboveBytes}
     * is still gzipped, as gzip stores and writes small envelopes better ({@code threadline.dynamodb.zstd-above-bytes}).
     */
    public static StoredPayload of(byte[] envelope, int compressAboveBytes, Compression compression, int zstdAboveBytes) {
        if (envelope.length <= compressAboveBytes) {
            return new StoredPayload(envelope, false);
        }
        byte[] packed = compression == Compression.ZSTD && envelope.length > zstdAboveBytes ? Zstd.compress(envelope) : Gzip.gzip(envelope);
        return packed.length < envelope.length ? new StoredPayload(packed, true) : new StoredPayload(envelope, false);
    }

    public int size() {
        return bytes.length;
    }

    /** The bytes cut into consecutive parts of at most {@code maxPartBytes}; one part when it fits. */
    public List<byte[]> parts(int maxPartBytes) {
        if (bytes.length <= maxPartBytes) {
            return List.of(bytes);
        }
        List<byte[]> parts = new ArrayList<>();
        for (int from = 0; from < bytes.length; from += maxPartBytes) {
            parts.add(Arrays.copyOfRange(bytes, from, Math.min(bytes.length, from + maxPartBytes)));
        }
        return parts;
    }

    /** {@link #of(byte[], int, Compression, int)} as {@code settings} say ({@code threadline.dynamodb.compress-above-bytes} and co.). */
    public static StoredPayload of(byte[] envelope, DynamoDbStoreSettings settings) {
        return of(envelope, settings.compressAboveBytes(), settings.compression(), settings.zstdAboveBytes());
    }

    /** Joins parts read back in order and inflates them when they were stored compressed. */
    public static byte[] envelope(List<byte[]> parts, boolean compressed) {
        return envelope(parts, compressed, InflateThreads.NONE);
    }

    /** {@link #envelope(List, boolean)}, a large payload's gzip members or zstd frames decoded on {@code helpers} too. */
    public static byte[] envelope(List<byte[]> parts, boolean compressed, InflateThreads helpers) {
        byte[] joined = Gzip.join(parts);
        if (!compressed) {
            return joined;
        }
        return ZstdFormat.isZstd(joined) ? Zstd.decompress(joined, helpers) : Gzip.gunzip(joined, helpers);
    }
}
