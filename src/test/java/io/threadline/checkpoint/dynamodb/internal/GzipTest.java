package io.threadline.checkpoint.dynamodb.internal;

import org.junit.jupiter.api.Test;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.Random;
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

    private static byte[] text(int bytes) {
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
            byte[] gz = Gzip.gzip(in);
            assertThat(gz).as("%d bytes", in.length).isEqualTo(reference(in));
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
        byte[] corrupt = Gzip.gzip(random);
        int at = corrupt.length - 4;
        int stated = 0x7fff_fff0;
        corrupt[at] = (byte) stated;
        corrupt[at + 1] = (byte) (stated >>> 8);
        corrupt[at + 2] = (byte) (stated >>> 16);
        corrupt[at + 3] = (byte) (stated >>> 24);
        com.sun.management.ThreadMXBean threads =
                (com.sun.management.ThreadMXBean) java.lang.management.ManagementFactory.getThreadMXBean();
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
