package io.threadline.checkpoint.dynamodb;

import io.threadline.ErrorCode;
import io.threadline.ThreadlineException;
import io.threadline.checkpoint.Checkpoint;
import io.threadline.checkpoint.CheckpointChain;
import io.threadline.checkpoint.Commit;
import io.threadline.checkpoint.HistoryPage;
import io.threadline.checkpoint.HistoryQuery;
import io.threadline.checkpoint.PruneReport;
import io.threadline.checkpoint.RetentionPolicy;
import io.threadline.checkpoint.StateChange;
import io.threadline.checkpoint.ThreadKey;
import io.threadline.checkpoint.dynamodb.internal.DeltaPacker;
import io.threadline.checkpoint.dynamodb.internal.Keys;
import io.smallrye.config.WithDefault;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import software.amazon.awssdk.core.SdkBytes;
import software.amazon.awssdk.services.dynamodb.model.AttributeValue;

import java.time.Clock;
import java.time.Instant;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
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
 * Delta packing ({@code threadline.dynamodb.deltas-per-pack}) on DynamoDB Local: what the table holds after a block is
 * packed, and that every read — the latest chain, a chain to any checkpoint, one checkpoint, history pages — returns
 * exactly what it returns unpacked, also in the state a crash between the pack's put and its deletes leaves.
 */
class DeltaPackingTest {

    private static final int BLOCK = 8;

    @RegisterExtension
    static final LocalTable TABLE = LocalTable.named("packing");

    private static DynamoDbCheckpointStore packed;
    private static DynamoDbCheckpointStore unpacked;

    private final Steps steps = new Steps(Instant.now());

    @BeforeAll
    static void createStores() {
        DynamoDbStoreSettings settings = DynamoDbStoreSettings.defaults(TABLE.name());
        packed = new DynamoDbCheckpointStore(TABLE.client(), settings.withDeltasPerPack(BLOCK), Clock.systemUTC());
        unpacked = new DynamoDbCheckpointStore(TABLE.client(), settings.withDeltasPerPack(0), Clock.systemUTC());
    }

    /** A thread of {@code steps} steps committed by {@code store}, snapshots at the steps given (and step 1). */
    private List<Checkpoint> thread(DynamoDbCheckpointStore store, int count, List<Integer> snapshots) {
        Checkpoint cp = steps.first(ThreadKey.of("packing", "th-" + UUID.randomUUID()));
        List<Checkpoint> chain = new ArrayList<>(List.of(cp));
        store.commit(new Commit(cp, 0));
        Checkpoint snapshot = cp;
        for (int s = 2; s <= count; s++) {
            Checkpoint next = steps.next(cp, snapshots.contains(s));
            store.commit(new Commit(next, cp.step(), next.isSnapshot() ? null : snapshot.createdAt()));
            snapshot = next.isSnapshot() ? next : snapshot;
            chain.add(next);
            cp = next;
        }
        return chain;
    }

    private static List<Map<String, AttributeValue>> checkpointItems(ThreadKey thread) {
        return TABLE.client().queryPaginator(b -> b.tableName(TABLE.name()).consistentRead(true)
                .keyConditionExpression("pk = :pk AND begins_with(sk, :cp)")
                .expressionAttributeValues(Map.of(":pk", AttributeValue.fromS(Keys.partition(thread)),
                        ":cp", AttributeValue.fromS(Keys.CHECKPOINT_PREFIX)))).items().stream().toList();
    }

    private static String kind(Map<String, AttributeValue> item) {
        return item.get(Keys.KIND).s() + item.get(Keys.STEP).n()
                + (item.containsKey(Keys.PACK_LAST_STEP) ? "-" + item.get(Keys.PACK_LAST_STEP).n() : "");
    }

    /** Every read a caller can make, compared with the checkpoints committed. */
    private static void readsAgree(DynamoDbCheckpointStore store, List<Checkpoint> chain, int lastSnapshotIndex) {
        ThreadKey thread = chain.get(0).thread();
        assertThat(store.loadLatest(thread).orElseThrow().checkpoints())
                .containsExactlyElementsOf(chain.subList(lastSnapshotIndex, chain.size()));
        for (int i = 0; i < chain.size(); i++) {
            Checkpoint cp = chain.get(i);
            assertThat(store.get(thread, cp.id())).as("get of step %d", cp.step()).contains(cp);
            CheckpointChain to = store.load(thread, cp.id()).orElseThrow();
            assertThat(to.target()).as("chain to step %d", cp.step()).isEqualTo(cp);
            assertThat(to.snapshot().isSnapshot()).isTrue();
            assertThat(to.checkpoints()).containsExactlyElementsOf(chain.subList(chain.indexOf(to.snapshot()), i + 1));
        }
        for (int limit : new int[]{1, 3, 5, BLOCK, HistoryQuery.MAX_LIMIT}) {
            List<Checkpoint> pages = new ArrayList<>();
            HistoryPage page = store.history(thread, HistoryQuery.first(limit));
            pages.addAll(page.checkpoints());
            while (page.nextCursor() != null) {
                assertThat(page.checkpoints()).hasSize(limit);
                page = store.history(thread, new HistoryQuery(limit, page.nextCursor()));
                pages.addAll(page.checkpoints());
            }
            List<Checkpoint> newestFirst = new ArrayList<>(chain);
            Collections.reverse(newestFirst);
            assertThat(pages).as("history in pages of %d", limit).containsExactlyElementsOf(newestFirst);
        }
    }

    @Test
    void aBlockIsPackedIntoItsFirstDeltasItemAndTheOthersAreDeleted() {
        List<Checkpoint> chain = thread(packed, 20, List.of());
        // blocks end at steps 8 and 16: steps 2-7 (1 is the snapshot) and 8-15 are packed, 16-20 are items of their own
        assertThat(checkpointItems(chain.get(0).thread())).extracting(DeltaPackingTest::kind)
                .containsExactly("S1", "P2-7", "P8-15", "D16", "D17", "D18", "D19", "D20");
        readsAgree(packed, chain, 0);
        assertThat(unpacked.loadLatest(chain.get(0).thread()).orElseThrow().checkpoints())
                .as("a store that does not pack reads packs all the same").containsExactlyElementsOf(chain);
    }

    @Test
    void aSnapshotCutsABlockShortAndItsCommitPacksNothing() {
        List<Checkpoint> chain = thread(packed, 27, List.of(12, 24));
        // step 16 packs 13-15 (12 is a snapshot); 24 is a snapshot, so the block 16-23 stays as it is
        assertThat(checkpointItems(chain.get(0).thread())).extracting(DeltaPackingTest::kind)
                .containsExactly("S1", "P2-7", "D8", "D9", "D10", "D11", "S12", "P13-15", "D16", "D17", "D18", "D19", "D20",
                        "D21", "D22", "D23", "S24", "D25", "D26", "D27");
        readsAgree(packed, chain, 23);
    }

    @Test
    void readsAreExactWhileAPacksDeltasAreNotYetDeleted() {
        // What a crash between the pack's put and its deletes leaves: the pack, and its deltas' items beside it.
        List<Checkpoint> chain = thread(unpacked, 20, List.of());
        ThreadKey thread = chain.get(0).thread();
        List<Map<String, AttributeValue>> before = checkpointItems(thread);
        DeltaPacker packer = new DeltaPacker(TABLE.client(), packed.settings());
        assertThat(packer.pack(thread, chain.get(15))).isEqualTo(8);
        before.forEach(item -> TABLE.client().putItem(b -> b.tableName(TABLE.name()).item(item)));
        assertThat(checkpointItems(thread)).extracting(DeltaPackingTest::kind).contains("P8-15", "D8", "D9", "D15");
        readsAgree(packed, chain, 0);
        // and with only some of them deleted (a batch that was not finished)
        for (int s : new int[]{10, 13, 14}) {
            TABLE.client().deleteItem(b -> b.tableName(TABLE.name()).key(Map.of(Keys.PK, AttributeValue.fromS(Keys.partition(thread)),
                    Keys.SK, AttributeValue.fromS(Keys.checkpoint(chain.get(s - 1).id())))));
        }
        readsAgree(packed, chain, 0);
    }

    @Test
    void packsOfOtherBlockSizesExcludeOrOverlapEachOtherAndNoPackIsEverDeleted() {
        // Writers with different settings (a deployment changing deltas-per-pack) on one thread.
        List<Checkpoint> chain = thread(unpacked, 20, List.of());
        ThreadKey thread = chain.get(0).thread();
        List<Map<String, AttributeValue>> unpackedItems = checkpointItems(thread);
        DeltaPacker byFour = new DeltaPacker(TABLE.client(), packed.settings().withDeltasPerPack(4));
        DeltaPacker byEight = new DeltaPacker(TABLE.client(), packed.settings());
        DeltaPacker byThree = new DeltaPacker(TABLE.client(), packed.settings().withDeltasPerPack(3));
        assertThat(byFour.pack(thread, chain.get(11))).as("steps 8-11, after step 7").isEqualTo(4);
        // steps 8-11's items back (a packer of 8 that read them before they went): it packs from step 7 too, and is refused
        restore(unpackedItems, 8, 11);
        assertThat(byEight.pack(thread, chain.get(15))).isZero();
        assertThat(checkpointItems(thread)).extracting(DeltaPackingTest::kind).containsExactly("S1", "D2", "D3", "D4", "D5", "D6",
                "D7", "P8-11", "D8", "D9", "D10", "D11", "D12", "D13", "D14", "D15", "D16", "D17", "D18", "D19", "D20");
        readsAgree(packed, chain, 0);
        // the same pack again (a put the SDK retried after its answer was lost): taken as put, so the deletes follow
        assertThat(byFour.pack(thread, chain.get(11))).isEqualTo(4);
        // a pack of 9-11 beside the pack of 8-11: both stand, and reads take each checkpoint once
        restore(unpackedItems, 9, 11);
        assertThat(byThree.pack(thread, chain.get(11))).isEqualTo(3);
        assertThat(checkpointItems(thread)).extracting(DeltaPackingTest::kind).containsExactly("S1", "D2", "D3", "D4", "D5", "D6",
                "D7", "P8-11", "P9-11", "D12", "D13", "D14", "D15", "D16", "D17", "D18", "D19", "D20");
        readsAgree(packed, chain, 0);
        readsAgree(unpacked, chain, 0);
    }

    /** Puts back the items of steps {@code from} to {@code to} as they were read before any packing. */
    private static void restore(List<Map<String, AttributeValue>> items, int from, int to) {
        items.stream().filter(item -> Keys.isCheckpoint(item.get(Keys.SK).s()))
                .filter(item -> Long.parseLong(item.get(Keys.STEP).n()) >= from && Long.parseLong(item.get(Keys.STEP).n()) <= to)
                .forEach(item -> TABLE.client().putItem(b -> b.tableName(TABLE.name()).item(item)));
    }

    @Test
    void aCommitWhoseBlockCannotBePackedStillCommits() {
        // a member whose stored bytes do not inflate: the packer fails, the commit that ran it does not
        List<Checkpoint> chain = thread(packed, 7, List.of());
        ThreadKey thread = chain.get(0).thread();
        Map<String, AttributeValue> broken = new HashMap<>(checkpointItems(thread).get(3));
        broken.put(Keys.COMPRESSED, AttributeValue.fromN("1"));
        broken.put(Keys.DATA, AttributeValue.fromB(SdkBytes.fromUtf8String("not gzip")));
        TABLE.client().putItem(b -> b.tableName(TABLE.name()).item(broken));
        List<Map<String, AttributeValue>> before = checkpointItems(thread);
        Checkpoint next = steps.next(chain.get(6), false);
        assertThat(packed.commit(new Commit(next, 7, chain.get(0).createdAt())).checkpoint()).isEqualTo(next);
        assertThat(checkpointItems(thread)).hasSize(before.size() + 1).containsAll(before);
        assertThat(packed.head(thread).orElseThrow().step()).isEqualTo(8);
    }

    @Test
    void aBlockTooLargeForOneItemStaysAsItIs() {
        DynamoDbCheckpointStore small = new DynamoDbCheckpointStore(TABLE.client(), DynamoDbStoreSettings.defaults(TABLE.name())
                .withSizes(0, 1_024, 98 * 1_024).withDeltasPerPack(BLOCK), Clock.systemUTC());
        Checkpoint cp = steps.first(ThreadKey.of("packing", "th-" + UUID.randomUUID()));
        small.commit(new Commit(cp, 0));
        Random random = new Random(7);
        for (int s = 2; s <= 8; s++) {
            byte[] noise = new byte[300]; // incompressible: eight of them are over one item of 1,024 bytes
            random.nextBytes(noise);
            String patch = "[{\"op\":\"add\",\"path\":\"/n/-\",\"value\":\"" + Base64.getEncoder().encodeToString(noise) + "\"}]";
            Checkpoint next = steps.nextWith(cp, new StateChange.Delta(patch.getBytes(StandardCharsets.UTF_8)));
            small.commit(new Commit(next, cp.step()));
            cp = next;
        }
        assertThat(checkpointItems(cp.thread())).extracting(DeltaPackingTest::kind)
                .containsExactly("S1", "D2", "D3", "D4", "D5", "D6", "D7", "D8");
    }

    @Test
    void aBlockAlreadyPackedOrGoneIsLeftAsItIs() {
        List<Checkpoint> chain = thread(packed, 16, List.of());
        ThreadKey thread = chain.get(0).thread();
        List<Map<String, AttributeValue>> items = checkpointItems(thread);
        DeltaPacker packer = new DeltaPacker(TABLE.client(), packed.settings());
        // the block 8-15 is a pack already: the read-back stops at it, nothing is written
        assertThat(packer.pack(thread, chain.get(15))).isZero();
        assertThat(checkpointItems(thread)).isEqualTo(items);
        readsAgree(packed, chain, 0);
    }

    @Test
    void aPrunePastPacksCountsTheirCheckpointsAndKeepsTheThreadReadable() {
        List<Checkpoint> chain = thread(packed, 30, List.of(20));
        PruneReport report = packed.prune(chain.get(0).thread(), new RetentionPolicy(5), Instant.now());
        // steps 1-19 go: the snapshot, the packs of 2-7 and 8-15, and the items of 16-19; step 24 packed 21-23
        assertThat(report.removed()).isEqualTo(19);
        assertThat(report.oldestKeptStep()).isEqualTo(20);
        assertThat(checkpointItems(chain.get(0).thread())).extracting(DeltaPackingTest::kind)
                .containsExactly("S20", "P21-23", "D24", "D25", "D26", "D27", "D28", "D29", "D30");
        assertThat(packed.loadLatest(chain.get(0).thread()).orElseThrow().checkpoints())
                .containsExactlyElementsOf(chain.subList(19, 30));
    }

    @Test
    void aCorruptPackIsAnInternalErrorNamingItsSteps() {
        List<Checkpoint> chain = thread(packed, 10, List.of());
        ThreadKey thread = chain.get(0).thread();
        Map<String, AttributeValue> pack = new HashMap<>(checkpointItems(thread).get(1));
        assertThat(kind(pack)).isEqualTo("P2-7");
        pack.remove(Keys.COMPRESSED);
        pack.put(Keys.DATA, AttributeValue.fromB(SdkBytes.fromUtf8String("not a pack")));
        TABLE.client().putItem(b -> b.tableName(TABLE.name()).item(pack));
        assertThatThrownBy(() -> packed.loadLatest(thread)).isInstanceOf(ThreadlineException.class)
                .satisfies(e -> assertThat(((ThreadlineException) e).code()).isEqualTo(ErrorCode.INTERNAL))
                .hasMessageContaining("stored pack of steps 2-7 of " + thread + " (after checkpoint " + chain.get(0).id() + ") is unreadable")
                .hasMessageContaining("not a delta pack");
    }

    @Test
    void theBlockSizeIsZeroOrTwoToATopAndOffByDefault() throws NoSuchMethodException {
        DynamoDbStoreSettings settings = DynamoDbStoreSettings.defaults("threadline");
        assertThat(settings.deltasPerPack()).as("a version before packing cannot read a pack").isZero();
        assertThat(DynamoDbStoreConfig.class.getMethod("deltasPerPack").getAnnotation(WithDefault.class).value())
                .isEqualTo(String.valueOf(DynamoDbStoreSettings.DEFAULT_DELTAS_PER_PACK));
        assertThat(settings.withDeltasPerPack(0).deltasPerPack()).isZero();
        assertThat(settings.withDeltasPerPack(1024).deltasPerPack()).isEqualTo(1024);
        for (int bad : new int[]{1, -1, 1025}) {
            assertThatThrownBy(() -> settings.withDeltasPerPack(bad)).isInstanceOf(IllegalArgumentException.class)
                    .hasMessage("threadline.dynamodb.deltas-per-pack must be 0 (never pack) or between 2 and 1024, got " + bad);
        }
    }
}
