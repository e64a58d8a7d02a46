package io.threadline.checkpoint.dynamodb.internal;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.zip.CRC32;
import java.util.zip.Deflater;
import java.util.zip.GZIPInputStream;

/**
 * gzip (RFC 1952) of whole byte arrays, as {@link java.util.zip.GZIPOutputStream} writes it — the same header, the
 * same calls into the same deflater, so the same bytes — with the deflaters kept in a small pool: a new one per call
 * costs zlib's set-up and tear-down (a few hundred KB of native buffers allocated and cleared, a cleaner registered),
 * which for a step's 500-byte delta is most of what compressing it costs (issue 22). An input larger than
 * {@link GzipFormat#MEMBER_BYTES} is written as several members ({@link GzipFormat}), which a read inflates on the
 * caller and, where configured, on helper threads ({@link ParallelInflate}). Input in another gzip form (header flags,
 * several members written by another writer) is read by {@link GZIPInputStream}.
 *
 * <p>A reader without the member path (before session 34) takes the member header's flag to the stream path and reads
 * the same bytes, only not in parallel — so the writer needs no staged roll-out. Input whose first member carries the
 * extra field is read by the member path only: {@link GZIPInputStream} takes a corrupt header after the first member
 * for trailing garbage and returns the members before it, a payload cut short without an error.
 */
final class Gzip {

    /** Pooled deflaters: enough for the commits in flight on a Lambda container or a test; more are made and ended. */
    private static final int POOL = 8;
    private static final ArrayBlockingQueue<Deflater> DEFLATERS = new ArrayBlockingQueue<>(POOL);

    private Gzip() {
    }

    static byte[] gzip(byte[] in) {
        return gzip(in, GzipFormat.MEMBER_BYTES);
    }

    /** {@code in} as one plain member when it holds at most {@code memberBytes}, else as members of that many bytes. */
    static byte[] gzip(byte[] in, int memberBytes) {
        return gzip(in, memberBytes, GzipFormat.MAX_MEMBER_LENGTH);
    }

    /**
     * {@link #gzip(byte[], int)}, but one plain member for the whole input when a member comes out longer than
     * {@code maxMemberLength}: the reader refuses such a member, so the checkpoint would commit and never read back. Stock
     * zlib stays ~50 B a member over the input even on random bytes; another zlib under the JDK (zlib-ng) need not.
     */
    static byte[] gzip(byte[] in, int memberBytes, int maxMemberLength) {
        if (memberBytes <= 0) {
            throw new IllegalArgumentException("gzip members hold at least one byte, got " + memberBytes);
        }
        if (in.length <= memberBytes) {
            return plain(in);
        }
        if (memberBytes > GzipFormat.MEMBER_BYTES) {
            // a reader refuses a member that states more than MEMBER_BYTES: such members could never be read back
            throw new IllegalArgumentException("gzip members hold at most " + GzipFormat.MEMBER_BYTES + " bytes, got " + memberBytes);
        }
        int count = (in.length + memberBytes - 1) / memberBytes;
        // Room for what does not compress (deflate's stored blocks: 5 bytes per 64 KiB at most), so the members are
        // deflated straight into their places in one output and copied once, into an array of their exact length. The
        // price: an input-sized array while writing, however well the input compresses.
        Output out = new Output(in.length + (in.length >> 10) + count * (GzipFormat.MEMBER_HEADER + GzipFormat.TRAILER + 64));
        Deflater deflater = deflater();
        try {
            for (int from = 0; from < in.length; from += memberBytes) {
                int start = out.at;
                member(deflater, in, from, Math.min(in.length, from + memberBytes), GzipFormat.MEMBER_HEADER, out);
                int length = out.at - start;
                if (length > maxMemberLength) {
                    return plain(in); // every reader reads one plain member, only not in parallel
                }
                GzipFormat.writeMemberHeader(out.bytes, start, length, in.length);
            }
        } finally {
            release(deflater);
        }
        return out.exact();
    }

    /** The whole input as one member with the plain header: GZIPOutputStream's bytes. */
    private static byte[] plain(byte[] in) {
        Output out = new Output(Math.max(64, GzipFormat.PLAIN_HEADER + in.length / 2 + GzipFormat.TRAILER));
        Deflater deflater = deflater();
        try {
            member(deflater, in, 0, in.length, GzipFormat.PLAIN_HEADER, out);
        } finally {
            release(deflater);
        }
        GzipFormat.writePlainHeader(out.bytes, 0);
        return out.exact();
    }

    /**
     * One member of {@code in[from, to)} at the output's end: {@code headerLength} bytes left for its header (the caller
     * writes it, once the member's length is known), the deflate data, the trailer. GZIPOutputStream's sequence of calls:
     * the input, deflated until it is taken in, then finish.
     */
    private static void member(Deflater deflater, byte[] in, int from, int to, int headerLength, Output out) {
        out.room(headerLength);
        out.at += headerLength;
        deflater.setInput(in, from, to - from);
        while (!deflater.needsInput()) {
            out.room(1);
            out.at += deflater.deflate(out.bytes, out.at, out.bytes.length - out.at);
        }
        deflater.finish();
        while (!deflater.finished()) {
            out.room(1);
            out.at += deflater.deflate(out.bytes, out.at, out.bytes.length - out.at);
        }
        deflater.reset();
        CRC32 crc = new CRC32();
        crc.update(in, from, to - from);
        out.room(GzipFormat.TRAILER);
        GzipFormat.writeTrailer(out.bytes, out.at, (int) crc.getValue(), to - from);
        out.at += GzipFormat.TRAILER;
    }

    /** A byte array filled from the start, doubled when full. */
    private static final class Output {
        byte[] bytes;
        int at;

        Output(int capacity) {
            bytes = new byte[capacity];
        }

        void room(int more) {
            if (bytes.length - at < more) {
                bytes = Arrays.copyOf(bytes, Math.max(2 * bytes.length, at + more));
            }
        }

        byte[] exact() {
            return at == bytes.length ? bytes : Arrays.copyOf(bytes, at);
        }
    }

    private static Deflater deflater() {
        Deflater deflater = DEFLATERS.poll();
        return deflater != null ? deflater : new Deflater(Deflater.DEFAULT_COMPRESSION, true);
    }

    private static void release(Deflater deflater) {
        deflater.reset();
        if (!DEFLATERS.offer(deflater)) {
            deflater.end();
        }
    }

    /** The arrays one after the other (the array itself when there is one). */
    static byte[] join(List<byte[]> parts) {
        if (parts.size() == 1) {
            return parts.get(0);
        }
        int total = 0;
        for (byte[] p : parts) {
            total += p.length;
        }
        byte[] out = new byte[total];
        int at = 0;
        for (byte[] p : parts) {
            System.arraycopy(p, 0, out, at, p.length);
            at += p.length;
        }
        return out;
    }

    static byte[] gunzip(byte[] in) {
        return gunzip(in, InflateThreads.NONE);
    }

    /** {@code in} inflated; a payload of members also on {@code helpers}. */
    static byte[] gunzip(byte[] in, InflateThreads helpers) {
        if (GzipFormat.isPlain(in)) {
            long stated = GzipFormat.statedSize(in, in.length);
            if (stated <= GzipFormat.MAX_INFLATE_RATIO * in.length && stated <= GzipFormat.MAX_PREALLOCATED) {
                byte[] out = new byte[(int) stated];
                if (MemberInflater.inflate(in, GzipFormat.PLAIN_HEADER, in.length - GzipFormat.PLAIN_HEADER - GzipFormat.TRAILER,
                        out, 0, out.length, GzipFormat.statedCrc(in, in.length))) {
                    return out;
                }
            }
        }
        if (GzipFormat.isMembers(in)) {
            byte[] out = ParallelInflate.inflate(in, helpers.threads(), helpers.count());
            if (out == null) {
                throw new UncheckedIOException("a stored item is not valid gzip",
                        new IOException("its gzip members are not the members their headers name (corrupt, or some lost)"));
            }
            return out;
        }
        try (GZIPInputStream gz = new GZIPInputStream(new ByteArrayInputStream(in), 8192)) {
            return gz.readAllBytes();
        } catch (IOException e) {
            throw new UncheckedIOException("a stored item is not valid gzip", e);
        }
    }
}
