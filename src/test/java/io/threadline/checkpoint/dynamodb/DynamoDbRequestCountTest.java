package io.threadline.checkpoint.dynamodb;

import io.threadline.checkpoint.Checkpoint;
import io.threadline.checkpoint.CheckpointId;
import io.threadline.checkpoint.Commit;
import io.threadline.checkpoint.HistoryPage;
import io.threadline.checkpoint.HistoryQuery;
import io.threadline.checkpoint.ThreadKey;
import io.threadline.runs.Run;
import io.threadline.runs.RunStore;
import io.threadline.runs.RunStoreContract;
import io.threadline.runs.dynamodb.DynamoDbRunStore;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import software.amazon.awssdk.core.interceptor.Context;
import software.amazon.awssdk.core.interceptor.ExecutionAttributes;
import software.amazon.awssdk.core.interceptor.ExecutionInterceptor;

import java.time.Clock;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.UUID;
import java.util.function.Function;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowable;

/** What each store operation costs in DynamoDB requests: the budget the design promises, measured. */
class DynamoDbRequestCountTest {

    private static final List<String> calls = Collections.synchronizedList(new ArrayList<>());

    /** Notes each request's operation as the client sends it. */
    private static final ExecutionInterceptor COUNTING = new ExecutionInterceptor() {
        @Override
        public void beforeExecution(Context.BeforeExecution context, ExecutionAttributes attributes) {
            calls.add(context.request().getClass().getSimpleName().replace("Request", ""));
        }
    };

    @RegisterExtension
    static final LocalTable TABLE = LocalTable.named("calls").intercepting(COUNTING);

    private static DynamoDbCheckpointStore store;
    /** Packs deltas by the recommended 32. */
    private static DynamoDbCheckpointStore packed;

    private final Steps steps = new Steps(Instant.now());

    @BeforeAll
    static void createStore() {
        store = new DynamoDbCheckpointStore(TABLE.client(), DynamoDbStoreSettings.defaults(TABLE.name()), Clock.systemUTC());
        packed = new DynamoDbCheckpointStore(TABLE.client(), DynamoDbStoreSettings.defaults(TABLE.name())
                .withDeltasPerPack(DynamoDbStoreSettings.RECOMMENDED_DELTAS_PER_PACK), Clock.systemUTC());
    }

    private List<String> callsOf(Runnable operation) {
        calls.clear();
        operation.run();
        return List.copyOf(calls);
    }

    /** A thread of {@code deltas} deltas after one snapshot. */
    private List<Checkpoint> thread(int deltas) {
        return thread(deltas, null);
    }

    /** The same, each delta committed saying its chain started at {@code chainStartedAt} (as the runtime says). */
    private List<Checkpoint> thread(int deltas, Function<Checkpoint, Instant> chainStartedAt) {
        return thread(store, deltas, chainStartedAt);
    }

    private List<Checkpoint> thread(DynamoDbCheckpointStore store, int deltas, Function<Checkpoint, Instant> chainStartedAt) {
        Checkpoint cp = steps.first(ThreadKey.of("calls", "th-" + UUID.randomUUID()));
        Checkpoint snapshot = cp;
        List<Checkpoint> chain = new ArrayList<>(List.of(cp));
        store.commit(new Commit(cp, 0));
        for (int i = 0; i < deltas; i++) {
            Checkpoint next = steps.next(cp, false, i == 0 ? "first-delta" : null);
            store.commit(new Commit(next, cp.step(), chainStartedAt == null ? null : chainStartedAt.apply(snapshot)));
            chain.add(next);
            cp = next;
        }
        return chain;
    }

    @Test
    void aCommitIsOneTransactionAndADuplicateOrConflictAddsAtMostOneRead() {
        List<Checkpoint> chain = thread(3);
        Checkpoint head = chain.get(3);
        assertThat(callsOf(() -> store.commit(new Commit(steps.next(head, false, "k"), 4)))).containsExactly("TransactWriteItems");
        assertThat(callsOf(() -> store.commit(new Commit(steps.next(chain.get(0), false, "first-delta"), 1))))
                .containsExactly("TransactWriteItems", "Query");
        assertThat(callsOf(() -> catchThrowable(() -> store.commit(new Commit(steps.next(head, false), 4)))))
                .containsExactly("TransactWriteItems");
    }

    @Test
    void aBackgroundRunsGuardedCommitIsStillOneTransactionAndItsRefusalOneMore() {
        List<Checkpoint> chain = thread(1);
        Checkpoint head = chain.get(1);
        ThreadKey thread = head.thread();
        RunStore runs = new DynamoDbRunStore(TABLE.client(), TABLE.name(), 4);
        Run run = RunStoreContract.first(thread);
        assertThat(runs.put(run, Instant.now().plusSeconds(3600))).isTrue();
        Checkpoint next = steps.next(head, false, "run-step");
        // The run guard is a ConditionCheck inside the commit's own transaction: no request of its own.
        assertThat(callsOf(() -> store.commit(new Commit(next, 2).guardedBy(runs.guard(run.runId())))))
                .containsExactly("TransactWriteItems");
        runs.delete(thread);
        assertThat(callsOf(() -> catchThrowable(() -> store.commit(new Commit(steps.next(next, false), 3)
                .guardedBy(runs.guard(run.runId())))))).as("refused by the guard, read from the cancellation")
                .containsExactly("TransactWriteItems");
    }

    @Test
    void readsAreOneRequestEachForShortChains() {
        // HEAD, 30 deltas and their snapshot: the first page (what a small state grows before its next snapshot, W1 at T=10)
        List<Checkpoint> chain = thread(30);
        ThreadKey thread = chain.get(0).thread();
        assertThat(callsOf(() -> store.head(thread))).containsExactly("GetItem");
        assertThat(callsOf(() -> store.loadLatest(thread))).containsExactly("Query");
        assertThat(callsOf(() -> store.load(thread, chain.get(5).id()))).containsExactly("Query");
        assertThat(callsOf(() -> store.get(thread, chain.get(5).id()))).containsExactly("Query");
        assertThat(callsOf(() -> store.history(thread, HistoryQuery.first(5)))).containsExactly("Query");
    }

    @Test
    void aLongChainIsReadInGrowingPages() {
        // HEAD + 100 checkpoints in items of their own, not saying where their chain starts: pages of 32 and 128 items.
        List<Checkpoint> chain = thread(99);
        assertThat(callsOf(() -> assertThat(store.loadLatest(chain.get(0).thread()).orElseThrow().checkpoints()).hasSize(100)))
                .containsExactly("Query", "Query");
    }

    @Test
    void aLongChainWhoseDeltasSayWhereItStartsIsReadToItsSnapshotInOnePageAfterTheFirst() {
        // HEAD + 100 checkpoints, each delta naming its snapshot's time: the first page (32 items), then DynamoDB's own
        // page bounded below by the snapshot — two requests, and nothing older than the snapshot read.
        List<Checkpoint> chain = thread(99, Checkpoint::createdAt);
        assertThat(callsOf(() -> assertThat(store.loadLatest(chain.get(0).thread()).orElseThrow().checkpoints()).hasSize(100)))
                .containsExactly("Query", "Query");
        assertThat(callsOf(() -> assertThat(store.load(chain.get(0).thread(), chain.get(80).id()).orElseThrow().checkpoints())
                .hasSize(81))).containsExactly("Query", "Query");
    }

    @Test
    void aLongChainInPacksIsReadInOneRequest() {
        // Packed by 32: HEAD, the deltas of steps 96-100, the packs of steps 64-95, 32-63 and 2-31, the snapshot — 10 items,
        // within the first page of 32.
        List<Checkpoint> chain = thread(packed, 99, null);
        ThreadKey thread = chain.get(0).thread();
        assertThat(callsOf(() -> assertThat(packed.loadLatest(thread).orElseThrow().checkpoints()).containsExactlyElementsOf(chain)))
                .containsExactly("Query");
        assertThat(callsOf(() -> assertThat(packed.load(thread, chain.get(80).id()).orElseThrow().checkpoints())
                .containsExactlyElementsOf(chain.subList(0, 81)))).containsExactly("Query");
        // A packed checkpoint has no item of its own: its get finds its pack in keys only, then reads it.
        assertThat(callsOf(() -> assertThat(packed.get(thread, chain.get(80).id())).contains(chain.get(80))))
                .containsExactly("Query", "Query", "GetItem");
        // History pages that end inside a pack go on from it in one request each.
        assertThat(callsOf(() -> {
            HistoryPage first = packed.history(thread, HistoryQuery.first(10));
            assertThat(packed.history(thread, new HistoryQuery(10, first.nextCursor())).checkpoints())
                    .containsExactlyElementsOf(reversed(chain.subList(80, 90)));
        })).containsExactly("Query", "Query");
    }

    @Test
    void aCheckpointThatIsNotStoredCostsAFewRequestsNotTheChain() {
        // 100 steps, no packs, an id between steps 51 and 52: after the read that misses it (get: its item; load: the first
        // page below it), it is looked for in a pack in keys only — ~50 items down to the snapshot, in pages of 32 and 128 —
        // and nothing is decoded
        List<Checkpoint> chain = thread(99);
        ThreadKey thread = chain.get(0).thread();
        CheckpointId unknown = CheckpointId.next(chain.get(50).createdAt().plusNanos(500_000), () -> 42L, chain.get(50).id());
        assertThat(callsOf(() -> assertThat(store.get(thread, unknown)).isEmpty())).containsExactly("Query", "Query", "Query");
        assertThat(callsOf(() -> assertThat(store.load(thread, unknown)).isEmpty())).containsExactly("Query", "Query", "Query");
    }

    private static List<Checkpoint> reversed(List<Checkpoint> checkpoints) {
        List<Checkpoint> out = new ArrayList<>(checkpoints);
        Collections.reverse(out);
        return out;
    }

    @Test
    void theCommitThatEndsABlockPacksItInFourRequestsMore() {
        List<Checkpoint> chain = thread(packed, 30, null);
        Checkpoint head = chain.get(30);
        // Step 32 ends the block of steps 0-31, whose 30 deltas after the snapshot (steps 2-31) this writer committed:
        // it puts their pack, reads the head (still the thread's, no delete under way) and deletes their 30 items in
        // batches of 25.
        assertThat(callsOf(() -> packed.commit(new Commit(steps.next(head, false), 31))))
                .containsExactly("TransactWriteItems", "PutItem", "GetItem", "BatchWriteItem", "BatchWriteItem");
    }

    @Test
    void aWriterThatDidNotCommitTheBlockReadsItBackInOneQuery() {
        List<Checkpoint> chain = thread(packed, 30, null);
        Checkpoint head = chain.get(30);
        DynamoDbCheckpointStore newContainer = new DynamoDbCheckpointStore(TABLE.client(), packed.settings(), Clock.systemUTC());
        assertThat(callsOf(() -> newContainer.commit(new Commit(steps.next(head, false), 31))))
                .containsExactly("TransactWriteItems", "Query", "PutItem", "GetItem", "BatchWriteItem", "BatchWriteItem");
    }

    @Test
    void aChainStartSaidTooLateStillReadsTheWholeChain() {
        // A caller that names a later time than its snapshot's: the bounded read ends without the snapshot and the
        // read goes on below the bound, as without one.
        List<Checkpoint> chain = thread(40, snapshot -> snapshot.createdAt().plusMillis(20));
        List<Checkpoint> read = store.loadLatest(chain.get(0).thread()).orElseThrow().checkpoints();
        assertThat(read).hasSize(41);
        assertThat(read).isEqualTo(chain);
    }
}
