package io.threadline.checkpoint.dynamodb.internal;

import com.sun.management.ThreadMXBean;
import org.junit.jupiter.api.Test;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.lang.management.ManagementFactory;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.Executor;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.zip.GZIPInputStream;
import java.util.zip.GZIPOutputStream;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class GzipTest {

    private static byte[] reference(byte[] in) throws IOException {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        try (GZIPOutputStream gz = new GZIPOutputStream(out, 8192)) {
            gz.write(in);
        }
        return out.toByteArray();
    }

    /** Conversation-like JSON text of {@code bytes} bytes, the same for a given length (ZstdTest's too). */
    static byte[] text(int bytes) {
        StringBuilder b = new StringBuilder();
        Random r = new Random(7);
        while (b.length() < bytes) {
            b.append("{\"role\":\"assistant\",\"content\":\"turn ").append(r.nextInt(1000)).append(' ')
                    .append("abcdefghij".repeat(1 + r.nextInt(5))).append("\"},");
        }
        return b.substring(0, bytes).getBytes(StandardCharsets.UTF_8);
    }

    @Test
    void writesTheBytesGzipOutputStreamWritesAndReadsThemBack() throws IOException {
        byte[] random = new byte[70_000];
        new Random(3).nextBytes(random);
        for (byte[] in : new byte[][] {new byte[0], text(1), text(300), text(700), text(20_000), text(1_000_000), random}) {
            // one member (what gzip writes up to MEMBER_BYTES): GZIPOutputStream's bytes
            assertThat(Gzip.gzip(in, Integer.MAX_VALUE)).as("%d bytes", in.length).isEqualTo(reference(in));
            byte[] gz = Gzip.gzip(in);
            if (in.length <= GzipFormat.MEMBER_BYTES) {
                assertThat(gz).isEqualTo(reference(in));
            }
            assertThat(Gzip.gunzip(gz)).isEqualTo(in);
            // again, on the pooled deflater and inflater
            assertThat(Gzip.gzip(in)).isEqualTo(gz);
            assertThat(Gzip.gunzip(gz)).isEqualTo(in);
        }
    }

    @Test
    void readsGzipOfAnotherFormThroughTheStream() throws IOException {
        byte[] a = text(900);
        byte[] b = text(400);
        // two members, one after the other (RFC 1952 allows it): the trailer names only the last one's size
        byte[] two = concat(reference(a), reference(b));
        assertThat(Gzip.gunzip(two)).isEqualTo(concat(a, b));
        // a header with a file name (FLG.FNAME)
        byte[] named = reference(a);
        byte[] withName = concat(Arrays.copyOf(named, 10), "name\0".getBytes(StandardCharsets.ISO_8859_1),
                Arrays.copyOfRange(named, 10, named.length));
        withName[3] = 0x08;
        assertThat(Gzip.gunzip(withName)).isEqualTo(a);
    }

    @Test
    void writesALargeInputAsMembersThatAnyGzipReaderReads() throws IOException {
        byte[] in = text(1_000_000);
        byte[] gz = Gzip.gzip(in);
        // 8 members of 128 KiB, each with its length in the header's extra field, one after the other
        assertThat(gz[3]).isEqualTo((byte) 4);
        assertThat(members(gz)).hasSize((in.length + GzipFormat.MEMBER_BYTES - 1) / GzipFormat.MEMBER_BYTES);
        // A reader before session 34 took any header with flags to GZIPInputStream: that reads them as one stream.
        try (GZIPInputStream old = new GZIPInputStream(new ByteArrayInputStream(gz))) {
            assertThat(old.readAllBytes()).isEqualTo(in);
        }
        assertThat(Gzip.gunzip(gz)).isEqualTo(in);
        // The stored bytes, pinned against the JDK's own writer: member k is GZIPOutputStream's gzip of slice k with the
        // extra field (FLG.FEXTRA, XLEN, 'TL', its 8 bytes) inserted after the 10-byte header, nothing else changed.
        List<int[]> parts = members(gz);
        for (int k = 0; k < parts.size(); k++) {
            int at = parts.get(k)[0];
            int length = parts.get(k)[1];
            byte[] slice = Arrays.copyOfRange(in, k * GzipFormat.MEMBER_BYTES, Math.min(in.length, (k + 1) * GzipFormat.MEMBER_BYTES));
            byte[] expected = reference(slice);
            assertThat(Arrays.copyOfRange(gz, at, at + 3)).as("member %d: ID1 ID2 CM", k).isEqualTo(Arrays.copyOf(expected, 3));
            assertThat(Arrays.copyOfRange(gz, at + 4, at + 10)).as("member %d: MTIME XFL OS", k).isEqualTo(Arrays.copyOfRange(expected, 4, 10));
            assertThat(Arrays.copyOfRange(gz, at + 24, at + length)).as("member %d: deflate data and trailer", k)
                    .isEqualTo(Arrays.copyOfRange(expected, 10, expected.length));
        }
        // about the size of one member: deflate's window restarts cost little (this text repeats itself, 20:1: 3% here)
        assertThat(gz.length).isLessThan(reference(in).length * 105 / 100);
        // an input of exactly members: no empty member after the last
        byte[] two = text(2 * GzipFormat.MEMBER_BYTES);
        assertThat(members(Gzip.gzip(two))).hasSize(2);
        assertThat(Gzip.gunzip(Gzip.gzip(two))).isEqualTo(two);
    }

    @Test
    void inflatesMembersOnTheCallerAloneWhenNoHelperTakesThem() {
        byte[] in = text(700_000);
        byte[] gz = Gzip.gzip(in);
        Executor refusing = task -> {
            throw new RejectedExecutionException("busy");
        };
        assertThat(ParallelInflate.inflate(gz, refusing, 3)).isEqualTo(in);
        assertThat(ParallelInflate.inflate(gz, Runnable::run, 0)).isEqualTo(in);
        // a helper that takes every member (it runs inside execute): the caller copies its arrays in
        assertThat(ParallelInflate.inflate(gz, Runnable::run, 3)).isEqualTo(in);
        // helpers that run on other threads, more of them than members left for them
        ExecutorService pool = Executors.newFixedThreadPool(3);
        try {
            for (int i = 0; i < 20; i++) {
                assertThat(ParallelInflate.inflate(gz, pool, 3)).isEqualTo(in);
            }
        } finally {
            pool.shutdownNow();
        }
    }

    @Test
    void doesNotWaitOnAHelperTheSchedulerPutAside() throws InterruptedException {
        byte[] in = text(700_000);
        byte[] gz = Gzip.gzip(in);
        // A helper handed the task that does not run before the caller is done: the caller takes every member.
        CountDownLatch late = new CountDownLatch(1);
        List<Thread> started = new ArrayList<>();
        Executor lateThread = task -> {
            Thread t = new Thread(() -> {
                try {
                    late.await();
                } catch (InterruptedException e) {
                    return;
                }
                task.run();
            });
            started.add(t);
            t.start();
        };
        assertThat(ParallelInflate.inflate(gz, lateThread, 1)).isEqualTo(in);
        late.countDown();
        // One that has taken a member and stalls before inflating it (as a thread preempted on a busy machine): the
        // caller inflates that member itself after about as long as it would take, and the read is whole.
        CountDownLatch release = new CountDownLatch(1);
        CountDownLatch stalled = new CountDownLatch(1);
        Executor ownThread = startedOnceItClaims(started, stalled, null);
        Thread caller = Thread.currentThread();
        byte[] read = ParallelInflate.inflate(gz, ownThread, 1, (bytes, member, out, outAt) -> {
            if (Thread.currentThread() != caller) {
                stalled.countDown();
                try {
                    release.await();
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
            }
            return MemberInflater.inflate(bytes, member, out, outAt);
        });
        // returned while the helper still holds its member: the caller did not wait for it
        assertThat(release.getCount()).isOne();
        assertThat(stalled.getCount()).as("the helper took a member").isZero();
        assertThat(read).isEqualTo(in);
        release.countDown();
        for (Thread t : started) {
            t.join(10_000);
        }
    }

    @Test
    void aMemberAHelperFindsCorruptFailsTheRead() {
        byte[] in = text(700_000);
        byte[] gz = Gzip.gzip(in);
        int[] third = members(gz).get(2);
        gz[third[0] + third[1] - 8] ^= 1;
        // the helper runs inside execute, so it takes every member, the corrupt one included
        assertThat(ParallelInflate.inflate(gz, Runnable::run, 1)).isNull();
        assertThatThrownBy(() -> Gzip.gunzip(gz)).isInstanceOf(UncheckedIOException.class);
    }

    @Test
    void readsMembersOnConfiguredHelperThreads() {
        byte[] in = text(700_000);
        byte[] gz = Gzip.gzip(in);
        InflateThreads two = InflateThreads.of(2, 4);
        try (InflateThreads one = InflateThreads.of(1, 4)) {
            for (int i = 0; i < 10; i++) {
                assertThat(Gzip.gunzip(gz, two)).isEqualTo(in);
            }
            assertThat(Gzip.gunzip(gz, one)).isEqualTo(in);
        } finally {
            two.close();
        }
        // closed: the pool refuses the members, the caller inflates them
        assertThat(Gzip.gunzip(gz, two)).isEqualTo(in);
        assertThat(InflateThreads.of(0)).isSameAs(InflateThreads.NONE);
        assertThat(Gzip.gunzip(gz, InflateThreads.NONE)).isEqualTo(in);
    }

    @Test
    void aNegativeNumberOfInflateThreadsIsAClearError() {
        assertThatThrownBy(() -> InflateThreads.of(-1)).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("threadline.dynamodb.inflate-threads must be at least 0, got -1");
    }

    @Test
    void inflateThreadsAreAtMostTheProcessorsLessOne() {
        assertThat(InflateThreads.of(500, 4).count()).isEqualTo(3);
        assertThat(InflateThreads.of(8, 2).count()).isEqualTo(1);
        assertThat(InflateThreads.of(2, 4).count()).isEqualTo(2);
        assertThat(InflateThreads.of(3, 1)).isSameAs(InflateThreads.NONE);
        try (InflateThreads here = InflateThreads.of(500)) {
            assertThat(here.count()).isEqualTo(Math.max(0, Runtime.getRuntime().availableProcessors() - 1));
        }
        assertThatThrownBy(() -> InflateThreads.of(-1, 4)).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("threadline.dynamodb.inflate-threads must be at least 0, got -1");
    }

    @Test
    void aHelperDoesNotInheritTheReadersThreadLocals() throws Exception {
        // JBoss LogManager's MDC (tenant, trace ids) is an InheritableThreadLocal: the same mechanism
        InheritableThreadLocal<String> mdc = new InheritableThreadLocal<>();
        mdc.set("tenant-a");
        try (InflateThreads helpers = InflateThreads.of(1, 4)) {
            CompletableFuture<String> seen = new CompletableFuture<>();
            helpers.threads().execute(() -> seen.complete(String.valueOf(mdc.get())));
            assertThat(seen.get(10, TimeUnit.SECONDS)).isEqualTo("null");
            // what a thread made the default way sees: the test's thread-local does reach new threads
            CompletableFuture<String> inherited = new CompletableFuture<>();
            Thread plain = new Thread(() -> inherited.complete(String.valueOf(mdc.get())));
            plain.start();
            assertThat(inherited.get(10, TimeUnit.SECONDS)).isEqualTo("tenant-a");
        } finally {
            mdc.remove();
        }
    }

    @Test
    void anInterruptedReaderStillReadsTheMembersAndKeepsItsInterrupt() {
        byte[] in = text(700_000);
        byte[] gz = Gzip.gzip(in);
        ExecutorService pool = Executors.newFixedThreadPool(2);
        try {
            Thread.currentThread().interrupt();
            assertThat(ParallelInflate.inflate(gz, pool, 2)).isEqualTo(in);
            assertThat(Thread.interrupted()).isTrue();
        } finally {
            pool.shutdownNow();
        }
    }

    @Test
    void refusesMembersThatAreNotWhatTheySay() {
        byte[] in = text(700_000);
        byte[] gz = Gzip.gzip(in);
        List<int[]> members = members(gz);
        int[] second = members.get(1);
        // a member's CRC: neither the member path nor the stream path takes it
        byte[] badCrc = gz.clone();
        badCrc[second[0] + second[1] - 8] ^= 1;
        assertThat(ParallelInflate.inflate(badCrc, Runnable::run, 0)).isNull();
        assertThatThrownBy(() -> Gzip.gunzip(badCrc)).isInstanceOf(UncheckedIOException.class);
        // a member's deflate data
        byte[] garbage = gz.clone();
        Arrays.fill(garbage, second[0] + 40, second[0] + 400, (byte) 0x55);
        assertThatThrownBy(() -> Gzip.gunzip(garbage)).isInstanceOf(UncheckedIOException.class);
        // cut short
        byte[] truncated = Arrays.copyOf(gz, gz.length - 100);
        assertThat(ParallelInflate.inflate(truncated, Runnable::run, 0)).isNull();
        assertThatThrownBy(() -> Gzip.gunzip(truncated)).isInstanceOf(UncheckedIOException.class);
        // a wrong length in an extra field (the data itself intact): not read as something else by the stream path
        byte[] wrongLength = gz.clone();
        wrongLength[second[0] + 16] ^= 1;
        assertThat(ParallelInflate.inflate(wrongLength, Runnable::run, 0)).isNull();
        assertThatThrownBy(() -> Gzip.gunzip(wrongLength)).isInstanceOf(UncheckedIOException.class);
        // a stated size far beyond what the member can hold is not allocated
        byte[] huge = gz.clone();
        int at = second[0] + second[1] - 4;
        huge[at + 3] = 0x7f;
        assertThat(ParallelInflate.inflate(huge, Runnable::run, 0)).isNull();
        assertThatThrownBy(() -> Gzip.gunzip(huge)).isInstanceOf(UncheckedIOException.class);
        // and the pooled inflaters still work after all that
        assertThat(Gzip.gunzip(gz)).isEqualTo(in);
    }

    @Test
    void aCorruptHeaderAfterTheFirstMemberFailsTheReadInsteadOfCuttingItShort() {
        byte[] in = text(700_000);
        byte[] gz = Gzip.gzip(in);
        int second = members(gz).get(1)[0];
        // ID1 and CM: GZIPInputStream takes such a header for trailing garbage and returns the first member alone
        for (int at : new int[] {second, second + 2}) {
            byte[] corrupt = gz.clone();
            corrupt[at] ^= 1;
            assertThatThrownBy(() -> Gzip.gunzip(corrupt)).as("byte %d of the second member", at - second)
                    .isInstanceOf(UncheckedIOException.class).hasMessageContaining("not valid gzip");
        }
    }

    @Test
    void aLostTrailingMemberFailsTheRead() {
        byte[] in = text(700_000);
        byte[] gz = Gzip.gzip(in);
        List<int[]> members = members(gz);
        int[] last = members.get(members.size() - 1);
        byte[] lost = Arrays.copyOf(gz, last[0]); // whole members, each of them intact
        assertThat(ParallelInflate.inflate(lost, Runnable::run, 0)).isNull();
        assertThatThrownBy(() -> Gzip.gunzip(lost)).isInstanceOf(UncheckedIOException.class).hasMessageContaining("not valid gzip");
        // every member names the payload's length: the first one is read as the payload's start, not as all of it
        byte[] first = Arrays.copyOf(gz, members.get(1)[0]);
        assertThatThrownBy(() -> Gzip.gunzip(first)).isInstanceOf(UncheckedIOException.class);
    }

    @Test
    void aMemberStatingMoreThanAMemberHoldsIsRefusedBeforeAllocating() {
        byte[] in = text(700_000);
        byte[] gz = Gzip.gzip(in);
        int[] second = members(gz).get(1);
        // the trailer's size one past MEMBER_BYTES
        byte[] oneMore = gz.clone();
        putIntLE(oneMore, second[0] + second[1] - 4, GzipFormat.MEMBER_BYTES + 1);
        assertThat(ParallelInflate.inflate(oneMore, Runnable::run, 0)).isNull();
        assertThatThrownBy(() -> Gzip.gunzip(oneMore)).isInstanceOf(UncheckedIOException.class);
        // a length in the input beyond what a member of MEMBER_BYTES can take
        byte[] longer = Arrays.copyOf(gz, gz.length + 2 * GzipFormat.MEMBER_BYTES);
        putIntLE(longer, second[0] + 16, 2 * GzipFormat.MEMBER_BYTES);
        assertThat(ParallelInflate.inflate(longer, Runnable::run, 0)).isNull();
        // a size far beyond: nothing of it is allocated (the output is the members' sum, checked first)
        byte[] huge = gz.clone();
        putIntLE(huge, second[0] + second[1] - 4, 16 * 1024 * 1024);
        ThreadMXBean threads = (ThreadMXBean) ManagementFactory.getThreadMXBean();
        long before = threads.getCurrentThreadAllocatedBytes();
        assertThatThrownBy(() -> Gzip.gunzip(huge)).isInstanceOf(UncheckedIOException.class);
        assertThat(threads.getCurrentThreadAllocatedBytes() - before).isLessThan(4L * 1024 * 1024);
    }

    @Test
    void readsAnOldSingleMemberItemOverAMember() throws IOException {
        byte[] in = text(1_000_000);
        assertThat(Gzip.gunzip(reference(in))).isEqualTo(in);
        assertThat(Gzip.gunzip(Gzip.gzip(in, Integer.MAX_VALUE))).isEqualTo(in);
    }

    @Test
    void oneMemberUpToMemberBytesTwoFromOneMore() throws IOException {
        byte[] exact = text(GzipFormat.MEMBER_BYTES);
        assertThat(Gzip.gzip(exact)).isEqualTo(reference(exact));
        assertThat(Gzip.gunzip(Gzip.gzip(exact))).isEqualTo(exact);
        byte[] oneMore = text(GzipFormat.MEMBER_BYTES + 1);
        byte[] gz = Gzip.gzip(oneMore);
        List<int[]> members = members(gz);
        assertThat(members).hasSize(2);
        assertThat(Gzip.gunzip(gz)).isEqualTo(oneMore);
        try (GZIPInputStream old = new GZIPInputStream(new ByteArrayInputStream(gz))) {
            assertThat(old.readAllBytes()).isEqualTo(oneMore);
        }
    }

    @Test
    void aMemberSizeOfNothingOrMoreThanAReaderTakesIsRefused() {
        byte[] in = text(300_000);
        assertThatThrownBy(() -> Gzip.gzip(in, 0)).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> Gzip.gzip(in, -1)).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> Gzip.gzip(in, GzipFormat.MEMBER_BYTES + 1)).isInstanceOf(IllegalArgumentException.class);
        // larger members are fine while the input fits in one (a plain gzip)
        assertThat(Gzip.gunzip(Gzip.gzip(in, in.length))).isEqualTo(in);
    }

    @Test
    void aHelperThatThrowsLeavesItsMemberToTheCaller() throws InterruptedException {
        byte[] in = text(700_000);
        byte[] gz = Gzip.gzip(in);
        List<Thread> started = new ArrayList<>();
        AtomicInteger thrown = new AtomicInteger();
        CountDownLatch claimed = new CountDownLatch(1);
        Executor ownThread = startedOnceItClaims(started, claimed, (thread, e) -> thrown.incrementAndGet());
        Thread caller = Thread.currentThread();
        byte[] read = ParallelInflate.inflate(gz, ownThread, 1, (bytes, member, out, outAt) -> {
            if (Thread.currentThread() == caller) {
                return MemberInflater.inflate(bytes, member, out, outAt);
            }
            claimed.countDown();
            throw new IllegalStateException("helper failed on the member at " + member.from());
        });
        // its member never came: the caller inflated it itself after about a member's time
        assertThat(read).isEqualTo(in);
        for (Thread t : started) {
            t.join(10_000);
        }
        assertThat(thrown.get()).as("the helper threw on the member it took").isOne();
    }

    /**
     * Runs each task on a new thread (kept in {@code started}) and returns once {@code claimed} is counted down: the
     * helper has taken the first member before the caller takes any.
     */
    private static Executor startedOnceItClaims(List<Thread> started, CountDownLatch claimed, Thread.UncaughtExceptionHandler failed) {
        return task -> {
            Thread t = new Thread(task);
            if (failed != null) {
                t.setUncaughtExceptionHandler(failed);
            }
            started.add(t);
            t.start();
            try {
                claimed.await();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        };
    }

    /** The first member of {@code gz}, {@code count} times, each naming a payload of {@code count} such members. */
    private static byte[] repeatFirstMember(byte[] gz, int count) {
        int[] first = members(gz).get(0);
        int size = GzipFormat.MEMBER_BYTES;
        byte[] out = new byte[first[1] * count];
        for (int k = 0; k < count; k++) {
            System.arraycopy(gz, 0, out, k * first[1], first[1]);
            putIntLE(out, k * first[1] + 20, size * count); // wraps above 2^31: read back unsigned
        }
        return out;
    }

    @Test
    void forgedMembersNamingAHugePayloadAreNotAllocatedUpFront() {
        // ~1.3 MB of members of 128 KiB of zeros each, naming 1 GiB; the first one's CRC flipped, so nothing of it is real
        byte[] forged = repeatFirstMember(Gzip.gzip(new byte[2 * GzipFormat.MEMBER_BYTES]), 8192);
        int[] first = members(forged).get(0);
        forged[first[1] - 8] ^= 1;
        ThreadMXBean threads = (ThreadMXBean) ManagementFactory.getThreadMXBean();
        long before = threads.getCurrentThreadAllocatedBytes();
        assertThatThrownBy(() -> Gzip.gunzip(forged)).isInstanceOf(UncheckedIOException.class).hasMessageContaining("not valid gzip");
        // main's cap on what a read allocates up front (64 MiB), not the 1 GiB the headers name
        assertThat(threads.getCurrentThreadAllocatedBytes() - before).isLessThan(80L * 1024 * 1024);
    }

    @Test
    void aPayloadOverTheUpFrontCapStillReadsBack() throws IOException {
        // 65 MiB of zeros is ~80 KB stored: under max-checkpoint-bytes, so such an envelope can exist
        byte[] in = new byte[520 * GzipFormat.MEMBER_BYTES];
        Arrays.fill(in, 7 * GzipFormat.MEMBER_BYTES, 8 * GzipFormat.MEMBER_BYTES, (byte) 'x');
        in[in.length - 1] = 'y';
        byte[] gz = Gzip.gzip(in);
        assertThat(gz.length).isLessThan(200_000);
        try (InflateThreads helpers = InflateThreads.of(1, 4)) {
            assertThat(Gzip.gunzip(gz, helpers)).isEqualTo(in);
        }
        // a corrupt member past the cap still fails the read
        List<int[]> members = members(gz);
        int[] late = members.get(members.size() - 2);
        byte[] corrupt = gz.clone();
        corrupt[late[0] + late[1] - 8] ^= 1;
        assertThatThrownBy(() -> Gzip.gunzip(corrupt)).isInstanceOf(UncheckedIOException.class).hasMessageContaining("not valid gzip");
    }

    @Test
    void aPayloadNamedLargerThanAnArrayIsRefused() {
        // 16,385 real members of 128 KiB that add up to 2^31 + 2^17: positions past 2^31 would overflow an int
        byte[] forged = repeatFirstMember(Gzip.gzip(new byte[2 * GzipFormat.MEMBER_BYTES]), 16_385);
        assertThat(ParallelInflate.inflate(forged, Runnable::run, 0)).isNull();
        assertThatThrownBy(() -> Gzip.gunzip(forged)).isInstanceOf(UncheckedIOException.class).hasMessageContaining("not valid gzip");
    }

    @Test
    void membersLongerThanAReaderTakesAreWrittenAsOnePlainMemberInstead() throws IOException {
        // random bytes over a member's worth inside compressible text: the members that hold them barely shrink
        byte[] random = new byte[150_000];
        new Random(5).nextBytes(random);
        byte[] in = concat(text(200_000), random, text(300_000));
        byte[] gz = Gzip.gzip(in);
        int readerLimit = GzipFormat.MEMBER_HEADER + GzipFormat.MEMBER_BYTES + 1024 + 8;
        assertThat(members(gz)).hasSizeGreaterThan(4).allSatisfy(m -> assertThat(m[1]).isLessThanOrEqualTo(readerLimit));
        assertThat(Gzip.gunzip(gz)).isEqualTo(in);
        try (GZIPInputStream stream = new GZIPInputStream(new ByteArrayInputStream(gz))) {
            assertThat(stream.readAllBytes()).isEqualTo(in);
        }
        // a zlib whose members come out longer than the reader takes: one plain member, which every reader reads
        int longest = members(gz).stream().mapToInt(m -> m[1]).max().orElseThrow();
        assertThat(Gzip.gzip(in, GzipFormat.MEMBER_BYTES, longest)).isEqualTo(gz);
        byte[] plain = Gzip.gzip(in, GzipFormat.MEMBER_BYTES, longest - 1);
        assertThat(plain).isEqualTo(reference(in));
        assertThat(Gzip.gunzip(plain)).isEqualTo(in);
    }

    private static void putIntLE(byte[] b, int at, int v) {
        b[at] = (byte) v;
        b[at + 1] = (byte) (v >>> 8);
        b[at + 2] = (byte) (v >>> 16);
        b[at + 3] = (byte) (v >>> 24);
    }

    /** Each member's start and length, as its extra field says. */
    private static List<int[]> members(byte[] gz) {
        List<int[]> out = new ArrayList<>();
        for (int at = 0; at < gz.length; ) {
            assertThat(new String(gz, at + 12, 2, StandardCharsets.ISO_8859_1)).isEqualTo("TL");
            int length = (gz[at + 16] & 0xff) | (gz[at + 17] & 0xff) << 8 | (gz[at + 18] & 0xff) << 16 | (gz[at + 19] & 0xff) << 24;
            out.add(new int[] {at, length});
            at += length;
        }
        return out;
    }

    @Test
    void refusesWhatIsNotTheGzipItSaysItIs() {
        byte[] gz = Gzip.gzip(text(5000));
        byte[] badCrc = gz.clone();
        badCrc[badCrc.length - 8] ^= 1;
        assertThatThrownBy(() -> Gzip.gunzip(badCrc)).isInstanceOf(UncheckedIOException.class);
        byte[] badSize = gz.clone();
        badSize[badSize.length - 4] ^= 1;
        assertThatThrownBy(() -> Gzip.gunzip(badSize)).isInstanceOf(UncheckedIOException.class);
        byte[] truncated = Arrays.copyOf(gz, gz.length / 2);
        assertThatThrownBy(() -> Gzip.gunzip(truncated)).isInstanceOf(UncheckedIOException.class);
        byte[] garbage = gz.clone();
        Arrays.fill(garbage, 10, garbage.length - 8, (byte) 0x55);
        assertThatThrownBy(() -> Gzip.gunzip(garbage)).isInstanceOf(UncheckedIOException.class);
        assertThatThrownBy(() -> Gzip.gunzip("not gzip".getBytes(StandardCharsets.UTF_8))).isInstanceOf(UncheckedIOException.class);
        // and the pool still works after all that
        assertThat(Gzip.gunzip(gz)).isEqualTo(text(5000));
    }

    @Test
    void aCorruptStatedSizeIsNotAllocatedUpFront() {
        // 2 MB that does not compress: a stated size of ~2 GB is still under deflate's ratio bound for it
        byte[] random = new byte[2_000_000];
        new Random(11).nextBytes(random);
        byte[] corrupt = Gzip.gzip(random, Integer.MAX_VALUE);
        int at = corrupt.length - 4;
        int stated = 0x7fff_fff0;
        corrupt[at] = (byte) stated;
        corrupt[at + 1] = (byte) (stated >>> 8);
        corrupt[at + 2] = (byte) (stated >>> 16);
        corrupt[at + 3] = (byte) (stated >>> 24);
        ThreadMXBean threads = (ThreadMXBean) ManagementFactory.getThreadMXBean();
        long before = threads.getCurrentThreadAllocatedBytes();
        assertThatThrownBy(() -> Gzip.gunzip(corrupt)).isInstanceOf(UncheckedIOException.class);
        long allocated = threads.getCurrentThreadAllocatedBytes() - before;
        // a read that trusted the trailer allocated 2 GB (or died of it); the stream path allocates what inflates
        assertThat(allocated).isLessThan(256L * 1024 * 1024);
    }

    private static byte[] concat(byte[]... parts) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        for (byte[] p : parts) {
            out.writeBytes(p);
        }
        return out.toByteArray();
    }
}
