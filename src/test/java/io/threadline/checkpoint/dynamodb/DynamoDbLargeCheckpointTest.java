package io.threadline.checkpoint.dynamodb;

import com.sun.management.ThreadMXBean;
import io.threadline.ErrorCode;
import io.threadline.ThreadlineException;
import io.threadline.checkpoint.Checkpoint;
import io.threadline.checkpoint.CheckpointChain;
import io.threadline.checkpoint.Commit;
import io.threadline.checkpoint.HistoryPage;
import io.threadline.checkpoint.HistoryQuery;
import io.threadline.checkpoint.StateChange;
import io.threadline.checkpoint.ThreadKey;
import io.threadline.checkpoint.dynamodb.internal.InflateThreads;
import io.threadline.checkpoint.dynamodb.internal.Keys;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import software.amazon.awssdk.core.SdkBytes;
import software.amazon.awssdk.services.dynamodb.DynamoDbClient;
import software.amazon.awssdk.services.dynamodb.model.AttributeValue;

import java.io.UncheckedIOException;
import java.lang.management.ManagementFactory;
import java.nio.charset.StandardCharsets;
import java.security.SecureRandom;
import java.time.Clock;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Base64;
import java.util.Collections;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** Checkpoints past one item: chunked, compressed, and refused when over the limit — on DynamoDB Local. */
class DynamoDbLargeCheckpointTest {

    private static DynamoDbClient client;
    private static String table;
    private static DynamoDbCheckpointStore store;

    private final Steps steps = new Steps(Instant.now());

    @BeforeAll
    static void createTable() {
        client = LocalTables.client();
        table = LocalTables.newTable(client, "large");
        store = new DynamoDbCheckpointStore(client, DynamoDbStoreSettings.defaults(table), Clock.systemUTC());
    }

    @AfterAll
    static void dropTable() {
        LocalTables.drop(client, table);
        client.close();
    }

    private static ThreadKey newThread() {
        return ThreadKey.of("large", "th-" + UUID.randomUUID());
    }

    /** {"blob":"<base64 of random bytes>"}: valid state JSON that gzip cannot shrink much. */
    private static byte[] randomState(int randomBytes) {
        byte[] random = new byte[randomBytes];
        new SecureRandom().nextBytes(random);
        return ("{\"blob\":\"" + Base64.getEncoder().encodeToString(random) + "\"}").getBytes(StandardCharsets.UTF_8);
    }

    private List<Map<String, AttributeValue>> itemsOf(ThreadKey thread, Checkpoint cp) {
        String prefix = Keys.checkpoint(cp.id());
        return LocalTables.items(client, table, thread).stream().filter(i -> i.get("sk").s().startsWith(prefix)).toList();
    }

    @Test
    void aCheckpointLargerThanAnItemEvenCompressedIsChunkedAndReadsBackExactly() {
        ThreadKey thread = newThread();
        Checkpoint big = steps.first(thread, randomState(600 * 1024));
        assertThat(big.change().size()).isGreaterThan(800_000);
        store.commit(new Commit(big, 0));
        Checkpoint delta = steps.nextWith(big, new StateChange.Delta(
                "[{\"op\":\"replace\",\"path\":\"/blob\",\"value\":\"x\"}]".getBytes(StandardCharsets.UTF_8)));
        store.commit(new Commit(delta, 1));

        List<Map<String, AttributeValue>> items = itemsOf(thread, big);
        assertThat(items).hasSize(2);
        Map<String, AttributeValue> main = items.get(0);
        assertThat(main.get("sk").s()).isEqualTo(Keys.checkpoint(big.id()));
        assertThat(main.get("n").n()).isEqualTo("2");
        assertThat(main.get("z").n()).isEqualTo("1");
        assertThat(items.get(1).get("sk").s()).isEqualTo(Keys.checkpoint(big.id()) + "#0001");
        long stored = items.stream().mapToLong(i -> i.get("data").b().asByteArrayUnsafe().length).sum();
        assertThat(stored).isGreaterThan(400_000).isLessThan(big.change().size());

        assertThat(store.get(thread, big.id())).contains(big);
        assertThat(store.get(thread, big.id()).orElseThrow().change().json()).isEqualTo(big.change().json());
        assertThat(store.load(thread, big.id()).orElseThrow().checkpoints()).containsExactly(big);
        CheckpointChain latest = store.loadLatest(thread).orElseThrow();
        assertThat(latest.checkpoints()).containsExactly(big, delta);
        assertThat(latest.snapshot().change().json()).isEqualTo(big.change().json());
        assertThat(store.history(thread, HistoryQuery.first(10)).checkpoints()).containsExactly(delta, big);
    }

    @Test
    void aCompressibleTwoMegabyteSnapshotIsStoredCompressedInOneItem() {
        ThreadKey thread = newThread();
        StringBuilder json = new StringBuilder("{\"messages\":[");
        for (int i = 0; json.length() < 2_000_000; i++) {
            json.append(i == 0 ? "" : ",").append("{\"role\":\"user\",\"content\":\"please summarise document ").append(i)
                    .append(" of the quarterly report, section on revenue and costs\"}");
        }
        Checkpoint cp = steps.first(thread, json.append("]}").toString().getBytes(StandardCharsets.UTF_8));
        store.commit(new Commit(cp, 0));

        List<Map<String, AttributeValue>> items = itemsOf(thread, cp);
        assertThat(items).hasSize(1);
        assertThat(items.get(0).get("z").n()).isEqualTo("1");
        assertThat(items.get(0)).doesNotContainKey("n");
        assertThat(items.get(0).get("data").b().asByteArrayUnsafe().length).isLessThan(350_000);
        assertThat(store.loadLatest(thread).orElseThrow().checkpoints()).containsExactly(cp);
        // the same through a store whose reads inflate the gzip members on helper threads as well
        try (InflateThreads helpers = InflateThreads.of(2)) {
            DynamoDbCheckpointStore parallel = new DynamoDbCheckpointStore(client, DynamoDbStoreSettings.defaults(table),
                    ThreadIndexSettings.defaults(), helpers, Clock.systemUTC());
            assertThat(parallel.loadLatest(thread).orElseThrow().checkpoints()).containsExactly(cp);
        }
    }

    @Test
    void aCorruptHeaderInALaterGzipMemberMakesTheCheckpointUnreadableNotShorter() {
        ThreadKey thread = newThread();
        StringBuilder json = new StringBuilder("{\"messages\":[");
        for (int i = 0; json.length() < 600_000; i++) {
            json.append(i == 0 ? "" : ",").append("{\"role\":\"user\",\"content\":\"turn ").append(i).append("\"}");
        }
        Checkpoint cp = steps.first(thread, json.append("]}").toString().getBytes(StandardCharsets.UTF_8));
        store.commit(new Commit(cp, 0));
        Map<String, AttributeValue> item = new HashMap<>(itemsOf(thread, cp).get(0));
        byte[] data = item.get("data").b().asByteArray();
        // the first member's length is in its header's extra field (bytes 16-19): the second member's ID1 follows it
        int second = (data[16] & 0xff) | (data[17] & 0xff) << 8 | (data[18] & 0xff) << 16 | (data[19] & 0xff) << 24;
        data[second] ^= 1;
        item.put("data", AttributeValue.fromB(SdkBytes.fromByteArray(data)));
        client.putItem(b -> b.tableName(table).item(item));
        assertThatThrownBy(() -> store.loadLatest(thread)).isInstanceOfSatisfying(ThreadlineException.class, e -> {
            assertThat(e.code()).isEqualTo(ErrorCode.INTERNAL);
            assertThat(e.getMessage()).contains("is unreadable").contains("not valid gzip").contains("(step 1)");
            // the codec's own error is kept for the log, and the step named, as a pending effect's is
            assertThat(e.getCause()).isInstanceOf(UncheckedIOException.class);
            assertThat(e.details()).containsEntry("step", 1L).containsEntry("checkpointId", cp.id().value());
        });
    }

    @Test
    void forgedGzipMembersNamingAHugeEnvelopeAreUnreadableWithoutAllocatingIt() {
        ThreadKey thread = newThread();
        Checkpoint cp = steps.first(thread, ("{\"blob\":\"" + "a".repeat(300_000) + "\"}").getBytes(StandardCharsets.UTF_8));
        store.commit(new Commit(cp, 0));
        Map<String, AttributeValue> item = new HashMap<>(itemsOf(thread, cp).get(0));
        byte[] data = item.get("data").b().asByteArray();
        // the first member (128 KiB of envelope in ~200 B) 1000 times, each naming an envelope of 1000 of them: 125 MiB,
        // its CRC flipped so that nothing of it is real
        int length = (data[16] & 0xff) | (data[17] & 0xff) << 8 | (data[18] & 0xff) << 16 | (data[19] & 0xff) << 24;
        int count = 1000;
        int named = count * 128 * 1024;
        byte[] forged = new byte[count * length];
        for (int k = 0; k < count; k++) {
            System.arraycopy(data, 0, forged, k * length, length);
            for (int b = 0; b < 4; b++) {
                forged[k * length + 20 + b] = (byte) (named >>> (8 * b));
            }
        }
        forged[length - 8] ^= 1;
        item.put("data", AttributeValue.fromB(SdkBytes.fromByteArray(forged)));
        client.putItem(b -> b.tableName(table).item(item));
        ThreadMXBean threads = (ThreadMXBean) ManagementFactory.getThreadMXBean();
        long before = threads.getCurrentThreadAllocatedBytes();
        assertThatThrownBy(() -> store.loadLatest(thread)).isInstanceOfSatisfying(ThreadlineException.class, e -> {
            assertThat(e.code()).isEqualTo(ErrorCode.INTERNAL);
            assertThat(e.getMessage()).contains("is unreadable").contains("not valid gzip");
        });
        // the read's up-front cap (64 MiB) and the call itself, not the 125 MiB the headers name
        assertThat(threads.getCurrentThreadAllocatedBytes() - before).isLessThan(96L * 1024 * 1024);
    }

    @Test
    void aCheckpointOverTheLimitIsRefusedBeforeAnythingIsWritten() {
        ThreadKey thread = newThread();
        Checkpoint tooBig = steps.first(thread, randomState(3 * 1024 * 1024));
        assertThatThrownBy(() -> store.commit(new Commit(tooBig, 0)))
                .isInstanceOfSatisfying(ThreadlineException.class, e -> {
                    assertThat(e.code()).isEqualTo(ErrorCode.PAYLOAD_TOO_LARGE);
                    assertThat(e.getMessage()).contains("over the limit of 3000000 bytes").contains("nothing was written");
                    assertThat((Long) e.details().get("storedBytes")).isGreaterThan(3_000_000L);
                    assertThat(e.details()).containsEntry("maxCheckpointBytes", 3_000_000L);
                });
        assertThat(LocalTables.items(client, table, thread)).isEmpty();

        // On a thread with history too: its items are exactly as before.
        Checkpoint first = steps.first(thread);
        store.commit(new Commit(first, 0));
        List<Map<String, AttributeValue>> before = LocalTables.items(client, table, thread);
        Checkpoint next = steps.nextWith(first, new StateChange.Snapshot(randomState(3 * 1024 * 1024)));
        assertThatThrownBy(() -> store.commit(new Commit(next, 1)))
                .isInstanceOfSatisfying(ThreadlineException.class, e -> assertThat(e.code()).isEqualTo(ErrorCode.PAYLOAD_TOO_LARGE));
        assertThat(LocalTables.items(client, table, thread)).isEqualTo(before);
        assertThat(store.head(thread).orElseThrow().checkpointId()).isEqualTo(first.id());
    }

    @Test
    void manySmallChunksReassembleAcrossPagesOfHistoryAndChains() {
        // Tiny items force dozens of chunks per checkpoint, so query pages end in the middle of a checkpoint.
        DynamoDbCheckpointStore tiny = new DynamoDbCheckpointStore(client,
                DynamoDbStoreSettings.defaults(table).withSizes(1 << 20, 1024, 98 * 1024), Clock.systemUTC());
        ThreadKey thread = newThread();
        List<Checkpoint> chain = new ArrayList<>();
        Checkpoint cp = steps.first(thread, randomState(20_000));
        tiny.commit(new Commit(cp, 0));
        chain.add(cp);
        for (int s = 2; s <= 6; s++) {
            cp = steps.nextWith(cp, s == 4 ? new StateChange.Snapshot(randomState(30_000))
                    : new StateChange.Delta(("[{\"op\":\"replace\",\"path\":\"/blob\",\"value\":\"" + "y".repeat(3000 * s) + "\"}]")
                    .getBytes(StandardCharsets.UTF_8)));
            tiny.commit(new Commit(cp, s - 1));
            chain.add(cp);
        }
        assertThat(itemsOf(thread, chain.get(3)).size()).isGreaterThan(35);

        assertThat(tiny.loadLatest(thread).orElseThrow().checkpoints()).containsExactlyElementsOf(chain.subList(3, 6));
        for (Checkpoint c : chain) {
            assertThat(tiny.get(thread, c.id())).contains(c);
            CheckpointChain loaded = tiny.load(thread, c.id()).orElseThrow();
            assertThat(loaded.target()).isEqualTo(c);
        }
        List<Checkpoint> history = new ArrayList<>();
        String cursor = null;
        do {
            HistoryPage page = tiny.history(thread, new HistoryQuery(2, cursor));
            history.addAll(page.checkpoints());
            cursor = page.nextCursor();
        } while (cursor != null);
        List<Checkpoint> newestFirst = new ArrayList<>(chain);
        Collections.reverse(newestFirst);
        assertThat(history).containsExactlyElementsOf(newestFirst);
    }
}
