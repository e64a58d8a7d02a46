package io.threadline.checkpoint.dynamodb.internal;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.Executor;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReferenceArray;
import java.util.function.IntConsumer;
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
 * and size in the trailer are checked. Input in another gzip form (header flags, several members written by another
 * writer) is read by {@link GZIPInputStream}.
 *
 * <p>An input larger than {@link #MEMBER_BYTES} is written as several members of that many bytes each, one after the
 * other — still one gzip stream (RFC 1952 §2.2: it inflates to the members' contents joined), which any gzip reader
 * reads, {@link GZIPInputStream} included. Each member's header carries its own length in an extra field
 * (subfield "TL", as BGZF does), so a reader finds the members without inflating and inflates them on parallel
 * threads into their places in one output: a 0.9 MB snapshot's inflate is most of what a cold read's client does after
 * the answer (issue 22, bench/README.md) — where there is a core to spare ({@link InflateThreads}). A reader without this
 * class's member path (before session 34) takes the header flag to the stream path and reads the same bytes, only not in
 * parallel — so the writer needs no staged roll-out.
 *
 * <p>Input whose first member carries the extra field is read by the member path only: {@link GZIPInputStream} takes a
 * corrupt header after the first member for trailing garbage and returns the members before it, a payload cut short
 * without an error. The extra field also names the whole payload's length, so a lost trailing member is an error too.
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
     * "not valid gzip" error. Above this, the stream path grows its buffer with what really inflates, and so do members
     * whose headers name a larger payload ({@link #inflateInOrder}): ~1 MB of forged member headers names ~1 GB.
     */
    private static final long MAX_PREALLOCATED = 64L * 1024 * 1024;
    /** Pooled (de)compressors: enough for the calls in flight on a Lambda container or a test; more are made and ended. */
    private static final int POOL = 8;
    private static final ArrayBlockingQueue<Deflater> DEFLATERS = new ArrayBlockingQueue<>(POOL);
    private static final ArrayBlockingQueue<Inflater> INFLATERS = new ArrayBlockingQueue<>(POOL);

    /**
     * Input bytes per member. A member restarts deflate's 32 KB window, which costs W1's low-redundancy text nothing
     * measurable (its 0.92 MB state stores 490,711 B in 128 KiB members against 490,966 B in one); small enough that a
     * 0.9 MB snapshot gives each of two threads several members to take in turn, large enough that a delta (~600 B) is
     * always one plain member.
     */
    static final int MEMBER_BYTES = 128 * 1024;
    /** FLG.FEXTRA, the only flag a member of several carries. */
    private static final int FEXTRA = 4;
    /** The extra field's subfield id, "TL": the field's value names the member's length and the payload's (see below). */
    private static final byte SI1 = 'T';
    private static final byte SI2 = 'L';
    /** The subfield's value: the member's length, then the whole payload's uncompressed length (4 bytes each, little-endian). */
    private static final int SUBFIELD = 8;
    /** A member's header with its extra field: the plain header, XLEN (2), SI1 SI2 (2), LEN (2), the subfield's value. */
    static final int MEMBER_HEADER = HEADER.length + 2 + 2 + 2 + SUBFIELD;
    /**
     * The most a member may take in the input: deflate stores what does not compress in blocks of at most 64 KiB with 5
     * bytes each, so a member of {@link #MEMBER_BYTES} never takes more than this; a larger stated length is corruption.
     */
    private static final int MAX_MEMBER_LENGTH = MEMBER_HEADER + MEMBER_BYTES + 1024 + TRAILER;
    /** The largest payload a Java array holds (some VMs keep a few header words in it): a larger stated one is corruption. */
    private static final long MAX_ARRAY = Integer.MAX_VALUE - 8;
    /** A helper's answer for a member that did not check out. */
    private static final byte[] FAILED = new byte[0];
    /** How long the caller waits for a helper's member when it inflated none itself to judge by: ~zlib's pace on text. */
    private static final double NANOS_PER_BYTE = 4;
    /** The longest the caller waits for a helper's member, per byte: a few times zlib's pace, however slow its own went. */
    private static final double MAX_WAIT_NANOS_PER_BYTE = 4 * NANOS_PER_BYTE;

    private Gzip() {
    }

    static byte[] gzip(byte[] in) {
        return gzip(in, MEMBER_BYTES);
    }

    /** {@code in} as one plain member when it holds at most {@code memberBytes}, else as members of that many bytes. */
    static byte[] gzip(byte[] in, int memberBytes) {
        return gzip(in, memberBytes, MAX_MEMBER_LENGTH);
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
            return member(in, 0, in.length, false);
        }
        if (memberBytes > MEMBER_BYTES) {
            // a reader refuses a member that states more than MEMBER_BYTES: such members could never be read back
            throw new IllegalArgumentException("gzip members hold at most " + MEMBER_BYTES + " bytes, got " + memberBytes);
        }
        List<byte[]> members = new ArrayList<>();
        for (int from = 0; from < in.length; from += memberBytes) {
            byte[] member = member(in, from, Math.min(in.length, from + memberBytes), true);
            if (member.length > maxMemberLength) {
                return member(in, 0, in.length, false); // every reader reads one plain member, only not in parallel
            }
            members.add(member);
        }
        return join(members);
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

    /** One gzip member of {@code in[from, to)}; {@code sized}: with the extra field holding the member's length. */
    private static byte[] member(byte[] in, int from, int to, boolean sized) {
        int headerLength = sized ? MEMBER_HEADER : HEADER.length;
        Deflater deflater = DEFLATERS.poll();
        if (deflater == null) {
            deflater = new Deflater(Deflater.DEFAULT_COMPRESSION, true);
        }
        try {
            byte[] out = Arrays.copyOf(HEADER, Math.max(64, headerLength + (to - from) / 2 + TRAILER));
            int at = headerLength;
            // GZIPOutputStream's sequence: the input, deflated until it is taken in, then finish.
            deflater.setInput(in, from, to - from);
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
            crc.update(in, from, to - from);
            out = Arrays.copyOf(out, at + TRAILER);
            putIntLE(out, at, (int) crc.getValue());
            putIntLE(out, at + 4, to - from);
            if (sized) {
                out[3] = FEXTRA;
                out[10] = 4 + SUBFIELD; // XLEN, little-endian
                out[11] = 0;
                out[12] = SI1;
                out[13] = SI2;
                out[14] = SUBFIELD; // LEN
                out[15] = 0;
                putIntLE(out, 16, out.length);
                putIntLE(out, 20, in.length);
            }
            return out;
        } finally {
            deflater.reset();
            if (!DEFLATERS.offer(deflater)) {
                deflater.end();
            }
        }
    }

    static byte[] gunzip(byte[] in) {
        return gunzip(in, InflateThreads.NONE);
    }

    /** {@code in} inflated; a payload of members also on {@code helpers}. */
    static byte[] gunzip(byte[] in, InflateThreads helpers) {
        if (in.length >= HEADER.length + TRAILER && in[0] == HEADER[0] && in[1] == HEADER[1] && in[2] == HEADER[2] && in[3] == 0) {
            long stated = intLE(in, in.length - 4) & 0xffffffffL;
            if (stated <= MAX_INFLATE_RATIO * in.length && stated <= MAX_PREALLOCATED) {
                byte[] out = inflate(in, (int) stated);
                if (out != null) {
                    return out;
                }
            }
        }
        if (in.length > 13 && in[0] == HEADER[0] && in[1] == HEADER[1] && in[2] == HEADER[2] && in[3] == FEXTRA
                && in[12] == SI1 && in[13] == SI2) {
            byte[] out = inflateMembers(in, helpers.threads(), helpers.count());
            if (out == null) {
                throw new UncheckedIOException("a stored checkpoint is not valid gzip",
                        new IOException("its gzip members are not the members their headers name (corrupt, or some lost)"));
            }
            return out;
        }
        try (GZIPInputStream gz = new GZIPInputStream(new ByteArrayInputStream(in), 8192)) {
            return gz.readAllBytes();
        } catch (IOException e) {
            throw new UncheckedIOException("a stored checkpoint is not valid gzip", e);
        }
    }

    /** The one member of a plain gzip (no header flags), or null when it is not one that checks out. */
    private static byte[] inflate(byte[] in, int size) {
        byte[] out = new byte[size];
        return inflate(in, HEADER.length, in.length - HEADER.length - TRAILER, out, 0, size, intLE(in, in.length - TRAILER)) ? out : null;
    }

    /** Where one member lies in the input and where its bytes go in the output. */
    private record Member(int from, int length, int outAt, int size) {}

    /**
     * Members written by {@link #gzip(byte[], int)}, inflated by the caller and up to {@code helpers} threads of
     * {@code threads} into one output; null when the input is not exactly such members or one does not check out (then
     * {@link #gunzip(byte[], InflateThreads)} refuses it as not valid gzip: members have no stream-path fallback).
     *
     * <p>The caller inflates into the output, a helper into an array of its own that the caller copies in. So the caller
     * never waits long on a helper the scheduler has put aside (a busy machine, one vCPU's share): once no member is left
     * to take, it waits for a helper's member about as long as inflating it itself would take, then inflates it itself;
     * the helper's late array is dropped.
     */
    static byte[] inflateMembers(byte[] in, Executor threads, int helpers) {
        return inflateMembers(in, threads, helpers, k -> { });
    }

    /** {@link #inflateMembers(byte[], Executor, int)}; a helper runs {@code claimed} on each member it takes, first. */
    static byte[] inflateMembers(byte[] in, Executor threads, int helpers, IntConsumer claimed) {
        List<Member> members = members(in);
        if (members == null) {
            return null;
        }
        int count = members.size();
        Member last = members.get(count - 1);
        int total = last.outAt() + last.size();
        if (total > MAX_PREALLOCATED) {
            return inflateInOrder(in, members, total);
        }
        byte[] out = new byte[total];
        AtomicInteger next = new AtomicInteger();
        AtomicReferenceArray<byte[]> fromHelpers = new AtomicReferenceArray<>(count);
        Runnable helper = () -> {
            for (int k; (k = next.getAndIncrement()) < count; ) {
                claimed.accept(k);
                Member m = members.get(k);
                byte[] part = new byte[m.size()];
                fromHelpers.set(k, inflate(in, m, part, 0) ? part : FAILED);
            }
        };
        for (int h = 0; h < Math.min(helpers, count - 1); h++) {
            try {
                threads.execute(helper);
            } catch (RejectedExecutionException busy) {
                break; // every helper is on another read's members: the caller takes the rest
            }
        }
        boolean[] mine = new boolean[count];
        long callerNanos = 0;
        long callerBytes = 0;
        for (int k; (k = next.getAndIncrement()) < count; ) {
            Member m = members.get(k);
            long t0 = System.nanoTime();
            if (!inflate(in, m, out, m.outAt())) {
                return null;
            }
            callerNanos += System.nanoTime() - t0;
            callerBytes += m.size();
            mine[k] = true;
        }
        // The caller's own pace, but one preempted member of its own must not stretch every wait after it.
        double nanosPerByte = Math.min(callerBytes > 0 ? (double) callerNanos / callerBytes : NANOS_PER_BYTE, MAX_WAIT_NANOS_PER_BYTE);
        for (int k = 0; k < count; k++) {
            if (mine[k]) {
                continue;
            }
            Member m = members.get(k);
            long deadline = System.nanoTime() + (long) (nanosPerByte * m.size());
            byte[] part;
            // Spun, not parked: a parked caller gives up its core, and on a busy machine getting it back took longer than
            // inflating the member (a 0.9 MB state read back in 7.5 ms against 3.0 ms on one thread, load 13).
            while ((part = fromHelpers.get(k)) == null && System.nanoTime() - deadline < 0) {
                Thread.onSpinWait();
            }
            if (part == FAILED) {
                return null;
            }
            if (part != null) {
                System.arraycopy(part, 0, out, m.outAt(), m.size());
            } else if (!inflate(in, m, out, m.outAt())) {
                return null;
            }
        }
        return out;
    }

    /**
     * Members naming a payload over {@link #MAX_PREALLOCATED}, inflated one after the other on the caller into an output
     * that grows only as members really inflate: their headers may be forged (each may state MEMBER_BYTES from ~120
     * stored bytes). Such a payload can be real — a 3 MB item of very repetitive state — so it is read, only not in
     * parallel. Null when a member does not check out.
     */
    private static byte[] inflateInOrder(byte[] in, List<Member> members, int total) {
        byte[] out = new byte[(int) MAX_PREALLOCATED];
        for (Member m : members) {
            int end = m.outAt() + m.size();
            if (end > out.length) {
                out = Arrays.copyOf(out, (int) Math.min(total, Math.max(end, 2L * out.length)));
            }
            if (!inflate(in, m, out, m.outAt())) {
                return null;
            }
        }
        return out;
    }

    /**
     * The members, each as its extra field states it, ending exactly at the input's end and adding up to the payload's
     * length that every member names; null otherwise. A member stating more than {@link #MEMBER_BYTES} out or
     * {@link #MAX_MEMBER_LENGTH} in is refused before anything is allocated for it.
     */
    private static List<Member> members(byte[] in) {
        List<Member> members = new ArrayList<>();
        long size = 0;
        long total = -1;
        for (int at = 0; at < in.length; ) {
            if (in.length - at < MEMBER_HEADER + TRAILER || in[at] != HEADER[0] || in[at + 1] != HEADER[1] || in[at + 2] != HEADER[2]
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
            long stated = intLE(in, (int) (at + length - 4)) & 0xffffffffL;
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

    /** One member into {@code out} from {@code outAt}; false when it does not inflate to its trailer's size and CRC. */
    private static boolean inflate(byte[] in, Member m, byte[] out, int outAt) {
        return inflate(in, m.from() + MEMBER_HEADER, m.length() - MEMBER_HEADER - TRAILER, out, outAt, m.size(),
                intLE(in, m.from() + m.length() - TRAILER));
    }

    /**
     * Raw deflate data {@code in[from, from + length)} into exactly {@code out[outAt, outAt + size)}; false when it
     * inflates to more or less, or its CRC is not {@code crc}.
     */
    private static boolean inflate(byte[] in, int from, int length, byte[] out, int outAt, int size, int crc) {
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
