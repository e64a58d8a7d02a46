package io.threadline.checkpoint.dynamodb.internal;

import io.threadline.checkpoint.dynamodb.internal.GzipFormat.Member;

import java.util.concurrent.ArrayBlockingQueue;
import java.util.zip.CRC32;
import java.util.zip.DataFormatException;
import java.util.zip.Inflater;

/**
 * One gzip member's raw deflate data inflated into exactly the place its trailer names, its CRC checked, on inflaters
 * kept in a small pool: a new one per call costs zlib's set-up and tear-down (native buffers allocated and cleared, a
 * cleaner registered), which for a step's small delta is most of what reading it costs (issue 22). Inflating into the
 * size the trailer states means a large snapshot is not copied again and again into a growing buffer.
 */
final class MemberInflater {

    /** Enough for the reads in flight on a Lambda container or a test (and a read's helpers); more are made and ended. */
    private static final int POOL = 8;
    private static final ArrayBlockingQueue<Inflater> INFLATERS = new ArrayBlockingQueue<>(POOL);

    private MemberInflater() {
    }

    /** Member {@code m} of {@code in} into {@code out} from {@code outAt}; false when it does not inflate to its trailer's size and CRC. */
    static boolean inflate(byte[] in, Member m, byte[] out, int outAt) {
        return inflate(in, m.dataFrom(), m.dataLength(), out, outAt, m.size(), m.crc(in));
    }

    /**
     * Raw deflate data {@code in[from, from + length)} into exactly {@code out[outAt, outAt + size)}; false when it
     * inflates to more or less, or its CRC is not {@code crc}.
     */
    static boolean inflate(byte[] in, int from, int length, byte[] out, int outAt, int size, int crc) {
        Inflater inflater = INFLATERS.poll();
        if (inflater == null) {
            inflater = new Inflater(true);
        }
        try {
            inflater.setInput(in, from, length);
            int end = outAt + size;
            int n = outAt;
            while (n < end && !inflater.finished()) {
                int got = inflater.inflate(out, n, end - n);
                if (got == 0 && (inflater.needsInput() || inflater.needsDictionary())) {
                    return false;
                }
                n += got;
            }
            if (n == end && !inflater.finished() && inflater.inflate(new byte[1]) != 0) {
                return false; // more than the trailer states
            }
            if (n != end || !inflater.finished() || inflater.getRemaining() != 0) {
                return false;
            }
            CRC32 check = new CRC32();
            check.update(out, outAt, size);
            return (int) check.getValue() == crc;
        } catch (DataFormatException | RuntimeException e) {
            return false;
        } finally {
            inflater.reset();
            if (!INFLATERS.offer(inflater)) {
                inflater.end();
            }
        }
    }
}
