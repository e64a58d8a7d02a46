package io.threadline.checkpoint.dynamodb.internal;

import io.threadline.checkpoint.dynamodb.DynamoDbStoreSettings;

import java.io.ByteArrayOutputStream;
import java.nio.ByteBuffer;
import java.util.Arrays;
import java.util.List;

/**
 * The bytes of a pack before compression: a version byte, then each checkpoint's envelope
 * ({@link io.threadline.checkpoint.CheckpointCodec}) oldest first, each after its length as a 4-byte big-endian int.
 * Compressed as one payload ({@link StoredPayload}), so the envelopes share one dictionary: W1's deltas pack to well
 * under the sum of their items (bench/README.md).
 */
final class DeltaPackFormat {

    static final byte VERSION = 1;

    private DeltaPackFormat() {
    }

    static byte[] join(List<byte[]> envelopes) {
        int size = 1;
        for (byte[] envelope : envelopes) {
            size += Integer.BYTES + envelope.length;
        }
        ByteArrayOutputStream out = new ByteArrayOutputStream(size);
        out.write(VERSION);
        byte[] length = new byte[Integer.BYTES];
        for (byte[] envelope : envelopes) {
            ByteBuffer.wrap(length).putInt(envelope.length);
            out.writeBytes(length);
            out.writeBytes(envelope);
        }
        return out.toByteArray();
    }

    /**
     * Where each envelope lies in a pack's bytes, oldest first: its offset, then its length, for each. The envelopes are
     * decoded where they lie, not copied out first (a cold read late in a snapshot cycle reads ~1,400 of them).
     *
     * @throws IllegalArgumentException bytes that are not a pack of this version, or are cut short
     */
    static int[] envelopes(byte[] bytes) {
        if (bytes.length == 0 || bytes[0] != VERSION) {
            throw new IllegalArgumentException("not a delta pack of version " + VERSION
                    + (bytes.length == 0 ? " (no bytes)" : " (starts with " + bytes[0] + ")"));
        }
        ByteBuffer in = ByteBuffer.wrap(bytes, 1, bytes.length - 1);
        int[] ranges = new int[2 * DynamoDbStoreSettings.RECOMMENDED_DELTAS_PER_PACK];
        int count = 0;
        while (in.hasRemaining()) {
            if (in.remaining() < Integer.BYTES) {
                throw new IllegalArgumentException("a delta pack cut short after " + count + " envelopes");
            }
            int length = in.getInt();
            if (length < 0 || length > in.remaining()) {
                throw new IllegalArgumentException("envelope " + (count + 1) + " of a delta pack claims " + length
                        + " bytes, " + in.remaining() + " remain");
            }
            if (2 * count == ranges.length) {
                ranges = Arrays.copyOf(ranges, 2 * ranges.length);
            }
            ranges[2 * count] = in.position();
            ranges[2 * count + 1] = length;
            in.position(in.position() + length);
            count++;
        }
        if (count == 0) {
            throw new IllegalArgumentException("a delta pack holds no envelope");
        }
        return Arrays.copyOf(ranges, 2 * count);
    }
}
