package io.threadline.checkpoint.dynamodb.internal;

import java.io.ByteArrayOutputStream;
import java.nio.ByteBuffer;
import java.util.ArrayList;
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

    /** @throws IllegalArgumentException bytes that are not a pack of this version, or are cut short */
    static List<byte[]> split(byte[] bytes) {
        if (bytes.length == 0 || bytes[0] != VERSION) {
            throw new IllegalArgumentException("not a delta pack of version " + VERSION
                    + (bytes.length == 0 ? " (no bytes)" : " (starts with " + bytes[0] + ")"));
        }
        ByteBuffer in = ByteBuffer.wrap(bytes, 1, bytes.length - 1);
        List<byte[]> envelopes = new ArrayList<>();
        while (in.hasRemaining()) {
            if (in.remaining() < Integer.BYTES) {
                throw new IllegalArgumentException("a delta pack cut short after " + envelopes.size() + " envelopes");
            }
            int length = in.getInt();
            if (length < 0 || length > in.remaining()) {
                throw new IllegalArgumentException("envelope " + (envelopes.size() + 1) + " of a delta pack claims " + length
                        + " bytes, " + in.remaining() + " remain");
            }
            byte[] envelope = new byte[length];
            in.get(envelope);
            envelopes.add(envelope);
        }
        if (envelopes.isEmpty()) {
            throw new IllegalArgumentException("a delta pack holds no envelope");
        }
        return envelopes;
    }
}
