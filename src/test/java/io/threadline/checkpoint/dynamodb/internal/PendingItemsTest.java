package io.threadline.checkpoint.dynamodb.internal;

import io.threadline.ErrorCode;
import io.threadline.ThreadlineException;
import io.threadline.checkpoint.ThreadKey;
import io.threadline.checkpoint.dynamodb.Compression;
import io.threadline.checkpoint.dynamodb.DynamoDbStoreSettings;
import org.junit.jupiter.api.Test;
import software.amazon.awssdk.services.dynamodb.model.AttributeValue;

import java.util.HashMap;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class PendingItemsTest {

    private final ThreadKey thread = ThreadKey.of("acme", "doc-1");

    /** Items of the smallest size the settings allow, so a few KB of effect take several. */
    private static DynamoDbStoreSettings settings(Compression compression, int zstdAboveBytes) {
        return DynamoDbStoreSettings.defaults("pending").withSizes(256, 1_024, 98 * 1_024).withCompression(compression)
                .withZstdAboveBytes(zstdAboveBytes);
    }

    private List<Map<String, AttributeValue>> stored(String effect, Compression compression) {
        return PendingItems.of(thread, 3, 0, effect, settings(compression, 0), 0).stream().map(HashMap::new)
                .map(m -> (Map<String, AttributeValue>) m).toList();
    }

    @Test
    void readsBackWhatItWroteInEitherCodec() {
        String large = "{\"rows\":\"" + "abc".repeat(2_000) + "\"}";
        for (Compression c : Compression.values()) {
            assertThat(PendingItems.read(thread, 3, stored(large, c))).containsExactly(large);
            assertThat(PendingItems.read(thread, 3, stored("{\"ok\":true}", c))).containsExactly("{\"ok\":true}");
        }
    }

    @Test
    void underZstdALargeEffectUpToTheThresholdIsGzippedAndALargerOneZstd() {
        String large = "{\"rows\":\"" + "abc".repeat(2_000) + "\"}";
        int bytes = large.length();
        for (int threshold : new int[]{bytes, bytes - 1}) {
            List<Map<String, AttributeValue>> items = PendingItems.of(thread, 3, 0, large, settings(Compression.ZSTD, threshold), 0);
            Map<String, AttributeValue> head = items.get(items.size() - 1); // the head item holds the payload's first part
            byte[] first = head.get(Keys.DATA).b().asByteArray();
            assertThat(ZstdFormat.isZstd(first)).as("zstd above %d bytes", threshold).isEqualTo(threshold < bytes);
            if (threshold == bytes) {
                assertThat(first[0] & 0xff).isEqualTo(0x1f);
                assertThat(first[1] & 0xff).isEqualTo(0x8b);
            }
            assertThat(PendingItems.read(thread, 3, items)).containsExactly(large);
        }
    }

    @Test
    void anEmptyStoredEffectIsUnreadableNotAnEmptyPayload() {
        // a zero-length compressed payload (a frame stating 0 bytes used to read back as one) or an empty text item:
        // the writer stores neither, and an empty effect would fail later, outside the store's error mapping
        List<Map<String, AttributeValue>> text = stored("{\"ok\":true}", Compression.GZIP);
        text.get(0).put(Keys.DATA, CheckpointItems.s(""));
        List<Map<String, AttributeValue>> compressed = stored("{\"rows\":\"" + "abc".repeat(2_000) + "\"}", Compression.GZIP);
        Map<String, AttributeValue> head = compressed.get(compressed.size() - 1);
        head.put(Keys.DATA, CheckpointItems.b(Gzip.gzip(new byte[0])));
        head.put(Keys.PARTS, CheckpointItems.n(1));
        for (List<Map<String, AttributeValue>> items : List.of(text, List.of(head))) {
            assertThatThrownBy(() -> PendingItems.read(thread, 3, items)).isInstanceOfSatisfying(ThreadlineException.class, e -> {
                assertThat(e.code()).isEqualTo(ErrorCode.INTERNAL);
                assertThat(e.getMessage()).startsWith("stored pending effect PENDING#").endsWith("of step 3 of " + thread + " is unreadable: it is empty");
            });
        }
    }
}
