package io.threadline.checkpoint.dynamodb.internal;

import com.sun.management.ThreadMXBean;
import io.airlift.compress.zstd.ZstdCompressor;
import io.airlift.compress.zstd.ZstdDecompressor;
import io.threadline.checkpoint.dynamodb.Compression;
import io.threadline.checkpoint.dynamodb.internal.GzipFormat.Member;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.lang.management.ManagementFactory;
import java.util.Arrays;
import java.util.List;
import java.util.Random;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class ZstdTest {

    private static final int MEMBER = GzipFormat.MEMBER_BYTES;

    private static byte[] text(int bytes) {
        return GzipTest.text(bytes);
    }

    private static byte[] random(int bytes) {
        byte[] b = new byte[bytes];
        new Random(11).nextBytes(b);
        return b;
    }

    private static byte[] read(byte[] stored) {
        return StoredPayload.envelope(List.of(stored), true);
    }

    @Test
    void roundTripsEverySizeAsOneFrameUpToAMemberAndIndexedFramesBeyond() {
        for (int n : new int[]{1, 300, 5_000, MEMBER, MEMBER + 1, 3 * MEMBER, 923_026}) {
            byte[] in = text(n);
            byte[] z = Zstd.compress(in);
            assertThat(ZstdFormat.isZstd(z)).isTrue();
            assertThat(ZstdFormat.isIndexed(z)).as("indexed at %d", n).isEqualTo(n > MEMBER);
            assertThat(read(z)).as("size %d", n).isEqualTo(in);
        }
        byte[] noise = random(2 * MEMBER + 17);
        assertThat(read(Zstd.compress(noise))).isEqualTo(noise);
    }

    @Test
    void theIndexIsASkippableFrameAndTheFramesAfterItAStandardZstdStream() {
        // RFC 8878 readers (the zstd CLI) skip the index and decode the frames one after the other; aircompressor's
        // own stream reader does not know skippable frames, so it is given what follows the index
        byte[] in = text(700_000);
        byte[] z = Zstd.compress(in);
        List<Member> frames = ZstdFormat.frames(z);
        assertThat(frames).hasSize(6);
        assertThat(frames.get(5).size()).isEqualTo(700_000 - 5 * MEMBER);
        int index = frames.get(0).from();
        assertThat(index).isEqualTo(ZstdFormat.indexLength(6));
        assertThat(GzipFormat.intLE(z, 0)).isEqualTo(ZstdFormat.INDEX_MAGIC);
        assertThat(GzipFormat.intLE(z, 4)).as("the skippable frame's size covers the index exactly").isEqualTo(index - 8);
        byte[] out = new byte[in.length];
        assertThat(new ZstdDecompressor().decompress(z, index, z.length - index, out, 0, out.length)).isEqualTo(in.length);
        assertThat(out).isEqualTo(in);
    }

    @Test
    void readsIndexedFramesOnHelperThreads() {
        byte[] in = text(923_026);
        byte[] z = Zstd.compress(in);
        try (InflateThreads helpers = InflateThreads.of(2, 4)) {
            for (int i = 0; i < 10; i++) {
                assertThat(Zstd.decompress(z, helpers)).isEqualTo(in);
            }
        }
        // the helper runs inside execute, so it takes every frame
        assertThat(ParallelInflate.inflate(z, ZstdFormat.frames(z), Runnable::run, 1, Zstd::frame)).isEqualTo(in);
    }

    @Test
    void theConfiguredCodecWritesAndEitherIsReadByItsMagic() {
        byte[] in = text(400_000);
        StoredPayload gz = StoredPayload.of(in, 256, Compression.GZIP, 0);
        StoredPayload zs = StoredPayload.of(in, 256, Compression.ZSTD, 0);
        assertThat(gz.bytes()[0]).isEqualTo((byte) 0x1f);
        assertThat(ZstdFormat.isZstd(zs.bytes())).isTrue();
        assertThat(StoredPayload.envelope(zs.parts(100_000), true)).isEqualTo(in);
        assertThat(StoredPayload.envelope(gz.parts(100_000), true)).isEqualTo(in);
        // what does not shrink is kept as it is, whichever codec
        byte[] noise = random(10_000);
        assertThat(StoredPayload.of(noise, 256, Compression.ZSTD, 0).compressed()).isFalse();
        byte[] delta = text(600);
        assertThat(StoredPayload.envelope(List.of(StoredPayload.of(delta, 256, Compression.ZSTD, 0).bytes()), true)).isEqualTo(delta);
    }

    @Test
    void underZstdAnEnvelopeUpToTheThresholdIsGzippedAndALargerOneZstd() {
        byte[] at = text(40_000);
        byte[] above = text(40_001);
        StoredPayload small = StoredPayload.of(at, 256, Compression.ZSTD, 40_000);
        StoredPayload large = StoredPayload.of(above, 256, Compression.ZSTD, 40_000);
        assertThat(small.bytes()[0]).isEqualTo((byte) 0x1f);
        assertThat(small.bytes()[1]).isEqualTo((byte) 0x8b);
        assertThat(ZstdFormat.isZstd(large.bytes())).isTrue();
        assertThat(read(small.bytes())).isEqualTo(at);
        assertThat(read(large.bytes())).isEqualTo(above);
        // the threshold is zstd's alone: gzip stays gzip above it
        assertThat(StoredPayload.of(above, 256, Compression.GZIP, 40_000).bytes()[0]).isEqualTo((byte) 0x1f);
    }

    @Test
    void theSettingNamesGzipOrZstdAndNothingElse() {
        assertThat(Compression.of("gzip")).isEqualTo(Compression.GZIP);
        assertThat(Compression.of(" ZSTD ")).isEqualTo(Compression.ZSTD);
        assertThat(Compression.ZSTD.configName()).isEqualTo("zstd");
        assertThatThrownBy(() -> Compression.of("lz4")).isInstanceOf(IllegalArgumentException.class)
                .hasMessage("threadline.dynamodb.compression must be 'gzip' or 'zstd', got 'lz4'");
    }

    @Test
    void aFlippedByteATruncationOrALostFrameFailsTheRead() {
        byte[] in = text(700_000);
        byte[] z = Zstd.compress(in);
        List<Member> frames = ZstdFormat.frames(z);
        Member third = frames.get(2);
        byte[] flipped = z.clone();
        flipped[third.from() + third.length() / 2] ^= 0x10;
        assertThatThrownBy(() -> read(flipped)).isInstanceOf(UncheckedIOException.class).hasMessage("a stored item is not valid zstd");
        // the checksum: the frame's last 4 bytes
        byte[] badChecksum = z.clone();
        badChecksum[third.from() + third.length() - 1] ^= 1;
        assertThatThrownBy(() -> read(badChecksum)).isInstanceOf(UncheckedIOException.class);
        assertThatThrownBy(() -> read(Arrays.copyOf(z, z.length - 1))).isInstanceOf(UncheckedIOException.class);
        Member last = frames.get(frames.size() - 1);
        assertThatThrownBy(() -> read(Arrays.copyOf(z, last.from()))).isInstanceOf(UncheckedIOException.class)
                .hasRootCauseMessage("its frames are not the frames its index names (corrupt, or some lost)");
        byte[] small = Zstd.compress(text(5_000));
        byte[] smallFlipped = small.clone();
        smallFlipped[small.length / 2] ^= 0x10;
        assertThatThrownBy(() -> read(smallFlipped)).isInstanceOf(UncheckedIOException.class).hasMessage("a stored item is not valid zstd")
                .hasCauseInstanceOf(IOException.class);
        assertThatThrownBy(() -> read(Arrays.copyOf(small, small.length - 3))).isInstanceOf(UncheckedIOException.class);
    }

    /** A frame from aircompressor itself, not through the store's writer: it may state any size. */
    private static byte[] frameOf(byte[] in) {
        ZstdCompressor c = new ZstdCompressor();
        byte[] out = new byte[c.maxCompressedLength(in.length)];
        return Arrays.copyOf(out, c.compress(in, 0, in.length, out, 0, out.length));
    }

    @Test
    void aSingleFrameStatingMoreThanAMemberIsRefusedBeforeAllocating() {
        // the writer puts at most MEMBER_BYTES in a frame that is not indexed: 64 MiB of zeros is a few KB of zstd
        byte[] bomb = frameOf(new byte[64 * 1024 * 1024]);
        assertThat(bomb.length).isLessThan(10_000);
        ThreadMXBean threads = (ThreadMXBean) ManagementFactory.getThreadMXBean();
        long before = threads.getCurrentThreadAllocatedBytes();
        assertThatThrownBy(() -> read(bomb)).isInstanceOf(UncheckedIOException.class)
                .hasRootCauseMessage("its frame does not state a size of 1 to " + MEMBER + " bytes with a checksum");
        assertThat(threads.getCurrentThreadAllocatedBytes() - before).isLessThan(1024 * 1024);
    }

    @Test
    void aFrameHoldingMoreThanItStatesIsRefused() {
        // 1000 B in a single-segment frame: its 2-byte size field holds size - 256; say 256 instead
        byte[] z = Zstd.compress(text(1000));
        assertThat(ZstdFormat.statedSize(z, 0, z.length)).isEqualTo(1000);
        z[5] = 0;
        z[6] = 0;
        assertThat(ZstdFormat.statedSize(z, 0, z.length)).isEqualTo(256);
        assertThatThrownBy(() -> read(z)).isInstanceOf(UncheckedIOException.class).hasMessage("a stored item is not valid zstd");
    }

    @Test
    void aFrameWithoutItsChecksumOrSizeIsNotOurs() {
        byte[] z = Zstd.compress(text(1000));
        byte[] noChecksum = z.clone();
        noChecksum[4] &= ~0x04;
        assertThat(ZstdFormat.statedSize(noChecksum, 0, noChecksum.length)).isEqualTo(-1);
        assertThatThrownBy(() -> read(noChecksum)).isInstanceOf(UncheckedIOException.class);
    }

    @Test
    void aFrameStatingNothingIsRefusedAloneAndInAnIndex() {
        // the decoder returns at once for an empty output, before it reads the frame: garbage after the header would pass
        byte[] empty = frameOf(new byte[0]);
        byte[] garbage = Arrays.copyOf(empty, empty.length + 40);
        Arrays.fill(garbage, empty.length, garbage.length, (byte) 0x5a);
        for (byte[] z : List.of(empty, garbage)) {
            assertThat(ZstdFormat.statedSize(z, 0, z.length)).isEqualTo(-1);
            assertThatThrownBy(() -> read(z)).isInstanceOf(UncheckedIOException.class)
                    .hasRootCauseMessage("its frame does not state a size of 1 to " + MEMBER + " bytes with a checksum");
        }
        // an index whose second frame states nothing (its index entry saying so too)
        byte[] z = Zstd.compress(text(2 * MEMBER));
        List<Member> frames = ZstdFormat.frames(z);
        byte[] first = Arrays.copyOfRange(z, frames.get(0).from(), frames.get(0).from() + frames.get(0).length());
        int index = ZstdFormat.indexLength(2);
        byte[] forged = new byte[index + first.length + empty.length];
        ZstdFormat.writeIndex(forged, new int[]{first.length, empty.length}, new int[]{MEMBER, 0}, MEMBER);
        System.arraycopy(first, 0, forged, index, first.length);
        System.arraycopy(empty, 0, forged, index + first.length, empty.length);
        assertThat(ZstdFormat.frames(forged)).isNull();
        assertThatThrownBy(() -> read(forged)).isInstanceOf(UncheckedIOException.class).hasMessage("a stored item is not valid zstd");
    }

    @Test
    void aFrameWithoutAContentSizeIsNotOurs() {
        // magic; descriptor: no content size, not single-segment, checksum; a window byte; one raw last block of "abc"; a checksum
        byte[] z = {(byte) 0x28, (byte) 0xB5, 0x2F, (byte) 0xFD, 0x04, 0x00, 0x19, 0x00, 0x00, 'a', 'b', 'c', 1, 2, 3, 4};
        assertThat(ZstdFormat.statedSize(z, 0, z.length)).isEqualTo(-1);
        assertThatThrownBy(() -> read(z)).isInstanceOf(UncheckedIOException.class)
                .hasRootCauseMessage("its frame does not state a size of 1 to " + MEMBER + " bytes with a checksum");
    }

    @Test
    void aFrameHoldingFewerBytesThanItStatesIsRefused() {
        // 1000 B in a single-segment frame: its 2-byte size field holds size - 256; say 1001
        byte[] z = Zstd.compress(text(1000));
        GzipFormat.putIntLE(z, 5, (GzipFormat.intLE(z, 5) & 0xffff0000) | (1001 - 256));
        assertThat(ZstdFormat.statedSize(z, 0, z.length)).isEqualTo(1001);
        assertThatThrownBy(() -> read(z)).isInstanceOf(UncheckedIOException.class)
                .hasRootCauseMessage("its frame holds fewer bytes than it states");
    }

    @Test
    void anIndexCutShortMisSizedOrFollowedByMoreIsRefused() {
        byte[] z = Zstd.compress(text(3 * MEMBER));
        int index = ZstdFormat.indexLength(3);
        byte[] noFrames = z.clone();
        GzipFormat.putIntLE(noFrames, 10, 0);
        byte[] wrongSkippableSize = z.clone();
        GzipFormat.putIntLE(wrongSkippableSize, 4, index - 8 + 1);
        byte[] cutInTheIndex = Arrays.copyOf(z, index - 3);
        byte[] trailing = Arrays.copyOf(z, z.length + 1);
        byte[] frameTooLong = z.clone();
        GzipFormat.putIntLE(frameTooLong, ZstdFormat.INDEX_HEADER, ZstdFormat.MAX_FRAME_LENGTH + 1);
        for (byte[] bad : List.of(noFrames, wrongSkippableSize, cutInTheIndex, trailing, frameTooLong)) {
            assertThat(ZstdFormat.frames(bad)).isNull();
            assertThatThrownBy(() -> read(bad)).isInstanceOf(UncheckedIOException.class).hasMessage("a stored item is not valid zstd");
        }
    }

    @Test
    void aCorruptFrameDecodedOnAHelperThreadFailsTheRead() {
        byte[] z = Zstd.compress(text(923_026));
        List<Member> frames = ZstdFormat.frames(z);
        Member last = frames.get(frames.size() - 1);
        z[last.from() + last.length() / 2] ^= 0x10;
        try (InflateThreads helpers = InflateThreads.of(2, 4)) {
            assertThatThrownBy(() -> Zstd.decompress(z, helpers)).isInstanceOf(UncheckedIOException.class)
                    .hasRootCauseMessage("its frames are not the frames its index names (corrupt, or some lost)");
        }
        // the helper runs inside execute, so the corrupt frame is decoded on the helper's side of the split
        assertThat(ParallelInflate.inflate(z, frames, Runnable::run, 1, Zstd::frame)).isNull();
    }

    @Test
    void anIndexThatDisagreesWithItsFramesIsRefused() {
        byte[] z = Zstd.compress(text(3 * MEMBER));
        // a frame's size in the index one less than the frame states
        byte[] wrongSize = z.clone();
        GzipFormat.putIntLE(wrongSize, ZstdFormat.INDEX_HEADER + 4, MEMBER - 1);
        assertThat(ZstdFormat.frames(wrongSize)).isNull();
        // the payload's length one more than the frames hold
        byte[] wrongTotal = z.clone();
        GzipFormat.putIntLE(wrongTotal, 14, 3 * MEMBER + 1);
        assertThat(ZstdFormat.frames(wrongTotal)).isNull();
        // another writer's skippable frame (not "TL") is not an index
        byte[] foreign = z.clone();
        foreign[8] = 'X';
        assertThat(ZstdFormat.frames(foreign)).isNull();
        for (byte[] bad : List.of(wrongSize, wrongTotal, foreign)) {
            assertThatThrownBy(() -> read(bad)).isInstanceOf(UncheckedIOException.class).hasMessage("a stored item is not valid zstd");
        }
    }

    /** An index naming {@code count} copies of the first frame of {@code z}, followed by them. */
    private static byte[] repeatFirstFrame(byte[] z, int count) {
        Member first = ZstdFormat.frames(z).get(0);
        int index = ZstdFormat.indexLength(count);
        byte[] out = new byte[index + count * first.length()];
        int[] lengths = new int[count];
        int[] sizes = new int[count];
        Arrays.fill(lengths, first.length());
        Arrays.fill(sizes, first.size());
        ZstdFormat.writeIndex(out, lengths, sizes, (int) Math.min(Integer.MAX_VALUE, (long) count * first.size()));
        for (int k = 0; k < count; k++) {
            System.arraycopy(z, first.from(), out, index + k * first.length(), first.length());
        }
        return out;
    }

    @Test
    void forgedFramesNamingAHugePayloadAreNotAllocatedUpFront() {
        // 8192 frames of 128 KiB of zeros each, naming 1 GiB; the first one's checksum flipped, so nothing of it is real
        byte[] forged = repeatFirstFrame(Zstd.compress(new byte[2 * MEMBER]), 8192);
        Member first = ZstdFormat.frames(forged).get(0);
        forged[first.from() + first.length() - 1] ^= 1;
        ThreadMXBean threads = (ThreadMXBean) ManagementFactory.getThreadMXBean();
        long before = threads.getCurrentThreadAllocatedBytes();
        assertThatThrownBy(() -> read(forged)).isInstanceOf(UncheckedIOException.class).hasMessage("a stored item is not valid zstd");
        // the cap on what a read allocates up front (64 MiB), not the 1 GiB the index names
        assertThat(threads.getCurrentThreadAllocatedBytes() - before).isLessThan(80L * 1024 * 1024);
    }

    @Test
    void aPayloadOverTheUpFrontCapStillReadsBackAndOneNamedLargerThanAnArrayIsRefused() {
        byte[] in = new byte[520 * MEMBER];
        Arrays.fill(in, 7 * MEMBER, 8 * MEMBER, (byte) 'x');
        in[in.length - 1] = 'y';
        byte[] z = Zstd.compress(in);
        assertThat(z.length).isLessThan(200_000);
        assertThat(read(z)).isEqualTo(in);
        byte[] tooLarge = repeatFirstFrame(z, 16_385);
        assertThat(ZstdFormat.frames(tooLarge)).isNull();
        assertThatThrownBy(() -> read(tooLarge)).isInstanceOf(UncheckedIOException.class);
    }

    @Test
    void gzipItemsStillReadAsBefore() {
        byte[] in = text(700_000);
        assertThat(read(Gzip.gzip(in))).isEqualTo(in);
        assertThatThrownBy(() -> read(new byte[]{1, 2, 3, 4, 5})).isInstanceOf(UncheckedIOException.class)
                .hasMessage("a stored item is not valid gzip");
    }
}
