package io.threadline.checkpoint.dynamodb;

import io.threadline.ErrorCode;
import io.threadline.ThreadlineException;
import io.threadline.checkpoint.Checkpoint;
import io.threadline.checkpoint.CheckpointCodec;
import io.threadline.checkpoint.CheckpointStore;
import io.threadline.checkpoint.Commit;
import io.threadline.checkpoint.HistoryQuery;
import io.threadline.checkpoint.PendingEffect;
import io.threadline.checkpoint.StateChange;
import io.threadline.checkpoint.ThreadKey;
import io.threadline.checkpoint.dynamodb.internal.InflateThreads;
import io.threadline.checkpoint.dynamodb.internal.Keys;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import software.amazon.awssdk.core.SdkBytes;
import software.amazon.awssdk.services.dynamodb.model.AttributeValue;

import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Base64;
import java.util.Collections;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.UUID;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * {@code threadline.dynamodb.compression} on DynamoDB Local: items are written with the configured codec and read by
 * their bytes, so a thread whose items mix gzip and zstd — a deployment that switched either way — reads whole under
 * both settings; a damaged zstd item is the store's INTERNAL error naming the checkpoint, its step and the codec's
 * cause, and nothing stored changes.
 */
class DynamoDbCompressionTest {

    @RegisterExtension
    static final LocalTable TABLE = LocalTable.named("compression");

    private final Steps steps = new Steps(Instant.now());

    /** Every envelope compressed (deltas too), with {@code compression} whatever its size ({@code zstd-above-bytes=0}). */
    private static DynamoDbCheckpointStore store(Compression compression) {
        return store(compression, 0);
    }

    /** Every envelope compressed, with {@code compression}; under zstd those up to {@code zstdAboveBytes} gzipped. */
    private static DynamoDbCheckpointStore store(Compression compression, int zstdAboveBytes) {
        return new DynamoDbCheckpointStore(TABLE.client(), DynamoDbStoreSettings.defaults(TABLE.name())
                .withSizes(0, DynamoDbStoreSettings.DEFAULT_MAX_ITEM_BYTES, DynamoDbStoreSettings.DEFAULT_MAX_CHECKPOINT_BYTES)
                .withCompression(compression).withZstdAboveBytes(zstdAboveBytes), Clock.systemUTC());
    }

    private static ThreadKey newThread() {
        return ThreadKey.of("codec", "th-" + UUID.randomUUID());
    }

    /** A conversation-like state of about {@code bytes}: large enough for several items' worth of frames. */
    private static byte[] conversation(int bytes) {
        StringBuilder json = new StringBuilder("{\"messages\":[");
        for (int i = 0; json.length() < bytes; i++) {
            json.append(i == 0 ? "" : ",").append("{\"role\":\"user\",\"content\":\"turn ").append(i).append(' ')
                    .append(Integer.toString(i * 7919, 36).repeat(3)).append("\"}");
        }
        return json.append("]}").toString().getBytes(StandardCharsets.UTF_8);
    }

    /** The codec a checkpoint item's stored data starts with: gzip's ID1 ID2, zstd's frame or index magic. */
    private static String codecOf(Map<String, AttributeValue> item) {
        byte[] data = item.get("data").b().asByteArrayUnsafe();
        assertThat(item).containsKey("z");
        if ((data[0] & 0xff) == 0x1f && (data[1] & 0xff) == 0x8b) {
            return "gzip";
        }
        int magic = (data[0] & 0xff) | (data[1] & 0xff) << 8 | (data[2] & 0xff) << 16 | (data[3] & 0xff) << 24;
        return magic == 0xFD2FB528 || magic == 0x184D2A5E ? "zstd" : "other";
    }

    private static List<String> codecsOf(ThreadKey thread) {
        return LocalTables.items(TABLE.client(), TABLE.name(), thread).stream()
                .filter(i -> i.containsKey(Keys.KIND)) // checkpoint items, not their chunks
                .map(DynamoDbCompressionTest::codecOf).toList();
    }

    /** Commits a snapshot and a delta through {@code first}, then a delta, a snapshot and a delta through {@code then}. */
    private List<Checkpoint> switchHalfway(ThreadKey thread, CheckpointStore first, CheckpointStore then) {
        List<Checkpoint> written = new ArrayList<>(List.of(steps.first(thread, conversation(500_000))));
        first.commit(new Commit(written.get(0), 0));
        boolean[] snapshots = {false, false, true, false};
        for (int k = 0; k < snapshots.length; k++) {
            Checkpoint cp = steps.next(written.get(k), snapshots[k]);
            (k == 0 ? first : then).commit(new Commit(cp, cp.step() - 1));
            written.add(cp);
        }
        return written;
    }

    private static void readsWhole(ThreadKey thread, List<Checkpoint> written, CheckpointStore... stores) {
        List<Checkpoint> newestFirst = new ArrayList<>(written);
        Collections.reverse(newestFirst);
        for (CheckpointStore store : stores) {
            assertThat(store.loadLatest(thread).orElseThrow().checkpoints()).containsExactlyElementsOf(written.subList(3, 5));
            assertThat(store.history(thread, HistoryQuery.first(10)).checkpoints()).containsExactlyElementsOf(newestFirst);
            for (Checkpoint cp : written) {
                assertThat(store.get(thread, cp.id())).contains(cp);
            }
        }
    }

    /** A thread written in {@code from}, then switched to {@code to} halfway: its items are in both, and it reads whole under both. */
    private List<Checkpoint> switched(ThreadKey thread, Compression from, Compression to) {
        List<Checkpoint> written = switchHalfway(thread, store(from), store(to));
        String a = from.configName();
        String b = to.configName();
        assertThat(codecsOf(thread)).containsExactlyInAnyOrder(a, a, b, b, b);
        readsWhole(thread, written, store(Compression.GZIP), store(Compression.ZSTD));
        return written;
    }

    @Test
    void aThreadSwitchedFromGzipToZstdReadsWholeUnderEitherSetting() {
        ThreadKey thread = newThread();
        List<Checkpoint> written = switched(thread, Compression.GZIP, Compression.ZSTD);
        // the chain from the gzip snapshot through the first zstd delta
        assertThat(store(Compression.ZSTD).get(thread, written.get(2).id())).contains(written.get(2));
    }

    @Test
    void aThreadSwitchedBackFromZstdToGzipReadsWholeUnderEitherSetting() {
        ThreadKey thread = newThread();
        List<Checkpoint> written = switched(thread, Compression.ZSTD, Compression.GZIP);
        try (InflateThreads helpers = InflateThreads.of(2)) {
            DynamoDbCheckpointStore parallel = new DynamoDbCheckpointStore(TABLE.client(), DynamoDbStoreSettings.defaults(TABLE.name()),
                    ThreadIndexSettings.defaults(), helpers, Clock.systemUTC());
            readsWhole(thread, written, parallel);
        }
    }

    @Test
    void underZstdTheDefaultThresholdGzipsDeltasAndSmallSnapshotsAndZstdsLargeOnes() {
        ThreadKey thread = newThread();
        DynamoDbCheckpointStore hybrid = store(Compression.ZSTD, DynamoDbStoreSettings.DEFAULT_ZSTD_ABOVE_BYTES);
        List<Checkpoint> written = new ArrayList<>(List.of(steps.first(thread, conversation(500_000))));
        written.add(steps.next(written.get(0), false));
        written.add(steps.next(written.get(1), true)); // a small whole state
        written.add(steps.nextWith(written.get(2), new StateChange.Snapshot(conversation(200_000))));
        written.add(steps.next(written.get(3), false));
        for (Checkpoint cp : written) {
            assertThat(CheckpointCodec.encode(cp).length > DynamoDbStoreSettings.DEFAULT_ZSTD_ABOVE_BYTES)
                    .isEqualTo(cp.step() == 1 || cp.step() == 4);
            hybrid.commit(new Commit(cp, cp.step() - 1));
        }
        assertThat(codecsOf(thread)).containsExactly("zstd", "gzip", "gzip", "zstd", "gzip");
        readsWhole(thread, written, hybrid, store(Compression.GZIP), store(Compression.ZSTD));
    }

    @Test
    void underZstdAnEnvelopeOfExactlyTheThresholdIsGzippedAndOneByteLessMakesItZstd() {
        ThreadKey atThreshold = newThread();
        ThreadKey aboveThreshold = newThread();
        Checkpoint at = steps.first(atThreshold, conversation(20_000));
        Checkpoint above = steps.first(aboveThreshold, conversation(20_000));
        int bytes = CheckpointCodec.encode(at).length;
        store(Compression.ZSTD, bytes).commit(new Commit(at, 0));
        store(Compression.ZSTD, CheckpointCodec.encode(above).length - 1).commit(new Commit(above, 0));
        assertThat(codecsOf(atThreshold)).containsExactly("gzip");
        assertThat(codecsOf(aboveThreshold)).containsExactly("zstd");
        for (CheckpointStore reader : List.of(store(Compression.GZIP), store(Compression.ZSTD, bytes))) {
            assertThat(reader.get(atThreshold, at.id())).contains(at);
            assertThat(reader.get(aboveThreshold, above.id())).contains(above);
        }
    }

    private static Map<String, AttributeValue> snapshotItem(ThreadKey thread, Checkpoint cp) {
        return LocalTables.items(TABLE.client(), TABLE.name(), thread).stream()
                .filter(i -> i.get("sk").s().equals(Keys.checkpoint(cp.id()))).findFirst().orElseThrow();
    }

    private static void replace(Map<String, AttributeValue> item, byte[] data) {
        Map<String, AttributeValue> damaged = new HashMap<>(item);
        damaged.put("data", AttributeValue.fromB(SdkBytes.fromByteArray(data)));
        TABLE.client().putItem(b -> b.tableName(TABLE.name()).item(damaged));
    }

    private static void unreadable(CheckpointStore store, ThreadKey thread, Checkpoint cp) {
        List<Map<String, AttributeValue>> before = LocalTables.items(TABLE.client(), TABLE.name(), thread);
        assertThatThrownBy(() -> store.loadLatest(thread)).isInstanceOfSatisfying(ThreadlineException.class, e -> {
            assertThat(e.code()).isEqualTo(ErrorCode.INTERNAL);
            assertThat(e.getMessage()).contains("stored checkpoint " + cp.id() + " (step " + cp.step() + ") of " + thread)
                    .contains("is unreadable").contains("not valid zstd");
            assertThat(e.details()).containsEntry("thread", thread.threadId()).containsEntry("checkpointId", cp.id().value())
                    .containsEntry("step", cp.step());
            assertThat(e.getCause()).as("the codec's error is kept").isInstanceOf(UncheckedIOException.class);
        });
        assertThat(LocalTables.items(TABLE.client(), TABLE.name(), thread)).as("nothing stored changed").isEqualTo(before);
    }

    @Test
    void aFlippedByteInAZstdSnapshotIsTheStoresInternalErrorWithItsCause() {
        ThreadKey thread = newThread();
        DynamoDbCheckpointStore zstd = store(Compression.ZSTD);
        Checkpoint cp = steps.first(thread, conversation(100_000));
        zstd.commit(new Commit(cp, 0));
        Map<String, AttributeValue> item = snapshotItem(thread, cp);
        byte[] data = item.get("data").b().asByteArray();
        data[data.length / 2] ^= 0x10;
        replace(item, data);
        unreadable(zstd, thread, cp);
        unreadable(store(Compression.GZIP), thread, cp);
    }

    @Test
    void aTruncatedZstdSnapshotIsTheStoresInternalError() {
        ThreadKey thread = newThread();
        DynamoDbCheckpointStore zstd = store(Compression.ZSTD);
        byte[] random = new byte[600_000];
        new Random(3).nextBytes(random);
        Checkpoint cp = steps.first(thread, ("{\"blob\":\"" + Base64.getEncoder().encodeToString(random) + "\"}").getBytes(StandardCharsets.UTF_8));
        zstd.commit(new Commit(cp, 0));
        Map<String, AttributeValue> item = snapshotItem(thread, cp);
        assertThat(item).containsKey("n"); // chunked: the first part, then its chunks
        byte[] data = item.get("data").b().asByteArray();
        replace(item, Arrays.copyOf(data, data.length - 100));
        unreadable(zstd, thread, cp);
    }

    @Test
    void aLargePendingEffectIsStoredInZstdAndReadByEitherSetting() {
        ThreadKey thread = newThread();
        String effect = "{\"result\":\"" + new String(conversation(450_000), StandardCharsets.UTF_8).replace("\"", "'") + "\"}";
        DynamoDbCheckpointStore zstd = store(Compression.ZSTD);
        zstd.putPendingEffect(thread, 3, 0, PendingEffect.fromJson(effect));
        Map<String, AttributeValue> head = LocalTables.items(TABLE.client(), TABLE.name(), thread).stream()
                .filter(i -> i.containsKey("z")).findFirst().orElseThrow();
        assertThat(codecOf(head)).isEqualTo("zstd");
        assertThat(zstd.pendingEffects(thread, 3)).extracting(PendingEffect::json).containsExactly(effect);
        assertThat(store(Compression.GZIP).pendingEffects(thread, 3)).extracting(PendingEffect::json).containsExactly(effect);
        byte[] data = head.get("data").b().asByteArray();
        data[data.length / 2] ^= 0x10;
        replace(head, data);
        assertThatThrownBy(() -> zstd.pendingEffects(thread, 3)).isInstanceOfSatisfying(ThreadlineException.class, e -> {
            assertThat(e.code()).isEqualTo(ErrorCode.INTERNAL);
            assertThat(e.getMessage()).contains("pending effect").contains("of step 3").contains("not valid zstd");
            assertThat(e.getCause()).isInstanceOf(UncheckedIOException.class);
        });
    }
}
