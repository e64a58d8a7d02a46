package io.threadline.checkpoint.dynamodb.internal;

import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * A pack's envelopes are found where they lie ({@link DeltaPackFormat#envelopes}): every envelope {@code join} wrote comes
 * back as the same bytes, for pack sizes across the growth of the ranges array (it starts at the recommended 32 and
 * packs hold up to 256), and a pack that is not one is refused with the same messages as when envelopes were copied out.
 */
class DeltaPackFormatTest {

    @Test
    void everyEnvelopeJoinWroteIsFoundAsTheSameBytesWhateverThePacksSize() {
        Random random = new Random(40);
        for (int count : new int[] {1, 2, 31, 32, 33, 64, 65, 256, 300}) {
            List<byte[]> written = new ArrayList<>();
            for (int i = 0; i < count; i++) {
                byte[] envelope = new byte[i % 7 == 0 ? 0 : 1 + random.nextInt(400)];
                random.nextBytes(envelope);
                written.add(envelope);
            }
            byte[] pack = DeltaPackFormat.join(written);
            int[] ranges = DeltaPackFormat.envelopes(pack);
            assertThat(ranges).as("%d envelopes", count).hasSize(2 * count);
            for (int i = 0; i < count; i++) {
                assertThat(Arrays.copyOfRange(pack, ranges[2 * i], ranges[2 * i] + ranges[2 * i + 1]))
                        .as("envelope %d of %d", i, count).isEqualTo(written.get(i));
            }
        }
    }

    @Test
    void bytesThatAreNotAWholePackAreRefusedSayingWhatIsWrong() {
        byte[] pack = DeltaPackFormat.join(List.of(new byte[] {1, 2, 3}, new byte[] {4, 5}));

        assertRefused(new byte[0], "not a delta pack of version 1 (no bytes)");
        assertRefused(new byte[] {7, 0, 0, 0, 0}, "not a delta pack of version 1 (starts with 7)");
        assertRefused(new byte[] {DeltaPackFormat.VERSION}, "a delta pack holds no envelope");
        // the second envelope's length cut to two of its four bytes
        assertRefused(Arrays.copyOf(pack, 1 + 4 + 3 + 2), "a delta pack cut short after 1 envelopes");
        // the second envelope cut to one of its two bytes
        assertRefused(Arrays.copyOf(pack, pack.length - 1), "envelope 2 of a delta pack claims 2 bytes, 1 remain");
        // the first claims one byte more than the 9 left after its length (its 3, the second's 4 + 2)
        byte[] lying = pack.clone();
        lying[4] = 10;
        assertRefused(lying, "envelope 1 of a delta pack claims 10 bytes, 9 remain");
        byte[] negative = pack.clone();
        negative[1] = (byte) 0x80;
        assertRefused(negative, "envelope 1 of a delta pack claims " + (Integer.MIN_VALUE + 3) + " bytes, 9 remain");
    }

    private static void assertRefused(byte[] bytes, String message) {
        assertThatThrownBy(() -> DeltaPackFormat.envelopes(bytes)).isInstanceOf(IllegalArgumentException.class)
                .hasMessageStartingWith(message);
    }
}
