package io.threadline.checkpoint.dynamodb.internal;

import io.threadline.checkpoint.dynamodb.internal.GzipFormat.Member;

import java.util.Arrays;
import java.util.List;
import java.util.concurrent.Executor;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReferenceArray;

/**
 * A payload of gzip members ({@link GzipFormat#members}) inflated by the caller and up to a number of helper threads
 * into one output: a 0.9 MB snapshot's inflate is most of what a cold read's client does after the answer (issue 22,
 * bench/README.md), and members inflate independently — where there is a core to spare ({@link InflateThreads}).
 *
 * <p>The caller inflates into the output, a helper into an array of its own that the caller copies in. So the caller
 * never waits long on a helper the scheduler has put aside (a busy machine, one vCPU's share): once no member is left
 * to take, it waits for a helper's member about as long as inflating it itself would take, then inflates it itself;
 * the helper's late array is dropped.
 */
final class ParallelInflate {

    /** One member into {@code out} from {@code outAt}: the work the caller and the helpers share out. */
    @FunctionalInterface
    interface MemberWork {
        /** False when the member does not inflate to its trailer's size and CRC. */
        boolean inflate(byte[] in, Member m, byte[] out, int outAt);
    }

    /** A helper's answer for a member that did not check out. */
    private static final byte[] FAILED = new byte[0];
    /** How long the caller waits for a helper's member when it inflated none itself to judge by: ~zlib's pace on text. */
    private static final double NANOS_PER_BYTE = 4;
    /** The longest the caller waits for a helper's member, per byte: a few times zlib's pace, however slow its own went. */
    private static final double MAX_WAIT_NANOS_PER_BYTE = 4 * NANOS_PER_BYTE;

    private ParallelInflate() {
    }

    /**
     * Members written by {@link Gzip#gzip(byte[], int)}, inflated by the caller and up to {@code helpers} threads of
     * {@code threads} into one output; null when the input is not exactly such members or one does not check out (then
     * {@link Gzip#gunzip(byte[], InflateThreads)} refuses it as not valid gzip: members have no stream-path fallback).
     */
    static byte[] inflate(byte[] in, Executor threads, int helpers) {
        return inflate(in, threads, helpers, MemberInflater::inflate);
    }

    /** {@link #inflate(byte[], Executor, int)}, each member inflated by {@code work}. */
    static byte[] inflate(byte[] in, Executor threads, int helpers, MemberWork work) {
        List<Member> members = GzipFormat.members(in);
        return members == null ? null : inflate(in, members, threads, helpers, work);
    }

    /**
     * {@code members} of {@code in}, already found and checked against their bounds (gzip members, or the frames of
     * {@link ZstdFormat#frames}), each decoded by {@code work}; null when one does not check out.
     */
    static byte[] inflate(byte[] in, List<Member> members, Executor threads, int helpers, MemberWork work) {
        int count = members.size();
        Member last = members.get(count - 1);
        int total = last.outAt() + last.size();
        if (total > GzipFormat.MAX_PREALLOCATED) {
            return inOrder(in, members, total, work);
        }
        byte[] out = new byte[total];
        AtomicInteger next = new AtomicInteger();
        AtomicReferenceArray<byte[]> fromHelpers = new AtomicReferenceArray<>(count);
        Runnable helper = () -> {
            for (int k; (k = next.getAndIncrement()) < count; ) {
                Member m = members.get(k);
                byte[] part = new byte[m.size()];
                fromHelpers.set(k, work.inflate(in, m, part, 0) ? part : FAILED);
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
            if (!work.inflate(in, m, out, m.outAt())) {
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
            } else if (!work.inflate(in, m, out, m.outAt())) {
                return null;
            }
        }
        return out;
    }

    /**
     * Members naming a payload over {@link GzipFormat#MAX_PREALLOCATED}, inflated one after the other on the caller
     * into an output that grows only as members really inflate: their headers may be forged (each may state
     * MEMBER_BYTES from ~120 stored bytes). Such a payload can be real — a 3 MB item of very repetitive state — so it is
     * read, only not in parallel. Null when a member does not check out.
     */
    private static byte[] inOrder(byte[] in, List<Member> members, int total, MemberWork work) {
        byte[] out = new byte[(int) GzipFormat.MAX_PREALLOCATED];
        for (Member m : members) {
            int end = m.outAt() + m.size();
            if (end > out.length) {
                out = Arrays.copyOf(out, (int) Math.min(total, Math.max(end, 2L * out.length)));
            }
            if (!work.inflate(in, m, out, m.outAt())) {
                return null;
            }
        }
        return out;
    }
}
