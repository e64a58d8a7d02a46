package io.threadline.checkpoint.dynamodb.internal;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * A checkpoint's envelope ({@link io.threadline.checkpoint.CheckpointCodec}) as it goes into the table:
 * gzip-compressed when that pays, then cut into parts of at most one item's worth of data.
 *
 * @param bytes      the stored bytes (compressed or not)
 * @param compressed whether {@code bytes} are gzip
 */
public record StoredPayload(byte[] bytes, boolean compressed) {

    /**
     * Compresses the envelope when it is larger than {@code compressAboveBytes} and gzip makes it
     * smaller; random or already-compressed content is kept as is, so reads need not inflate it.
     */
    public static StoredPayload of(byte[] envelope, int compressAboveBytes) {
        if (envelope.length <= compressAboveBytes) {
            return new StoredPayload(envelope, false);
        }
        byte[] gz = Gzip.gzip(envelope);
        return gz.length < envelope.length ? new StoredPayload(gz, true) : new StoredPayload(envelope, false);
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

    /** Joins parts read back in order and inflates them when they were stored compressed. */
    public static byte[] envelope(List<byte[]> parts, boolean compressed) {
        return envelope(parts, compressed, InflateThreads.NONE);
    }

    /** {@link #envelope(List, boolean)}, a large payload's gzip members inflated on {@code helpers} too. */
    public static byte[] envelope(List<byte[]> parts, boolean compressed, InflateThreads helpers) {
        byte[] joined = Gzip.join(parts);
        return compressed ? Gzip.gunzip(joined, helpers) : joined;
    }
}
