package io.threadline.checkpoint.dynamodb.internal;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.Arrays;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.zip.CRC32;
import java.util.zip.DataFormatException;
import java.util.zip.Deflater;
import java.util.zip.GZIPInputStream;
import java.util.zip.Inflater;

/**
 * gzip (RFC 1952) of whole byte arrays, as {@link java.util.zip.GZIPOutputStream} writes it — the same header, the
 * same calls into the same deflater, so the same bytes — with the deflaters and inflaters kept in a small pool. A new
 * one per call costs zlib's set-up and tear-down (a few hundred KB of native buffers allocated and cleared, a cleaner
 * registered), which for a step's 500-byte delta is most of what compressing it costs (issue 22). Inflating sizes its
 * output from the trailer (ISIZE), so a large snapshot is not copied again and again into a growing buffer; the CRC
 * and size in the trailer are checked. Input in another gzip form (header flags, several members) is read by
 * {@link GZIPInputStream}.
 */
final class Gzip {

    /** ID1 ID2, CM deflate, no flags, no time, XFL 0, OS 255 (unknown): what GZIPOutputStream writes since JDK 16. */
    private static final byte[] HEADER = {0x1f, (byte) 0x8b, Deflater.DEFLATED, 0, 0, 0, 0, 0, 0, (byte) 0xff};
    private static final int TRAILER = 8;
    /** Deflate's largest expansion is about 1032:1 (RFC 1951); a stated size beyond this is not trusted with an allocation. */
    private static final long MAX_INFLATE_RATIO = 1100;
    /**
     * The largest stated size allocated up front. The trailer is four bytes read from storage: a corrupt one under the
     * ratio bound could still ask for ~2 GB from a 2 MB item and end the process with an OutOfMemoryError instead of a
     * "not valid gzip" error. Above this, the stream path grows its buffer with what really inflates.
     */
    private static final long MAX_PREALLOCATED = 64L * 1024 * 1024;
    /** Pooled (de)compressors: enough for the calls in flight on a Lambda container or a test; more are made and ended. */
    private static final int POOL = 8;
    private static final ArrayBlockingQueue<Deflater> DEFLATERS = new ArrayBlockingQueue<>(POOL);
    private static final ArrayBlockingQueue<Inflater> INFLATERS = new ArrayBlockingQueue<>(POOL);

    private Gzip() {
    }

    static byte[] gzip(byte[] in) {
        Deflater deflater = DEFLATERS.poll();
        if (deflater == null) {
            deflater = new Deflater(Deflater.DEFAULT_COMPRESSION, true);
        }
        try {
            byte[] out = Arrays.copyOf(HEADER, Math.max(64, HEADER.length + in.length / 2 + TRAILER));
            int at = HEADER.length;
            // GZIPOutputStream's sequence: the input, deflated until it is taken in, then finish.
            deflater.setInput(in);
            while (!deflater.needsInput()) {
                out = room(out, at);
                at += deflater.deflate(out, at, out.length - at);
            }
            deflater.finish();
            while (!deflater.finished()) {
                out = room(out, at);
                at += deflater.deflate(out, at, out.length - at);
            }
            CRC32 crc = new CRC32();
            crc.update(in);
            out = Arrays.copyOf(out, at + TRAILER);
            putIntLE(out, at, (int) crc.getValue());
            putIntLE(out, at + 4, in.length);
            return out;
        } finally {
            deflater.reset();
            if (!DEFLATERS.offer(deflater)) {
                deflater.end();
            }
        }
    }

    static byte[] gunzip(byte[] in) {
        if (in.length >= HEADER.length + TRAILER && in[0] == HEADER[0] && in[1] == HEADER[1] && in[2] == HEADER[2] && in[3] == 0) {
            long stated = intLE(in, in.length - 4) & 0xffffffffL;
            if (stated <= MAX_INFLATE_RATIO * in.length && stated <= MAX_PREALLOCATED) {
                byte[] out = inflate(in, (int) stated);
                if (out != null) {
                    return out;
                }
            }
        }
        try (GZIPInputStream gz = new GZIPInputStream(new ByteArrayInputStream(in), 8192)) {
            return gz.readAllBytes();
        } catch (IOException e) {
            throw new UncheckedIOException("a stored checkpoint is not valid gzip", e);
        }
    }

    /** The one member of a plain gzip (no header flags), or null when it is not one that checks out. */
    private static byte[] inflate(byte[] in, int size) {
        Inflater inflater = INFLATERS.poll();
        if (inflater == null) {
            inflater = new Inflater(true);
        }
        try {
            inflater.setInput(in, HEADER.length, in.length - HEADER.length - TRAILER);
            byte[] out = new byte[size];
            int n = 0;
            while (n < size && !inflater.finished()) {
                int got = inflater.inflate(out, n, size - n);
                if (got == 0 && (inflater.needsInput() || inflater.needsDictionary())) {
                    return null;
                }
                n += got;
            }
            if (n == size && !inflater.finished() && inflater.inflate(new byte[1]) != 0) {
                return null; // more than the trailer states
            }
            if (n != size || !inflater.finished() || inflater.getRemaining() != 0) {
                return null;
            }
            CRC32 crc = new CRC32();
            crc.update(out);
            return (int) crc.getValue() == intLE(in, in.length - TRAILER) ? out : null;
        } catch (DataFormatException e) {
            return null;
        } finally {
            inflater.reset();
            if (!INFLATERS.offer(inflater)) {
                inflater.end();
            }
        }
    }

    private static byte[] room(byte[] out, int at) {
        return at < out.length ? out : Arrays.copyOf(out, out.length * 2);
    }

    private static void putIntLE(byte[] b, int at, int v) {
        b[at] = (byte) v;
        b[at + 1] = (byte) (v >>> 8);
        b[at + 2] = (byte) (v >>> 16);
        b[at + 3] = (byte) (v >>> 24);
    }

    private static int intLE(byte[] b, int at) {
        return (b[at] & 0xff) | (b[at + 1] & 0xff) << 8 | (b[at + 2] & 0xff) << 16 | (b[at + 3] & 0xff) << 24;
    }
}
