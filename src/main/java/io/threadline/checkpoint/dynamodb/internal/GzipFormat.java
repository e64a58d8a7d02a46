package io.threadline.checkpoint.dynamodb.internal;

import java.util.ArrayList;
import java.util.List;
import java.util.zip.Deflater;

/**
 * The gzip (RFC 1952) the store writes and reads, byte by byte: the plain header {@link java.util.zip.GZIPOutputStream}
 * writes, the header of a member of several with its {@code TL} extra field, the trailer, and the bounds a reader holds
 * stored bytes to before it allocates anything for them.
 *
 * <p>An envelope larger than {@link #MEMBER_BYTES} is written as members of that many bytes each, one after the other —
 * still one gzip stream (RFC 1952 §2.2: it inflates to the members' contents joined), which any gzip reader reads. Each
 * member's header carries an extra field (subfield "TL", as BGZF does) naming the member's stored length and the whole
 * payload's length, so a reader finds the members without inflating ({@link #members}) and can inflate them in parallel
 * ({@link ParallelInflate}); and a lost trailing member is an error, not a payload cut short.
 */
final class GzipFormat {

    /** ID1 ID2, CM deflate, no flags, no time, XFL 0, OS 255 (unknown): what GZIPOutputStream writes since JDK 16. */
    private static final byte[] HEADER = {0x1f, (byte) 0x8b, Deflater.DEFLATED, 0, 0, 0, 0, 0, 0, (byte) 0xff};
    /** The plain header's length: a member without the extra field. */
    static final int PLAIN_HEADER = HEADER.length;
    /** CRC32 and ISIZE, little-endian. */
    static final int TRAILER = 8;
    /**
     * Input bytes per member. A member restarts deflate's 32 KB window, which costs W1's low-redundancy text nothing
     * measurable (its 0.92 MB state stores 490,711 B in 128 KiB members against 490,966 B in one); small enough that a
     * 0.9 MB snapshot gives each of two threads several members to take in turn, large enough that a delta (~600 B) is
     * always one plain member. A reader refuses a member that states more.
     */
    static final int MEMBER_BYTES = 128 * 1024;
    /** FLG.FEXTRA, the only flag a member of several carries. */
    private static final int FEXTRA = 4;
    /** The extra field's subfield id, "TL". */
    private static final byte SI1 = 'T';
    private static final byte SI2 = 'L';
    /** The subfield's value: the member's length, then the whole payload's uncompressed length (4 bytes each, little-endian). */
    private static final int SUBFIELD = 8;
    /** A member's header with its extra field: the plain header, XLEN (2), SI1 SI2 (2), LEN (2), the subfield's value. */
    static final int MEMBER_HEADER = PLAIN_HEADER + 2 + 2 + 2 + SUBFIELD;
    /**
     * The most a member may take in the input: deflate stores what does not compress in blocks of at most 64 KiB with 5
     * bytes each, so a member of {@link #MEMBER_BYTES} never takes more than this; a larger stated length is corruption.
     */
    static final int MAX_MEMBER_LENGTH = MEMBER_HEADER + MEMBER_BYTES + 1024 + TRAILER;
    /** Deflate's largest expansion is about 1032:1 (RFC 1951); a stated size beyond this is not trusted with an allocation. */
    static final long MAX_INFLATE_RATIO = 1100;
    /**
     * The largest stated size allocated up front. A trailer is four bytes read from storage: a corrupt one under the
     * ratio bound could still ask for ~2 GB from a 2 MB item and end the process with an OutOfMemoryError instead of a
     * "not valid gzip" error. Above this, a reader grows its output with what really inflates: ~1 MB of forged member
     * headers names ~1 GB.
     */
    static final long MAX_PREALLOCATED = 64L * 1024 * 1024;
    /** The largest payload a Java array holds (some VMs keep a few header words in it): a larger stated one is corruption. */
    static final long MAX_ARRAY = Integer.MAX_VALUE - 8;

    private GzipFormat() {
    }

    /** Where one member lies in the input and where its bytes go in the output. */
    record Member(int from, int length, int outAt, int size) {

        /** Where its raw deflate data starts in the input. */
        int dataFrom() {
            return from + MEMBER_HEADER;
        }

        int dataLength() {
            return length - MEMBER_HEADER - TRAILER;
        }

        /** The CRC32 its trailer states. */
        int crc(byte[] in) {
            return intLE(in, from + length - TRAILER);
        }
    }

    /** The plain header at the start of {@code out}. */
    static void writePlainHeader(byte[] out, int at) {
        System.arraycopy(HEADER, 0, out, at, HEADER.length);
    }

    /**
     * A member's header at {@code out[at]}: the plain header with FLG.FEXTRA, and the extra field naming the member's
     * stored {@code length} (header and trailer included) and the whole payload's {@code payload} bytes.
     */
    static void writeMemberHeader(byte[] out, int at, int length, int payload) {
        writePlainHeader(out, at);
        out[at + 3] = FEXTRA;
        out[at + 10] = 4 + SUBFIELD; // XLEN, little-endian
        out[at + 11] = 0;
        out[at + 12] = SI1;
        out[at + 13] = SI2;
        out[at + 14] = SUBFIELD; // LEN
        out[at + 15] = 0;
        putIntLE(out, at + 16, length);
        putIntLE(out, at + 20, payload);
    }

    static void writeTrailer(byte[] out, int at, int crc, int size) {
        putIntLE(out, at, crc);
        putIntLE(out, at + 4, size);
    }

    /** One member with the plain header (no flags), as GZIPOutputStream writes it; its trailer is at the input's end. */
    static boolean isPlain(byte[] in) {
        return in.length >= PLAIN_HEADER + TRAILER && startsWithHeader(in, 0) && in[3] == 0;
    }

    /** Its first member is one of several as {@link #writeMemberHeader} writes them: the member path reads it, only it. */
    static boolean isMembers(byte[] in) {
        return in.length > 13 && startsWithHeader(in, 0) && in[3] == FEXTRA && in[12] == SI1 && in[13] == SI2;
    }

    private static boolean startsWithHeader(byte[] in, int at) {
        return in[at] == HEADER[0] && in[at + 1] == HEADER[1] && in[at + 2] == HEADER[2];
    }

    /** ISIZE of the member that ends at {@code end}, unsigned. */
    static long statedSize(byte[] in, int end) {
        return intLE(in, end - 4) & 0xffffffffL;
    }

    /** CRC32 of the member that ends at {@code end}. */
    static int statedCrc(byte[] in, int end) {
        return intLE(in, end - TRAILER);
    }

    /**
     * The members, each as its extra field states it, ending exactly at the input's end and adding up to the payload's
     * length that every member names; null otherwise. A member stating more than {@link #MEMBER_BYTES} out or
     * {@link #MAX_MEMBER_LENGTH} in is refused before anything is allocated for it.
     */
    static List<Member> members(byte[] in) {
        List<Member> members = new ArrayList<>();
        long size = 0;
        long total = -1;
        for (int at = 0; at < in.length; ) {
            if (in.length - at < MEMBER_HEADER + TRAILER || !startsWithHeader(in, at)
                    || in[at + 3] != FEXTRA || in[at + 10] != 4 + SUBFIELD || in[at + 11] != 0 || in[at + 12] != SI1
                    || in[at + 13] != SI2 || in[at + 14] != SUBFIELD || in[at + 15] != 0) {
                return null;
            }
            long length = intLE(in, at + 16) & 0xffffffffL;
            if (length < MEMBER_HEADER + TRAILER || length > MAX_MEMBER_LENGTH || length > in.length - at) {
                return null;
            }
            long payload = intLE(in, at + 20) & 0xffffffffL;
            if (total < 0) {
                if (payload > MAX_ARRAY) {
                    return null; // no envelope is larger than an array, and positions past 2^31 would overflow
                }
                total = payload;
            } else if (payload != total) {
                return null;
            }
            long stated = statedSize(in, (int) (at + length));
            if (stated > MEMBER_BYTES || stated > MAX_INFLATE_RATIO * length) {
                return null;
            }
            members.add(new Member(at, (int) length, (int) size, (int) stated));
            size += stated;
            if (size > total) { // no cap beyond this: every member is at most MEMBER_BYTES and checked against its length
                return null;
            }
            at += (int) length;
        }
        return members.isEmpty() || size != total ? null : members;
    }

    static void putIntLE(byte[] b, int at, int v) {
        b[at] = (byte) v;
        b[at + 1] = (byte) (v >>> 8);
        b[at + 2] = (byte) (v >>> 16);
        b[at + 3] = (byte) (v >>> 24);
    }

    static int intLE(byte[] b, int at) {
        return (b[at] & 0xff) | (b[at + 1] & 0xff) << 8 | (b[at + 2] & 0xff) << 16 | (b[at + 3] & 0xff) << 24;
    }
}
