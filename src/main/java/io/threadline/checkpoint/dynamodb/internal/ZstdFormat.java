package io.threadline.checkpoint.dynamodb.internal;

import io.airlift.compress.zstd.ZstdDecompressor;
import io.threadline.checkpoint.dynamodb.internal.GzipFormat.Member;

import java.util.ArrayList;
import java.util.List;

/**
 * The zstd (RFC 8878) the store writes and reads, and the bounds a reader holds it to before it allocates anything.
 *
 * <p>An envelope of at most {@link GzipFormat#MEMBER_BYTES} is one frame. A larger one is a skippable frame (RFC 8878
 * §3.1.2, which every zstd reader passes over) holding an index — each frame's stored length and content size — then
 * one independent frame per {@code MEMBER_BYTES} of input, so a reader finds the frames without decoding and can decode
 * them in parallel ({@link ParallelInflate}), as with gzip members; and a lost trailing frame is an error, not a
 * payload cut short. Every frame states its content size and carries zstd's content checksum (aircompressor writes
 * both), which the reader requires.
 */
final class ZstdFormat {

    /** A zstd frame's magic number, little-endian: 28 B5 2F FD. */
    static final int FRAME_MAGIC = 0xFD2FB528;
    /** The index's skippable frame (one of the sixteen magics RFC 8878 reserves for skippable frames). */
    static final int INDEX_MAGIC = 0x184D2A5E;
    /** The index's content starts with these two bytes, so another writer's skippable frame is not taken for one. */
    private static final byte ID1 = 'T';
    private static final byte ID2 = 'L';
    /** Magic, the skippable frame's size, the id, the frame count, the payload's length. */
    static final int INDEX_HEADER = 4 + 4 + 2 + 4 + 4;
    /** Per frame: its stored length and its content size. */
    static final int INDEX_ENTRY = 8;
    /** The frame header's flag that the frame ends with a content checksum (RFC 8878 §3.1.1.1.1). */
    private static final int CHECKSUM_FLAG = 0x04;
    /** The most a frame of {@code MEMBER_BYTES} may take in the input: what the compressor itself allows for. */
    static final int MAX_FRAME_LENGTH = GzipFormat.MEMBER_BYTES + (GzipFormat.MEMBER_BYTES >>> 8) + 64;
    /** The most frames a payload may have: more would not fit the largest array a payload can be read into. */
    private static final long MAX_FRAMES = GzipFormat.MAX_ARRAY / GzipFormat.MEMBER_BYTES + 1;

    private ZstdFormat() {
    }

    /** Whether {@code in} starts as the zstd the store writes: a frame, or the index of several. */
    static boolean isZstd(byte[] in) {
        return in.length >= 4 && (intLE(in, 0) == FRAME_MAGIC || intLE(in, 0) == INDEX_MAGIC);
    }

    static boolean isIndexed(byte[] in) {
        return in.length >= INDEX_HEADER && intLE(in, 0) == INDEX_MAGIC && in[8] == ID1 && in[9] == ID2;
    }

    /** The index's length for {@code frames} frames. */
    static int indexLength(int frames) {
        return INDEX_HEADER + frames * INDEX_ENTRY;
    }

    /** The index at {@code out[0]}: the frames' stored lengths and content sizes, and the payload's length. */
    static void writeIndex(byte[] out, int[] lengths, int[] sizes, int payload) {
        GzipFormat.putIntLE(out, 0, INDEX_MAGIC);
        GzipFormat.putIntLE(out, 4, indexLength(lengths.length) - 8);
        out[8] = ID1;
        out[9] = ID2;
        GzipFormat.putIntLE(out, 10, lengths.length);
        GzipFormat.putIntLE(out, 14, payload);
        for (int k = 0; k < lengths.length; k++) {
            GzipFormat.putIntLE(out, INDEX_HEADER + k * INDEX_ENTRY, lengths[k]);
            GzipFormat.putIntLE(out, INDEX_HEADER + k * INDEX_ENTRY + 4, sizes[k]);
        }
    }

    /**
     * The frames an index names, each where it lies and where its content goes; null unless they follow the index
     * exactly to the input's end, each a frame of ours stating the size the index gives it (at most
     * {@code MEMBER_BYTES}), and their sizes add up to the payload's length. Nothing is allocated for a payload before
     * this holds.
     */
    static List<Member> frames(byte[] in) {
        if (!isIndexed(in)) {
            return null;
        }
        long count = intLE(in, 10) & 0xffffffffL;
        long payload = intLE(in, 14) & 0xffffffffL;
        if (count < 1 || count > MAX_FRAMES || payload > GzipFormat.MAX_ARRAY || in.length < indexLength((int) count)
                || (intLE(in, 4) & 0xffffffffL) != indexLength((int) count) - 8) {
            return null;
        }
        List<Member> frames = new ArrayList<>((int) count);
        long at = indexLength((int) count);
        long outAt = 0;
        for (int k = 0; k < count; k++) {
            long length = intLE(in, INDEX_HEADER + k * INDEX_ENTRY) & 0xffffffffL;
            long size = intLE(in, INDEX_HEADER + k * INDEX_ENTRY + 4) & 0xffffffffL;
            if (length > MAX_FRAME_LENGTH || length > in.length - at || size > GzipFormat.MEMBER_BYTES
                    || statedSize(in, (int) at, (int) length) != size) {
                return null;
            }
            frames.add(new Member((int) at, (int) length, (int) outAt, (int) size));
            at += length;
            outAt += size;
        }
        return at == in.length && outAt == payload ? frames : null;
    }

    /**
     * The content size the frame at {@code in[from, from + length)} states, or -1 when it is not a frame of ours: zstd's
     * magic, a stated size of at least one byte, a content checksum. A frame stating nothing is refused because the
     * decoder returns at once for an empty output, before it reads the frame or its checksum, so whatever follows
     * the header would pass unread; the writer never compresses an empty envelope.
     */
    static long statedSize(byte[] in, int from, int length) {
        if (length < 4 + 1 + 3 + 4 || intLE(in, from) != FRAME_MAGIC || (in[from + 4] & CHECKSUM_FLAG) == 0) {
            return -1;
        }
        try {
            long size = ZstdDecompressor.getDecompressedSize(in, from, length);
            return size >= 1 ? size : -1;
        } catch (RuntimeException e) {
            return -1; // a reserved bit set, a header cut short
        }
    }

    private static int intLE(byte[] b, int at) {
        return GzipFormat.intLE(b, at);
    }
}
