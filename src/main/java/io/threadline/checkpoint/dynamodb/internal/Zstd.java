package io.threadline.checkpoint.dynamodb.internal;

import io.airlift.compress.zstd.ZstdCompressor;
import io.airlift.compress.zstd.ZstdDecompressor;
import io.threadline.checkpoint.dynamodb.internal.GzipFormat.Member;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.ArrayBlockingQueue;

/**
 * zstd of whole byte arrays in the layout of {@link ZstdFormat}, with aircompressor's pure-Java codec (no native
 * library: nothing to load or register for a native image, the same bytes on every platform). Its decoder keeps
 * work tables between calls and is not thread-safe, so decoders are pooled like the inflaters ({@link MemberInflater}).
 */
final class Zstd {

    /** Enough for the reads in flight on a Lambda container or a test (and a read's helpers); more are made and dropped. */
    private static final int POOL = 8;
    private static final ArrayBlockingQueue<ZstdDecompressor> DECODERS = new ArrayBlockingQueue<>(POOL);
    /** Holds no state between calls. */
    private static final ZstdCompressor COMPRESSOR = new ZstdCompressor();

    private Zstd() {
    }

    /** {@code in} as one frame when it holds at most {@link GzipFormat#MEMBER_BYTES}, else indexed frames of that many. */
    static byte[] compress(byte[] in) {
        if (in.length <= GzipFormat.MEMBER_BYTES) {
            byte[] out = new byte[COMPRESSOR.maxCompressedLength(in.length)];
            return Arrays.copyOf(out, COMPRESSOR.compress(in, 0, in.length, out, 0, out.length));
        }
        int count = (in.length + GzipFormat.MEMBER_BYTES - 1) / GzipFormat.MEMBER_BYTES;
        int[] lengths = new int[count];
        int[] sizes = new int[count];
        int index = ZstdFormat.indexLength(count);
        // Room for what does not compress, so the frames go straight into their places and are copied once, as gzip's.
        byte[] out = new byte[index + count * COMPRESSOR.maxCompressedLength(GzipFormat.MEMBER_BYTES)];
        int at = index;
        for (int k = 0; k < count; k++) {
            int from = k * GzipFormat.MEMBER_BYTES;
            sizes[k] = Math.min(GzipFormat.MEMBER_BYTES, in.length - from);
            lengths[k] = COMPRESSOR.compress(in, from, sizes[k], out, at, out.length - at);
            at += lengths[k];
        }
        ZstdFormat.writeIndex(out, lengths, sizes, in.length);
        return Arrays.copyOf(out, at);
    }

    /** {@code in} decoded; indexed frames also on {@code helpers}. */
    static byte[] decompress(byte[] in, InflateThreads helpers) {
        if (ZstdFormat.isIndexed(in)) {
            List<Member> frames = ZstdFormat.frames(in);
            byte[] out = frames == null ? null : ParallelInflate.inflate(in, frames, helpers.threads(), helpers.count(), Zstd::frame);
            if (out == null) {
                throw invalid("its frames are not the frames its index names (corrupt, or some lost)", null);
            }
            return out;
        }
        long stated = ZstdFormat.statedSize(in, 0, in.length);
        if (stated < 0 || stated > GzipFormat.MEMBER_BYTES) {
            // the writer puts more than MEMBER_BYTES only in indexed frames: a larger stated size is corruption
            throw invalid("its frame does not state a size of 1 to " + GzipFormat.MEMBER_BYTES + " bytes with a checksum", null);
        }
        byte[] out = new byte[(int) stated];
        try {
            if (decode(in, 0, in.length, out, 0, out.length) != out.length) {
                throw invalid("its frame holds fewer bytes than it states", null);
            }
        } catch (RuntimeException e) {
            throw e instanceof UncheckedIOException u ? u : invalid("its frame does not decode", e);
        }
        return out;
    }

    /** Frame {@code m} of {@code in} into exactly {@code out[outAt, outAt + m.size())}; false when it holds more or less, or is corrupt. */
    static boolean frame(byte[] in, Member m, byte[] out, int outAt) {
        try {
            // An output of exactly the stated size: a frame that holds more fails in the decoder, before it writes past it.
            return decode(in, m.from(), m.length(), out, outAt, m.size()) == m.size();
        } catch (RuntimeException e) {
            return false;
        }
    }

    /** aircompressor's decode (which checks the content checksum) on a pooled decoder. */
    private static int decode(byte[] in, int from, int length, byte[] out, int outAt, int size) {
        ZstdDecompressor decoder = DECODERS.poll();
        if (decoder == null) {
            decoder = new ZstdDecompressor();
        }
        int written = decoder.decompress(in, from, length, out, outAt, size);
        DECODERS.offer(decoder); // not one that failed mid-frame: whatever it left in its tables goes with it
        return written;
    }

    private static UncheckedIOException invalid(String why, Exception cause) {
        return new UncheckedIOException("a stored item is not valid zstd",
                cause == null ? new IOException(why) : new IOException(why, cause));
    }
}
