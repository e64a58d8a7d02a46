package io.threadline.checkpoint.dynamodb;

import io.threadline.ErrorCode;
import io.threadline.InvocationDeadline;
import io.threadline.ThreadlineException;
import io.threadline.checkpoint.Checkpoint;
import io.threadline.checkpoint.CheckpointChain;
import io.threadline.checkpoint.CheckpointId;
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
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import software.amazon.awssdk.core.SdkBytes;
import software.amazon.awssdk.core.SdkRequest;
import software.amazon.awssdk.core.exception.SdkClientException;
import software.amazon.awssdk.core.interceptor.Context;
import software.amazon.awssdk.core.interceptor.ExecutionAttributes;
import software.amazon.awssdk.core.interceptor.ExecutionInterceptor;
import software.amazon.awssdk.services.dynamodb.model.AttributeValue;
import software.amazon.awssdk.services.dynamodb.model.BatchWriteItemRequest;
import software.amazon.awssdk.services.dynamodb.model.PutItemRequest;
import software.amazon.awssdk.services.dynamodb.model.QueryRequest;

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
import java.util.SplittableRandom;
import java.util.UUID;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Predicate;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * Delta packing ({@code threadline.dynamodb.deltas-per-pack}) on DynamoDB Local: what the table holds after a block is
 * packed, and that every read — the latest chain, a chain to any checkpoint, one checkpoint, history pages — returns
 * exactly what it returns unpacked, also in the state a crash between the pack's put and its deletes leaves.
 */
class DeltaPackingTest {

    private static final int BLOCK = 8;

    private static final Refusals REFUSALS = new Refusals();

    @RegisterExtension
    static final LocalTable TABLE = LocalTable.named("packing").intercepting(REFUSALS);

    private static DynamoDbCheckpointStore packed;
    private static DynamoDbCheckpointStore unpacked;

    private final Steps steps = new Steps(Instant.now());

    /** Refuses, while set, the requests it matches before they are sent, as a DynamoDB that fails them every time. */
    private static final class Refusals implements ExecutionInterceptor {
        private volatile Predicate<SdkRequest> refused = request -> false;
        private final AtomicInteger count = new AtomicInteger();

        /** Refuses what {@code which} matches until {@link #stop}; returns the requests refused so far, 0. */
        void refuse(Predicate<SdkRequest> which) {
            count.set(0);
            refused = which;
        }

        /** Stops refusing; returns how many requests were refused. */
        int stop() {
            refused = request -> false;
            return count.get();
        }

        @Override
        public void beforeExecution(Context.BeforeExecution context, ExecutionAttributes attributes) {
            if (refused.test(context.request())) {
                count.incrementAndGet();
                throw SdkClientException.create("refused by the test: " + context.request().getClass().getSimpleName());
            }
        }
    }

    @AfterEach
    void refuseNothing() {
        REFUSALS.stop();
    }

    @BeforeAll
    static void createStores() {
        DynamoDbStoreSettings settings = DynamoDbStoreSettings.defaults(TABLE.name());
        packed = new DynamoDbCheckpointStore(TABLE.client(), settings.withDeltasPerPack(BLOCK), Clock.systemUTC());
        unpacked = new DynamoDbCheckpointStore(TABLE.client(), settings.withDeltasPerPack(0), Clock.systemUTC());
    }

    /** A store packing by {@link #BLOCK} that has committed nothing yet: a new container's, which reads a block back. */
    private static DynamoDbCheckpointStore coldPacked() {
        return new DynamoDbCheckpointStore(TABLE.client(), packed.settings(), Clock.systemUTC());
    }

    /** A thread of {@code steps} steps committed by {@code store}, snapshots at the steps given (and step 1). */
    private List<Checkpoint> thread(DynamoDbCheckpointStore store, int count, List<Integer> snapshots) {
        Checkpoint cp = steps.first(ThreadKey.of("packing", "th-" + UUID.randomUUID()));
        List<Checkpoint> chain = new ArrayList<>(List.of(cp));
        store.commit(new Commit(cp, 0));
        extend(store, chain, count, snapshots);
        return chain;
    }

    /** Commits the steps after {@code chain}'s last up to {@code count}, snapshots at the steps given; adds them to it. */
    private void extend(DynamoDbCheckpointStore store, List<Checkpoint> chain, int count, List<Integer> snapshots) {
        Checkpoint cp = chain.get(chain.size() - 1);
        for (int s = chain.size() + 1; s <= count; s++) {
            Checkpoint next = steps.next(cp, snapshots.contains(s));
            store.commit(new Commit(next, cp.step(), next.isSnapshot() ? null : snapshotOf(chain, chain.size() - 1).createdAt()));
            chain.add(next);
            cp = next;
        }
    }

    /** The snapshot that the checkpoint at {@code index} of {@code chain} is read from. */
    private static Checkpoint snapshotOf(List<Checkpoint> chain, int index) {
        int i = index;
        while (!chain.get(i).isSnapshot()) {
            i--;
        }
        return chain.get(i);
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
    void aBlockIsPackedIntoOneItemAndItsDeltasItemsAreDeleted() {
        List<Checkpoint> chain = thread(packed, 20, List.of());
        // blocks end at steps 8 and 16: steps 2-7 (1 is the snapshot) and 8-15 are packed, 16-20 are items of their own
        assertThat(checkpointItems(chain.get(0).thread())).extracting(DeltaPackingTest::kind)
                .containsExactly("S1", "P2-7", "P8-15", "D16", "D17", "D18", "D19", "D20");
        readsAgree(packed, chain, 0);
        assertThat(unpacked.loadLatest(chain.get(0).thread()).orElseThrow().checkpoints())
                .as("a store that does not pack reads packs all the same").containsExactlyElementsOf(chain);
    }

    @Test
    void aWritersOwnBlockIsPackedFromWhatItCommittedExactlyAsFromTheTable() {
        // The writer that committed the block packs it from memory; a new container would read it back: the same item.
        DynamoDbCheckpointStore writer = coldPacked();
        List<Checkpoint> chain = thread(writer, BLOCK - 1, List.of());
        ThreadKey thread = chain.get(0).thread();
        List<Map<String, AttributeValue>> single = checkpointItems(thread);
        REFUSALS.refuse(request -> request instanceof QueryRequest); // no read-back: the block comes from memory
        extend(writer, chain, BLOCK, List.of());
        assertThat(REFUSALS.stop()).isZero();
        Map<String, AttributeValue> fromMemory = checkpointItems(thread).get(1);
        assertThat(kind(fromMemory)).isEqualTo("P2-7");
        TABLE.client().deleteItem(b -> b.tableName(TABLE.name()).key(Map.of(Keys.PK, fromMemory.get(Keys.PK), Keys.SK, fromMemory.get(Keys.SK))));
        restore(single, 2, 7);
        assertThat(new DeltaPacker(TABLE.client(), writer.settings()).pack(thread, chain.get(BLOCK - 1))).isEqualTo(BLOCK - 2);
        assertThat(checkpointItems(thread)).extracting(DeltaPackingTest::kind).containsExactly("S1", "P2-7", "D8");
        assertThat(checkpointItems(thread).get(1)).isEqualTo(fromMemory);
        readsAgree(writer, chain, 0);
    }

    @Test
    void aWriterThatDidNotCommitTheWholeBlockReadsItBack() {
        // Steps 1-5 by one container, 6-16 by another (a new one): the second knows only part of the first block.
        List<Checkpoint> chain = thread(coldPacked(), 5, List.of());
        DynamoDbCheckpointStore second = coldPacked();
        extend(second, chain, 16, List.of());
        assertThat(checkpointItems(chain.get(0).thread())).extracting(DeltaPackingTest::kind)
                .containsExactly("S1", "P2-7", "P8-15", "D16");
        readsAgree(second, chain, 0);
    }

    @Test
    void aThreadDeletedAndWrittenAgainElsewhereIsPackedFromItsNewCheckpoints() {
        // A container commits steps 1-7; another deletes the thread and writes steps 1-7 again; the first commits step 8
        // on the new head. What it kept of the former steps 1-7 must not go into the pack: the block is read back.
        DynamoDbCheckpointStore first = coldPacked();
        List<Checkpoint> former = thread(first, BLOCK - 1, List.of());
        ThreadKey thread = former.get(0).thread();
        DynamoDbCheckpointStore second = coldPacked();
        second.delete(thread);
        Checkpoint cp = steps.first(thread);
        List<Checkpoint> chain = new ArrayList<>(List.of(cp));
        second.commit(new Commit(cp, 0));
        extend(second, chain, BLOCK - 1, List.of());
        extend(first, chain, BLOCK, List.of());
        assertThat(checkpointItems(thread)).extracting(DeltaPackingTest::kind).containsExactly("S1", "P2-7", "D8");
        readsAgree(first, chain, 0);
    }

    @Test
    void aStoreForgetsWhatItCommittedToAThreadItDeletes() {
        DynamoDbCheckpointStore writer = coldPacked();
        ThreadKey thread = thread(writer, 3, List.of()).get(0).thread();
        assertThat(writer.remembersRecentCommitsOf(thread)).isTrue();
        writer.delete(thread);
        assertThat(writer.remembersRecentCommitsOf(thread)).isFalse();
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
    void aCommitNearItsInvocationsEndLeavesItsBlockUnpacked() {
        List<Checkpoint> chain = thread(packed, BLOCK - 1, List.of());
        ThreadKey thread = chain.get(0).thread();
        Checkpoint eighth = steps.next(chain.get(BLOCK - 2), false);
        // less than DeltaPacker.MIN_TIME_LEFT before the invocation's end: the commit is done, the packing is not tried
        InvocationDeadline.within(Instant.now().plusMillis(500), () -> packed.commit(new Commit(eighth, BLOCK - 1)));
        chain.add(eighth);
        assertThat(checkpointItems(thread)).extracting(DeltaPackingTest::kind)
                .containsExactly("S1", "D2", "D3", "D4", "D5", "D6", "D7", "D8");
        // with time left, the next block packs as usual
        InvocationDeadline.within(Instant.now().plusSeconds(60), () -> {
            extend(packed, chain, 2 * BLOCK, List.of());
            return null;
        });
        assertThat(checkpointItems(thread)).extracting(DeltaPackingTest::kind)
                .containsExactly("S1", "D2", "D3", "D4", "D5", "D6", "D7", "P8-15", "D16");
        readsAgree(packed, chain, 0);
    }

    @Test
    void aBlockWhoseEnvelopesAreNotOneChainIsNotPacked() {
        // step 12's item holding step 11's envelope: a pack of it would be refused by every read, so none is made
        List<Checkpoint> chain = thread(unpacked, 16, List.of());
        ThreadKey thread = chain.get(0).thread();
        List<Map<String, AttributeValue>> items = checkpointItems(thread);
        Map<String, AttributeValue> twelfth = new HashMap<>(items.get(11));
        twelfth.put(Keys.DATA, items.get(10).get(Keys.DATA));
        TABLE.client().putItem(b -> b.tableName(TABLE.name()).item(twelfth));
        List<Map<String, AttributeValue>> before = checkpointItems(thread);
        assertThat(new DeltaPacker(TABLE.client(), packed.settings()).pack(thread, chain.get(15))).isZero();
        assertThat(checkpointItems(thread)).isEqualTo(before);
    }

    @Test
    void aDeleteCountsEachCheckpointOnceWhateverHoldsIt() {
        // a pack of 8-15 with all of its deltas' items left beside it (deletes that did not happen)
        List<Checkpoint> chain = thread(unpacked, 20, List.of());
        ThreadKey thread = chain.get(0).thread();
        List<Map<String, AttributeValue>> items = checkpointItems(thread);
        assertThat(new DeltaPacker(TABLE.client(), packed.settings()).pack(thread, chain.get(15))).isEqualTo(8);
        restore(items, 8, 15);
        assertThat(packed.delete(thread).checkpoints()).isEqualTo(20);
    }

    @Test
    void aPackPutAfterTheThreadsDeleteBeganIsTakenBack() {
        // A packer that read its block before a delete swept the partition, and puts its pack after: the head it reads
        // then (gone, or a tombstone) tells it, and it deletes its pack instead of the block's items.
        List<Checkpoint> chain = thread(unpacked, 16, List.of());
        ThreadKey thread = chain.get(0).thread();
        List<Map<String, AttributeValue>> block = checkpointItems(thread).subList(7, 15);
        assertThat(block).extracting(DeltaPackingTest::kind).containsExactly("D8", "D9", "D10", "D11", "D12", "D13", "D14", "D15");
        packed.delete(thread);
        block.forEach(item -> TABLE.client().putItem(b -> b.tableName(TABLE.name()).item(item)));
        assertThat(new DeltaPacker(TABLE.client(), packed.settings()).pack(thread, chain.get(15))).isZero();
        assertThat(checkpointItems(thread)).as("no pack left behind; the block's items are the test's own")
                .extracting(DeltaPackingTest::kind).containsExactly("D8", "D9", "D10", "D11", "D12", "D13", "D14", "D15");
        block.forEach(item -> TABLE.client().deleteItem(b -> b.tableName(TABLE.name()).key(Map.of(Keys.PK, item.get(Keys.PK),
                Keys.SK, item.get(Keys.SK)))));
        assertThat(TABLE.itemsNaming(thread)).isEmpty();
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
        assertThat(settings.withDeltasPerPack(256).deltasPerPack()).isEqualTo(256);
        for (int bad : new int[]{1, -1, 257}) {
            assertThatThrownBy(() -> settings.withDeltasPerPack(bad)).isInstanceOf(IllegalArgumentException.class)
                    .hasMessage("threadline.dynamodb.deltas-per-pack must be 0 (never pack) or between 2 and 256, got " + bad);
        }
    }

    /**
     * Commits steps 1-8 while DynamoDB refuses the requests {@code refused} matches: step 8 packs 2-7, and is tried. Every
     * commit stands, the table holds {@code layout}, and every read is exact.
     */
    private List<Checkpoint> firstBlockRefusing(Predicate<SdkRequest> refused, String... layout) {
        REFUSALS.refuse(refused);
        List<Checkpoint> chain = thread(packed, BLOCK, List.of());
        assertThat(REFUSALS.stop()).as("refused while packing 2-7").isPositive();
        ThreadKey thread = chain.get(0).thread();
        assertThat(packed.head(thread).orElseThrow().checkpointId()).isEqualTo(chain.get(BLOCK - 1).id());
        assertThat(checkpointItems(thread)).extracting(DeltaPackingTest::kind).containsExactly(layout);
        readsAgree(packed, chain, 0);
        return chain;
    }

    @Test
    void whenAPacksDeletesFailTheCommitStandsReadsStayExactAndTheNextBlockPacks() {
        List<Checkpoint> chain = firstBlockRefusing(BatchWriteItemRequest.class::isInstance,
                "S1", "P2-7", "D2", "D3", "D4", "D5", "D6", "D7", "D8");
        extend(packed, chain, 2 * BLOCK + 1, List.of());
        assertThat(checkpointItems(chain.get(0).thread())).extracting(DeltaPackingTest::kind)
                .as("the next block packs; the first block's deltas are left to a prune or the thread's delete")
                .containsExactly("S1", "P2-7", "D2", "D3", "D4", "D5", "D6", "D7", "P8-15", "D16", "D17");
        readsAgree(packed, chain, 0);
    }

    @Test
    void whenAPacksPutFailsTheCommitStandsItsDeltasStayAndTheNextBlockPacks() {
        List<Checkpoint> chain = firstBlockRefusing(request -> request instanceof PutItemRequest put && put.hasItem()
                && Keys.KIND_PACK.equals(put.item().get(Keys.KIND).s()), "S1", "D2", "D3", "D4", "D5", "D6", "D7", "D8");
        extend(packed, chain, 2 * BLOCK + 1, List.of());
        assertThat(checkpointItems(chain.get(0).thread())).extracting(DeltaPackingTest::kind)
                .containsExactly("S1", "D2", "D3", "D4", "D5", "D6", "D7", "P8-15", "D16", "D17");
        readsAgree(packed, chain, 0);
    }

    @Test
    void aPrunePastAPackWhoseDeltasWereNotDeletedCountsEachCheckpointOnce() {
        List<Checkpoint> chain = firstBlockRefusing(BatchWriteItemRequest.class::isInstance,
                "S1", "P2-7", "D2", "D3", "D4", "D5", "D6", "D7", "D8");
        extend(packed, chain, 2 * BLOCK, List.of(10));
        ThreadKey thread = chain.get(0).thread();
        assertThat(checkpointItems(thread)).extracting(DeltaPackingTest::kind)
                .containsExactly("S1", "P2-7", "D2", "D3", "D4", "D5", "D6", "D7", "D8", "D9", "S10", "P11-15", "D16");

        PruneReport report = packed.prune(thread, new RetentionPolicy(3), Instant.now());

        // steps 1-9 go: S1, P2-7, D8 and D9, and the items of 2-7 that P2-7 holds as well
        assertThat(report.removed()).isEqualTo(9);
        assertThat(report.oldestKeptStep()).isEqualTo(10);
        assertThat(checkpointItems(thread)).extracting(DeltaPackingTest::kind).containsExactly("S10", "P11-15", "D16");
        assertThat(packed.loadLatest(thread).orElseThrow().checkpoints()).containsExactlyElementsOf(chain.subList(9, 16));
    }

    @Test
    void aDeltaThatCannotBeReadBackLeavesItsBlockUnpackedAndTheCommitStands() {
        List<Checkpoint> chain = thread(packed, BLOCK - 1, List.of());
        ThreadKey thread = chain.get(0).thread();
        Map<String, AttributeValue> fifth = new HashMap<>(checkpointItems(thread).get(4));
        assertThat(kind(fifth)).isEqualTo("D5");
        fifth.put(Keys.COMPRESSED, AttributeValue.fromN("1"));
        fifth.put(Keys.DATA, AttributeValue.fromB(SdkBytes.fromUtf8String("not gzip")));
        TABLE.client().putItem(b -> b.tableName(TABLE.name()).item(fifth));

        // a writer that did not commit the block (a new container) reads it back, and meets the item
        extend(coldPacked(), chain, BLOCK, List.of());

        assertThat(packed.head(thread).orElseThrow().checkpointId()).isEqualTo(chain.get(BLOCK - 1).id());
        assertThat(checkpointItems(thread)).extracting(DeltaPackingTest::kind)
                .containsExactly("S1", "D2", "D3", "D4", "D5", "D6", "D7", "D8");
    }

    /** Blocks of 4 and a snapshot every 23 steps: blocks cut short by a snapshot, and a snapshot that ends a block (92). */
    private static final int UNDER_READS_BLOCK = 4;
    private static final int UNDER_READS_STEPS = 200;
    private static final int UNDER_READS_SNAPSHOT_EVERY = 23;
    private static final int READERS = 3;
    /** Rounds each reader makes at the least, however soon the writer is done. */
    private static final int MIN_ROUNDS = 3;

    @Test
    void readersOfAThreadBeingPackedMeetExactlyWhatIsCommitted() throws Exception {
        DynamoDbCheckpointStore store = new DynamoDbCheckpointStore(TABLE.client(),
                packed.settings().withDeltasPerPack(UNDER_READS_BLOCK), Clock.systemUTC());
        List<Checkpoint> plan = new ArrayList<>(List.of(steps.first(ThreadKey.of("packing", "th-" + UUID.randomUUID()))));
        for (int s = 2; s <= UNDER_READS_STEPS; s++) {
            plan.add(steps.next(plan.get(s - 2), s % UNDER_READS_SNAPSHOT_EVERY == 0));
        }
        Map<CheckpointId, Integer> indexOf = new HashMap<>();
        plan.forEach(cp -> indexOf.put(cp.id(), indexOf.size()));
        ThreadKey thread = plan.get(0).thread();
        // the index of the newest checkpoint whose commit has begun, and of the newest whose commit has returned
        AtomicInteger begun = new AtomicInteger(0);
        AtomicInteger committed = new AtomicInteger(0);
        store.commit(new Commit(plan.get(0), 0));

        ExecutorService pool = Executors.newFixedThreadPool(READERS + 1);
        try {
            Future<?> writer = pool.submit(() -> {
                for (int i = 1; i < plan.size(); i++) {
                    Checkpoint cp = plan.get(i);
                    begun.set(i);
                    store.commit(new Commit(cp, cp.step() - 1, cp.isSnapshot() ? null : snapshotOf(plan, i - 1).createdAt()));
                    committed.set(i);
                }
            });
            List<Future<Integer>> readers = new ArrayList<>();
            for (int r = 0; r < READERS; r++) {
                SplittableRandom random = new SplittableRandom(r);
                readers.add(pool.submit(() -> {
                    int rounds = 0;
                    while (!writer.isDone() || rounds < MIN_ROUNDS) {
                        int low = committed.get();
                        CheckpointChain latest = store.loadLatest(thread).orElseThrow();
                        int at = indexOf.getOrDefault(latest.target().id(), -1);
                        assertThat(at).as("the latest's step, with %d to %d committed", low + 1, begun.get() + 1)
                                .isBetween(low, begun.get());
                        assertThat(latest.checkpoints()).as("the latest chain, up to step %d", at + 1)
                                .containsExactlyElementsOf(plan.subList(plan.indexOf(snapshotOf(plan, at)), at + 1));

                        int some = random.nextInt(committed.get() + 1);
                        Checkpoint target = plan.get(some);
                        assertThat(store.get(thread, target.id())).as("get of step %d", some + 1).contains(target);
                        assertThat(store.load(thread, target.id()).orElseThrow().checkpoints()).as("the chain to step %d", some + 1)
                                .containsExactlyElementsOf(plan.subList(plan.indexOf(snapshotOf(plan, some)), some + 1));

                        historyIsASuffix(store, plan, indexOf, new int[]{1, 3, 7}[rounds % 3], committed, begun);
                        rounds++;
                    }
                    return rounds;
                }));
            }
            writer.get(2, TimeUnit.MINUTES);
            for (Future<Integer> reader : readers) {
                assertThat(reader.get(2, TimeUnit.MINUTES)).isGreaterThanOrEqualTo(MIN_ROUNDS);
            }
        } finally {
            pool.shutdownNow();
        }

        // Every checkpoint is in exactly one item (each pack's deltas were deleted), and the blocks packed are those due.
        int packs = 0;
        int held = 0;
        for (Map<String, AttributeValue> item : checkpointItems(thread)) {
            long first = Long.parseLong(item.get(Keys.STEP).n());
            long last = item.containsKey(Keys.PACK_LAST_STEP) ? Long.parseLong(item.get(Keys.PACK_LAST_STEP).n()) : first;
            packs += item.get(Keys.KIND).s().equals(Keys.KIND_PACK) ? 1 : 0;
            held += (int) (last - first + 1);
        }
        assertThat(held).isEqualTo(UNDER_READS_STEPS);
        assertThat(packs).isEqualTo(packsDue(plan, UNDER_READS_BLOCK));
        AtomicInteger all = new AtomicInteger(plan.size() - 1);
        historyIsASuffix(store, plan, indexOf, UNDER_READS_BLOCK + 1, all, all);
        for (Checkpoint cp : plan) {
            assertThat(store.get(thread, cp.id())).as("get of step %d", cp.step()).contains(cp);
        }
    }

    /**
     * The packs due (DeltaPacker): every step that is a multiple of {@code block} and a delta packs the steps of the block
     * before it, if at least 2 of them are deltas after the snapshot before them.
     */
    private static int packsDue(List<Checkpoint> plan, int block) {
        int due = 0;
        for (int step = block; step <= plan.size(); step += block) {
            int deltas = 0;
            for (int s = step - 1; s >= Math.max(1, step - block) && !plan.get(s - 1).isSnapshot(); s--) {
                deltas++;
            }
            due += !plan.get(step - 1).isSnapshot() && deltas >= 2 ? 1 : 0;
        }
        return due;
    }

    /**
     * Pages through the whole history: the pages, in order, are the committed checkpoints from the newest at the first
     * page's read down to step 1, each once, each page but the last full.
     */
    private static void historyIsASuffix(DynamoDbCheckpointStore store, List<Checkpoint> plan, Map<CheckpointId, Integer> indexOf,
                                         int limit, AtomicInteger committed, AtomicInteger begun) {
        ThreadKey thread = plan.get(0).thread();
        int low = committed.get();
        HistoryPage page = store.history(thread, HistoryQuery.first(limit));
        int high = begun.get();
        assertThat(page.checkpoints()).isNotEmpty();
        int top = indexOf.getOrDefault(page.checkpoints().get(0).id(), -1);
        assertThat(top).as("the newest in history, with %d to %d committed", low + 1, high + 1).isBetween(low, high);
        List<Checkpoint> pages = new ArrayList<>(page.checkpoints());
        while (page.nextCursor() != null) {
            assertThat(page.checkpoints()).as("a page of %d before the last, from step %d", limit, top + 1).hasSize(limit);
            page = store.history(thread, new HistoryQuery(limit, page.nextCursor()));
            pages.addAll(page.checkpoints());
        }
        List<Checkpoint> newestFirst = new ArrayList<>(plan.subList(0, top + 1));
        Collections.reverse(newestFirst);
        assertThat(pages).as("history from step %d in pages of %d", top + 1, limit).containsExactlyElementsOf(newestFirst);
    }
}
