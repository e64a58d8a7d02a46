package io.threadline.checkpoint;

import io.threadline.ErrorCode;
import io.threadline.ThreadlineException;
import io.threadline.runs.InMemoryRunStore;
import io.threadline.runs.Run;
import io.threadline.runs.RunStore;
import io.threadline.runs.RunStoreContract;
import io.threadline.state.StateCodec;
import org.assertj.core.api.ThrowableAssert;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Base64;
import java.util.Comparator;
import java.util.HashSet;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Random;
import java.util.Set;
import java.util.TreeMap;
import java.util.UUID;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Function;
import java.util.function.Predicate;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * The contract every {@link CheckpointStore} passes. Implementations extend it and provide
 * {@link #store()}; each test uses fresh thread ids, so a store may be shared between tests. There
 * is no skip: a store whose service is down fails here.
 */
public abstract class CheckpointStoreContract {

    private final StateCodec codec = new StateCodec();
    private CheckpointFixtures fixtures;
    private String tenant;

    /** The store under test (may be shared by all tests of the class). */
    protected abstract CheckpointStore store();

    @BeforeEach
    void freshTenant() {
        fixtures = new CheckpointFixtures();
        tenant = "t-" + UUID.randomUUID();
    }

    private ThreadKey newThread() {
        return ThreadKey.of(tenant, "th-" + UUID.randomUUID());
    }

    /** Commits {@code steps} checkpoints; a snapshot at the steps listed, deltas elsewhere. */
    private List<Checkpoint> commitChain(ThreadKey thread, int steps, Set<Integer> snapshots) {
        List<Checkpoint> chain = new ArrayList<>();
        Checkpoint cp = fixtures.first(thread);
        store().commit(new Commit(cp, 0));
        chain.add(cp);
        for (int s = 2; s <= steps; s++) {
            cp = fixtures.next(cp, snapshots.contains(s));
            store().commit(new Commit(cp, s - 1));
            chain.add(cp);
        }
        return chain;
    }

    private long[] materialise(CheckpointChain chain) {
        var tree = Materializer.stateTree(chain, codec);
        long[] n = new long[tree.get("n").size()];
        for (int i = 0; i < n.length; i++) {
            n[i] = tree.get("n").get(i).asLong();
        }
        return n;
    }

    private static long[] upTo(long step) {
        long[] n = new long[(int) step];
        for (int i = 0; i < n.length; i++) {
            n[i] = i + 1;
        }
        return n;
    }

    @Test
    void unknownThreadHasNothing() {
        ThreadKey thread = newThread();
        assertThat(store().head(thread)).isEmpty();
        assertThat(store().loadLatest(thread)).isEmpty();
        assertThat(store().history(thread, HistoryQuery.first(10)).checkpoints()).isEmpty();
        assertThat(store().storedBytes(thread)).isZero();
    }

    @Test
    void committedCheckpointReadsBackExactly() {
        ThreadKey thread = newThread();
        Checkpoint first = fixtures.first(thread);
        CommitResult result = store().commit(new Commit(first, 0));
        assertThat(result.duplicate()).isFalse();
        assertThat(result.checkpoint()).isEqualTo(first);
        assertThat(store().get(thread, first.id())).contains(first);
        assertThat(store().head(thread)).contains(new ThreadHead(first.id(), 1));
        assertThat(store().storedBytes(thread)).isPositive();
    }

    @Test
    void latestChainStartsAtTheNearestSnapshotAndMaterialisesExactly() {
        ThreadKey thread = newThread();
        List<Checkpoint> chain = commitChain(thread, 9, Set.of(4));
        CheckpointChain latest = store().loadLatest(thread).orElseThrow();
        assertThat(latest.checkpoints()).extracting(Checkpoint::step).containsExactly(4L, 5L, 6L, 7L, 8L, 9L);
        assertThat(latest.target()).isEqualTo(chain.get(8));
        assertThat(materialise(latest)).containsExactly(upTo(9));
    }

    @Test
    void aCommitAndAChainSayWhatEachCheckpointIsStoredAs() {
        ThreadKey thread = newThread();
        Map<Long, Long> committed = new HashMap<>();
        Checkpoint cp = fixtures.first(thread);
        committed.put(1L, store().commit(new Commit(cp, 0)).storedBytes());
        for (int s = 2; s <= 6; s++) {
            cp = fixtures.next(cp, s == 4);
            committed.put((long) s, store().commit(new Commit(cp, s - 1)).storedBytes());
        }
        assertThat(committed.values()).allMatch(bytes -> bytes > 0);

        CheckpointChain latest = store().loadLatest(thread).orElseThrow();
        assertThat(latest.storedBytesKnown()).isTrue();
        assertThat(latest.storedBytes()).containsExactly(committed.get(4L), committed.get(5L), committed.get(6L));
        assertThat(latest.snapshotReadBytes()).isEqualTo(committed.get(4L));
        assertThat(latest.deltaReadBytes()).isEqualTo(committed.get(5L) + committed.get(6L));
        CheckpointChain toFive = store().load(thread, latest.checkpoints().get(1).id()).orElseThrow();
        assertThat(toFive.storedBytes()).containsExactly(committed.get(4L), committed.get(5L));
        // Each checkpoint is counted once, within what the store holds for the thread.
        assertThat(committed.values().stream().mapToLong(Long::longValue).sum()).isLessThanOrEqualTo(store().storedBytes(thread));
    }

    @Test
    void everyCheckpointMaterialisesExactly() {
        ThreadKey thread = newThread();
        List<Checkpoint> chain = commitChain(thread, 12, Set.of(5, 9));
        for (Checkpoint cp : chain) {
            CheckpointChain c = store().load(thread, cp.id()).orElseThrow();
            assertThat(c.target()).isEqualTo(cp);
            assertThat(materialise(c)).containsExactly(upTo(cp.step()));
        }
    }

    @Test
    void staleExpectedStepIsAConflictAndWritesNothing() {
        ThreadKey thread = newThread();
        List<Checkpoint> chain = commitChain(thread, 3, Set.of());
        long before = store().storedBytes(thread);
        Checkpoint rival = fixtures.next(chain.get(1), false);
        assertThatThrownBy(() -> store().commit(new Commit(rival, 2)))
                .isInstanceOfSatisfying(ThreadlineException.class, e -> {
                    assertThat(e.code()).isEqualTo(ErrorCode.CONFLICT);
                    assertThat(e.details()).containsEntry("headStep", 3L);
                });
        assertThat(store().head(thread)).contains(new ThreadHead(chain.get(2).id(), 3));
        assertThat(store().get(thread, rival.id())).isEmpty();
        assertThat(store().storedBytes(thread)).isEqualTo(before);
    }

    @Test
    void secondFirstCheckpointOfAThreadConflicts() {
        ThreadKey thread = newThread();
        store().commit(new Commit(fixtures.first(thread), 0));
        Checkpoint other = fixtures.first(thread);
        assertThatThrownBy(() -> store().commit(new Commit(other, 0)))
                .isInstanceOfSatisfying(ThreadlineException.class, e -> assertThat(e.code()).isEqualTo(ErrorCode.CONFLICT));
    }

    @Test
    void repeatedIdempotencyKeyReturnsTheFirstCommitAndWritesNothing() {
        ThreadKey thread = newThread();
        Checkpoint first = fixtures.first(thread);
        store().commit(new Commit(first, 0));
        Checkpoint keyed = fixtures.next(first, false, "req-1");
        store().commit(new Commit(keyed, 1));
        long bytes = store().storedBytes(thread);

        // A retry computed from the same parent, and one computed after more steps: both see the first.
        CommitResult retry = store().commit(new Commit(fixtures.next(first, false, "req-1"), 1));
        assertThat(retry.duplicate()).isTrue();
        assertThat(retry.checkpoint()).isEqualTo(keyed);
        Checkpoint third = fixtures.next(keyed, false);
        store().commit(new Commit(third, 2));
        CommitResult late = store().commit(new Commit(fixtures.next(third, false, "req-1"), 3));
        assertThat(late.duplicate()).isTrue();
        assertThat(late.checkpoint()).isEqualTo(keyed);
        assertThat(store().head(thread).orElseThrow().step()).isEqualTo(3);
        assertThat(store().storedBytes(thread)).isGreaterThan(bytes);
    }

    @Test
    void aCommittedKeyIsFoundUntilItsCheckpointIsPruned() {
        ThreadKey thread = newThread();
        Checkpoint first = fixtures.first(thread);
        store().commit(new Commit(first, 0));
        assertThat(store().findByIdempotencyKey(thread, "k")).isEmpty();
        Checkpoint keyed = fixtures.next(first, true, "k");
        store().commit(new Commit(keyed, 1));
        Checkpoint later = fixtures.next(keyed, false);
        store().commit(new Commit(later, 2));
        assertThat(store().findByIdempotencyKey(thread, "k")).contains(keyed);
        assertThat(store().findByIdempotencyKey(ThreadKey.of(tenant + "-other", thread.threadId()), "k")).isEmpty();
        assertThat(store().findByIdempotencyKey(thread, "other")).isEmpty();
    }

    @Test
    void anOutboxIsStoredWithItsCheckpointAndStaysUnpublishedUntilMarked() {
        ThreadKey thread = newThread();
        Checkpoint first = fixtures.first(thread);
        store().commit(new Commit(first, 0));
        Checkpoint withOutbox = CheckpointFixtures.withOutbox(fixtures.next(first, false), "[{\"content\":\"remember me\"}]");
        store().commit(new Commit(withOutbox, 1));
        Checkpoint plain = fixtures.next(withOutbox, false);
        store().commit(new Commit(plain, 2));

        assertThat(store().get(thread, withOutbox.id())).contains(withOutbox);
        assertThat(store().get(thread, withOutbox.id()).orElseThrow().outbox().json()).isEqualTo("[{\"content\":\"remember me\"}]");
        assertThat(store().unpublished(thread)).containsExactly(withOutbox);
        store().markPublished(thread, withOutbox.id());
        assertThat(store().unpublished(thread)).isEmpty();
        store().markPublished(thread, withOutbox.id()); // again: no-op
        assertThat(store().unpublished(ThreadKey.of(tenant + "-other", thread.threadId()))).isEmpty();
    }

    @Test
    void aFailedCheckpointKeepsItsInputEffectsAndErrorExactly() {
        ThreadKey thread = newThread();
        Checkpoint first = fixtures.first(thread);
        store().commit(new Commit(first, 0));
        Checkpoint next = fixtures.next(first, false);
        Checkpoint failed = Checkpoint.draft(next.id(), thread, 2, first.id())
                .state(next.schemaVersion(), next.change(), next.createdAt())
                .metadata(Map.of("attemptKey", "k-1"))
                .input(StepInput.fromJson("[{\"op\":\"add\",\"path\":\"/n/-\",\"value\":2}]"))
                .effects(EffectLog.fromJson("[{\"seq\":0,\"node\":\"think\",\"attempt\":1,\"kind\":\"TOOL\",\"name\":\"add\",\"response\":\"42\"}]"))
                .failedStep(List.of("think"), List.of("think"), new StepError("think", "java.lang.IllegalStateException",
                        "boom \u2603", "java.lang.IllegalStateException: boom\n\tat x.y(Z.java:1)\n"));
        store().commit(new Commit(failed, 1));

        assertThat(store().get(thread, failed.id())).contains(failed);
        assertThat(store().loadLatest(thread).orElseThrow().target()).isEqualTo(failed);
        assertThat(store().findByIdempotencyKey(thread, "k-1")).as("a FAILED step does not claim its key").isEmpty();
    }

    @Test
    void pendingEffectsAreKeptInOrderPerStepUntilCleared() {
        ThreadKey thread = newThread();
        assertThat(store().pendingEffects(thread, 1).stream().map(PendingEffect::json).toList()).isEmpty();
        store().putPendingEffect(thread, 1, 1, PendingEffect.fromJson("{\"b\":1}"));
        store().putPendingEffect(thread, 1, 0, PendingEffect.fromJson("{\"a\":0}"));
        store().putPendingEffect(thread, 2, 0, PendingEffect.fromJson("{\"other\":\"step\"}"));

        assertThat(store().pendingEffects(thread, 1).stream().map(PendingEffect::json).toList()).containsExactly("{\"a\":0}", "{\"b\":1}");
        assertThat(store().pendingEffects(ThreadKey.of(tenant + "-other", thread.threadId()), 1).stream().map(PendingEffect::json).toList()).isEmpty();
        assertThat(store().head(thread)).as("pending effects are not a thread").isEmpty();

        store().clearPendingEffects(thread, 1);
        assertThat(store().pendingEffects(thread, 1).stream().map(PendingEffect::json).toList()).isEmpty();
        assertThat(store().pendingEffects(thread, 2).stream().map(PendingEffect::json).toList()).hasSize(1);
        store().clearPendingEffects(thread, 1); // again: no-op
    }

    /** A tool result gzip cannot shrink: a store keeps it in parts. */
    private static String incompressible(int bytes) {
        byte[] random = new byte[bytes];
        new Random(bytes).nextBytes(random);
        return "{\"result\":\"" + Base64.getEncoder().encodeToString(random) + "\"}";
    }

    @Test
    void readingAStepsPendingEffectsDeletesOrphansOfEarlierSteps() {
        ThreadKey thread = newThread();
        store().putPendingEffect(thread, 1, 0, PendingEffect.fromJson("{\"orphan\":1}"));
        store().putPendingEffect(thread, 2, 0, PendingEffect.fromJson("{\"orphan\":2}"));
        store().putPendingEffect(thread, 2, 1, PendingEffect.fromJson(incompressible(500_000)));
        store().putPendingEffect(thread, 3, 0, PendingEffect.fromJson("{\"current\":3}"));
        store().putPendingEffect(thread, 4, 0, PendingEffect.fromJson("{\"later\":4}"));

        assertThat(store().pendingEffects(thread, 3).stream().map(PendingEffect::json).toList()).containsExactly("{\"current\":3}");

        assertThat(store().pendingEffects(thread, 4).stream().map(PendingEffect::json).toList()).as("later steps are not orphans").containsExactly("{\"later\":4}");
        assertThat(store().pendingEffects(thread, 1).stream().map(PendingEffect::json).toList()).as("swept").isEmpty();
        assertThat(store().pendingEffects(thread, 2).stream().map(PendingEffect::json).toList()).as("swept, parts too").isEmpty();
        store().clearPendingEffects(thread, 4);
        assertThat(store().storedBytes(thread)).as("nothing of the thread is left").isZero();
    }

    @Test
    void discardingPendingEffectsTakesBackOnlyThePositionsNamed() {
        ThreadKey thread = newThread();
        String large = incompressible(500_000);
        store().putPendingEffect(thread, 1, 0, PendingEffect.fromJson("{\"killed\":0}"));
        store().putPendingEffect(thread, 1, 1, PendingEffect.fromJson("{\"refused\":1}"));
        store().putPendingEffect(thread, 1, 2, PendingEffect.fromJson(large));
        store().putPendingEffect(thread, 1, 3, PendingEffect.fromJson("{\"other attempt\":3}"));

        store().discardPendingEffects(thread, 1, List.of(1, 2, 9));

        assertThat(store().pendingEffects(thread, 1).stream().map(PendingEffect::json).toList()).containsExactly("{\"killed\":0}", "{\"other attempt\":3}");
        store().putPendingEffect(thread, 1, 1, PendingEffect.fromJson("{\"again\":1}"));  // the position is free again
        store().discardPendingEffects(thread, 1, List.of());        // no-op
        store().discardPendingEffects(thread, 7, List.of(0));       // no such step: no-op
        store().clearPendingEffects(thread, 1);
        assertThat(store().storedBytes(thread)).as("parts went with their head").isZero();
    }

    @Test
    void pendingEffectsLargerThanAnItemComeBackWhole() {
        ThreadKey thread = newThread();
        byte[] random = new byte[600_000];
        new Random(7).nextBytes(random);
        // A tool result gzip cannot shrink (~800 KB of base64) and one it can (1 MB of one repeated line).
        String incompressible = "{\"result\":\"" + Base64.getEncoder().encodeToString(random) + "\"}";
        String compressible = "{\"result\":\"" + "the same line of a large report. ".repeat(32_000) + "\"}";
        store().putPendingEffect(thread, 1, 0, PendingEffect.fromJson("{\"a\":0}"));
        store().putPendingEffect(thread, 1, 1, PendingEffect.fromJson(incompressible));
        store().putPendingEffect(thread, 1, 2, PendingEffect.fromJson(compressible));
        store().putPendingEffect(thread, 1, 3, PendingEffect.fromJson("{\"d\":3}"));

        assertThat(store().pendingEffects(thread, 1).stream().map(PendingEffect::json).toList()).containsExactly("{\"a\":0}", incompressible, compressible, "{\"d\":3}");
        assertThatThrownBy(() -> store().putPendingEffect(thread, 1, 1, PendingEffect.fromJson("{\"again\":true}")))
                .isInstanceOfSatisfying(ThreadlineException.class,
                        e -> assertThat(e.code()).isEqualTo(ErrorCode.CONFLICT));
        store().clearPendingEffects(thread, 1);
        assertThat(store().pendingEffects(thread, 1).stream().map(PendingEffect::json).toList()).isEmpty();
    }

    @Test
    void aPendingPositionTakenTwiceIsAConflictAndKeepsTheFirst() {
        ThreadKey thread = newThread();
        store().putPendingEffect(thread, 1, 0, PendingEffect.fromJson("{\"first\":true}"));

        assertThatThrownBy(() -> store().putPendingEffect(thread, 1, 0, PendingEffect.fromJson("{\"second\":true}")))
                .isInstanceOfSatisfying(ThreadlineException.class,
                        e -> assertThat(e.code()).isEqualTo(ErrorCode.CONFLICT));
        assertThat(store().pendingEffects(thread, 1).stream().map(PendingEffect::json).toList()).containsExactly("{\"first\":true}");
    }

    @Test
    void idempotencyKeysAreScopedToTheirThread() {
        ThreadKey a = newThread();
        ThreadKey b = newThread();
        Checkpoint first = fixtures.first(a);
        store().commit(new Commit(first, 0));
        store().commit(new Commit(fixtures.next(first, false, "same"), 1));
        Checkpoint firstB = fixtures.first(b);
        store().commit(new Commit(firstB, 0));
        CommitResult result = store().commit(new Commit(fixtures.next(firstB, false, "same"), 1));
        assertThat(result.duplicate()).isFalse();
    }

    @Test
    void tenantsDoNotSeeEachOthersThreads() {
        ThreadKey mine = newThread();
        ThreadKey sameIdOtherTenant = ThreadKey.of(tenant + "-other", mine.threadId());
        Checkpoint first = fixtures.first(mine);
        store().commit(new Commit(first, 0));
        assertThat(store().head(sameIdOtherTenant)).isEmpty();
        assertThat(store().get(sameIdOtherTenant, first.id())).isEmpty();
        assertThat(store().load(sameIdOtherTenant, first.id())).isEmpty();
        assertThat(store().history(sameIdOtherTenant, HistoryQuery.first(10)).checkpoints()).isEmpty();
    }

    @Test
    void historyPagesNewestFirstWithoutGapsOrDuplicates() {
        ThreadKey thread = newThread();
        commitChain(thread, 23, Set.of(10, 20));
        List<Long> steps = new ArrayList<>();
        String cursor = null;
        int pages = 0;
        do {
            HistoryPage page = store().history(thread, new HistoryQuery(5, cursor));
            page.checkpoints().forEach(cp -> steps.add(cp.step()));
            cursor = page.nextCursor();
            pages++;
        } while (cursor != null);
        assertThat(pages).isEqualTo(5);
        List<Long> expected = new ArrayList<>();
        for (long s = 23; s >= 1; s--) {
            expected.add(s);
        }
        assertThat(steps).isEqualTo(expected);
    }

    @Test
    void historyContinuesRightAfterAnyCheckpointOfAPage() {
        ThreadKey thread = newThread();
        commitChain(thread, 12, Set.of(6));
        HistoryPage page = store().history(thread, new HistoryQuery(5, null));
        assertThat(page.cursors()).hasSize(5);
        for (int i = 0; i < page.checkpoints().size(); i++) {
            HistoryPage rest = store().history(thread, new HistoryQuery(3, page.cursorAfter(i)));
            long after = page.checkpoints().get(i).step();
            assertThat(rest.checkpoints()).extracting(Checkpoint::step).containsExactly(after - 1, after - 2, after - 3);
        }
        assertThat(page.cursorAfter(4)).isEqualTo(page.nextCursor());
        HistoryPage last = store().history(thread, new HistoryQuery(5, page.nextCursor()));
        last = store().history(thread, new HistoryQuery(5, last.nextCursor()));
        assertThat(last.checkpoints()).extracting(Checkpoint::step).containsExactly(2L, 1L);
        assertThat(last.cursorAfter(1)).isNull();
    }

    @Test
    void unknownCheckpointIdIsEmpty() {
        ThreadKey thread = newThread();
        commitChain(thread, 2, Set.of());
        CheckpointId unknown = CheckpointId.next(Instant.now(), () -> 7L, null);
        assertThat(store().get(thread, unknown)).isEmpty();
        assertThat(store().load(thread, unknown)).isEmpty();
    }

    @Test
    void pruneKeepsTheLastNAndTheSnapshotTheyNeed() {
        ThreadKey thread = newThread();
        List<Checkpoint> chain = commitChain(thread, 20, Set.of(8, 15));
        long before = store().storedBytes(thread);
        PruneReport report = store().prune(thread, new RetentionPolicy(10), Instant.parse("2026-02-01T00:00:00Z"));
        // Retained: steps 11..20; step 11 needs the snapshot at 8, so 8..20 stay and 1..7 go.
        assertThat(report.removed()).isEqualTo(7);
        assertThat(report.oldestKeptStep()).isEqualTo(8);
        assertThat(report.removedBytes()).isPositive();
        assertThat(store().storedBytes(thread)).isEqualTo(before - report.removedBytes());
        for (Checkpoint cp : chain) {
            if (cp.step() < 8) {
                assertThat(store().get(thread, cp.id())).isEmpty();
            } else {
                assertThat(materialise(store().load(thread, cp.id()).orElseThrow())).containsExactly(upTo(cp.step()));
            }
        }
        assertThat(materialise(store().loadLatest(thread).orElseThrow())).containsExactly(upTo(20));
        // Pruning again removes nothing more; the thread goes on.
        assertThat(store().prune(thread, new RetentionPolicy(10), Instant.parse("2026-02-01T00:00:00Z")).removed()).isZero();
        Checkpoint next = fixtures.next(chain.get(19), false);
        store().commit(new Commit(next, 20));
        assertThat(materialise(store().loadLatest(thread).orElseThrow())).containsExactly(upTo(21));
    }

    @Test
    void historyStopsAtThePrunedEnd() {
        ThreadKey thread = newThread();
        commitChain(thread, 10, Set.of(6));
        store().prune(thread, new RetentionPolicy(3), Instant.parse("2026-02-01T00:00:00Z"));
        List<Long> steps = new ArrayList<>();
        String cursor = null;
        do {
            HistoryPage page = store().history(thread, new HistoryQuery(2, cursor));
            page.checkpoints().forEach(cp -> steps.add(cp.step()));
            cursor = page.nextCursor();
        } while (cursor != null);
        assertThat(steps).containsExactly(10L, 9L, 8L, 7L, 6L);
    }

    @Test
    void concurrentCommitsOnOneVersionHaveExactlyOneWinner() throws Exception {
        ThreadKey thread = newThread();
        Checkpoint first = fixtures.first(thread);
        store().commit(new Commit(first, 0));
        int writers = 8;
        List<Checkpoint> candidates = new ArrayList<>();
        for (int i = 0; i < writers; i++) {
            candidates.add(fixtures.next(first, false));
        }
        ExecutorService pool = Executors.newFixedThreadPool(writers);
        CountDownLatch go = new CountDownLatch(1);
        try {
            List<Future<Optional<Checkpoint>>> results = new ArrayList<>();
            for (Checkpoint c : candidates) {
                results.add(pool.submit(() -> {
                    go.await();
                    try {
                        return Optional.of(store().commit(new Commit(c, 1)).checkpoint());
                    } catch (ThreadlineException e) {
                        assertThat(e.code()).isEqualTo(ErrorCode.CONFLICT);
                        return Optional.empty();
                    }
                }));
            }
            go.countDown();
            Set<Checkpoint> winners = new HashSet<>();
            for (Future<Optional<Checkpoint>> f : results) {
                f.get(30, TimeUnit.SECONDS).ifPresent(winners::add);
            }
            assertThat(winners).hasSize(1);
            Checkpoint winner = winners.iterator().next();
            assertThat(store().head(thread)).contains(new ThreadHead(winner.id(), 2));
            assertThat(store().history(thread, HistoryQuery.first(10)).checkpoints()).extracting(Checkpoint::id)
                    .containsExactly(winner.id(), first.id());
        } finally {
            pool.shutdownNow();
        }
    }

    // ------------------------------------------------------------------ run guard

    /**
     * Where the run guard's records are kept for this store: the run store of the same backend, as the application
     * pairs them (DynamoDB: the same table). Stores that commit in process check the guard through it.
     */
    protected RunStore runStore() {
        return inMemoryRuns;
    }

    private final RunStore inMemoryRuns = new InMemoryRunStore();

    private static void assertRunGone(ThrowableAssert.ThrowingCallable commit) {
        assertThatThrownBy(commit).isInstanceOfSatisfying(ThreadlineException.class,
                e -> assertThat(e.code()).isEqualTo(ErrorCode.RUN_GONE));
    }

    /** A background run's record for {@code thread}, stored where the guard looks for it. */
    private Run storedRun(ThreadKey thread) {
        Run run = RunStoreContract.first(thread);
        assertThat(runStore().put(run, Instant.now().plusSeconds(3600))).isTrue();
        return run;
    }

    @Test
    void aRunGuardedCommitLandsOnlyWhileTheThreadsRunRecordNamesItsRun() {
        ThreadKey thread = newThread();
        Run run = storedRun(thread);
        Checkpoint first = fixtures.first(thread);
        store().commit(new Commit(first, 0).guardedBy(runStore().guard(run.runId())));
        assertThat(store().head(thread)).contains(new ThreadHead(first.id(), 1));

        // Another run's guard: refused, nothing written.
        Checkpoint second = fixtures.next(first, false, "k-" + UUID.randomUUID());
        assertRunGone(() -> store().commit(new Commit(second, 1).guardedBy(runStore().guard("run-other"))));
        assertThat(store().head(thread)).contains(new ThreadHead(first.id(), 1));
        assertThat(store().get(thread, second.id())).isEmpty();
        assertThat(store().findByIdempotencyKey(thread, second.idempotencyKey())).isEmpty();

        // The record gone (the thread's delete removes it first): refused, nothing written.
        runStore().delete(thread);
        assertRunGone(() -> store().commit(new Commit(second, 1).guardedBy(runStore().guard(run.runId()))));
        assertThat(store().head(thread)).contains(new ThreadHead(first.id(), 1));
        assertThat(store().get(thread, second.id())).isEmpty();

        // A commit without a guard is not bound by any run record.
        store().commit(new Commit(second, 1));
        assertThat(store().head(thread)).contains(new ThreadHead(second.id(), 2));
    }

    @Test
    void aRunGuardedFirstCommitWithoutItsRunRecordCreatesNoThread() {
        ThreadKey thread = newThread();
        Checkpoint first = fixtures.first(thread);
        assertRunGone(() -> store().commit(new Commit(first, 0).withTags(ThreadTags.of(Map.of("user", "u1")))
                .guardedBy(runStore().guard("run-" + UUID.randomUUID()))));
        assertThat(store().head(thread)).isEmpty();
        assertThat(store().loadLatest(thread)).isEmpty();
        assertThat(store().history(thread, HistoryQuery.first(10)).checkpoints()).isEmpty();
        assertThat(store().storedBytes(thread)).isZero();
        assertThat(store().delete(thread).existed()).isFalse();
    }

    @Test
    void aRepeatedIdempotencyKeyAnswersTheFirstCommitEvenOnceTheRunIsGone() {
        ThreadKey thread = newThread();
        Run run = storedRun(thread);
        Checkpoint first = fixtures.first(thread);
        store().commit(new Commit(first, 0));
        Checkpoint keyed = fixtures.next(first, false, "k-" + UUID.randomUUID());
        store().commit(new Commit(keyed, 1).guardedBy(runStore().guard(run.runId())));
        runStore().delete(thread);
        // A redelivered step finds what it committed (the SPI's idempotency rule comes first), and writes nothing.
        CommitResult again = store().commit(new Commit(fixtures.next(first, false, keyed.idempotencyKey()), 1)
                .guardedBy(runStore().guard(run.runId())));
        assertThat(again.duplicate()).isTrue();
        assertThat(again.checkpoint().id()).isEqualTo(keyed.id());
        assertThat(store().head(thread)).contains(new ThreadHead(keyed.id(), 2));
    }

    // ------------------------------------------------------------------ listing and tags

    /** Whether a listing shows what an interrupted thread waits for; a store that encrypts it at rest shows only where. */
    protected boolean listsInterruptPayloads() {
        return true;
    }

    /** The order a listing promises: the head's time at the store's granularity, then thread id, both descending. */
    private Comparator<Checkpoint> listingOrder() {
        long g = store().threadOrderGranularity().toMillis();
        return Comparator.<Checkpoint>comparingLong(cp -> Math.floorDiv(cp.createdAt().toEpochMilli(), g)).reversed()
                .thenComparing(cp -> cp.thread().threadId(), Comparator.reverseOrder());
    }

    private List<ThreadSummary> listAll(String tenant, Function<String, ThreadQuery> query) {
        List<ThreadSummary> all = new ArrayList<>();
        String cursor = null;
        int pages = 0;
        do {
            ThreadPage page = store().threads(tenant, query.apply(cursor));
            assertThat(page.threads().size()).isLessThanOrEqualTo(query.apply(null).limit());
            all.addAll(page.threads());
            cursor = page.nextCursor();
            assertThat(++pages).as("pages").isLessThan(1000);
        } while (cursor != null);
        return all;
    }

    private static ThreadQuery query(int limit, String cursor, String agent, Set<String> statuses, Instant since, Instant before,
                                     Map<String, String> tags) {
        return new ThreadQuery(limit, cursor, agent, statuses, since, before, tags);
    }

    @Test
    void threadsListEveryThreadOfTheTenantNewestFirstAcrossPages() {
        Instant base = Instant.parse("2026-03-01T00:00:00Z");
        List<Checkpoint> heads = new ArrayList<>();
        Status[] statuses = {Status.RUNNING, Status.DONE, Status.INTERRUPTED, Status.FAILED};
        for (int i = 0; i < 37; i++) {
            // Times spread over many granules, some threads sharing one, so both parts of the order are exercised.
            Checkpoint cp = fixtures.listed(ThreadKey.of(tenant, String.format("th-%03d", (i * 17) % 37)),
                    base.plusSeconds(i / 3 * 97L), i % 2 == 0 ? "alpha" : "beta", statuses[i % 4]);
            store().commit(new Commit(cp, 0).withTags(ThreadTags.of(Map.of("n", Integer.toString(i % 5)))));
            heads.add(cp);
        }
        // Another tenant's threads never appear.
        store().commit(new Commit(fixtures.listed(ThreadKey.of(tenant + "-x", "th-000"), base.plusSeconds(9999), "alpha", Status.DONE), 0));

        List<ThreadSummary> listed = listAll(tenant, c -> query(5, c, null, Set.of(), null, null, Map.of()));
        List<Checkpoint> expected = heads.stream().sorted(listingOrder()).toList();
        assertThat(listed).extracting(ThreadSummary::threadId).containsExactlyElementsOf(expected.stream().map(cp -> cp.thread().threadId()).toList());
        ThreadSummary interrupted = listed.stream().filter(t -> t.status().equals("INTERRUPTED")).findFirst().orElseThrow();
        Checkpoint itsHead = heads.stream().filter(cp -> cp.thread().threadId().equals(interrupted.threadId())).findFirst().orElseThrow();
        assertThat(interrupted.waitingFor()).isEqualTo(listsInterruptPayloads()
                ? new ThreadSummary.Waiting("ask", "inside", "{\"question\":\"refund 120 EUR?\"}", false)
                : new ThreadSummary.Waiting("ask", "inside", null, false, true));
        assertThat(interrupted.step()).isEqualTo(1);
        assertThat(interrupted.checkpointId()).isEqualTo(itsHead.id());
        assertThat(interrupted.updatedAt()).isEqualTo(itsHead.createdAt());
        assertThat(interrupted.agent()).isEqualTo(itsHead.metadata().get("agent"));
        assertThat(listed).allSatisfy(t -> assertThat(t.tags().values()).containsOnlyKeys("n"));
        assertThat(listed.stream().filter(t -> !t.status().equals("INTERRUPTED"))).allSatisfy(t -> assertThat(t.waitingFor()).isNull());
    }

    @Test
    void threadFiltersAreExact() {
        Instant base = Instant.parse("2026-04-01T00:00:00Z");
        List<Checkpoint> heads = new ArrayList<>();
        Status[] statuses = {Status.RUNNING, Status.DONE, Status.INTERRUPTED, Status.FAILED};
        Map<String, ThreadTags> tagsOf = new HashMap<>();
        for (int i = 0; i < 24; i++) {
            ThreadKey thread = ThreadKey.of(tenant, "f-" + i);
            Checkpoint cp = fixtures.listed(thread, base.plus(Duration.ofHours(i)), i % 3 == 0 ? "alpha" : "beta", statuses[i % 4]);
            ThreadTags tags = ThreadTags.of(i % 4 == 1 ? Map.of("user", "42", "channel", "web")
                    : Map.of("user", Integer.toString(i)));
            store().commit(new Commit(cp, 0).withTags(tags));
            heads.add(cp);
            tagsOf.put(thread.threadId(), tags);
        }
        Instant since = base.plus(Duration.ofHours(5));
        Instant before = base.plus(Duration.ofHours(17));
        List<Function<String, ThreadQuery>> queries = List.of(
                c -> query(4, c, "alpha", Set.of(), null, null, Map.of()),
                c -> query(4, c, null, Set.of("INTERRUPTED", "FAILED"), null, null, Map.of()),
                c -> query(4, c, null, Set.of(), since, before, Map.of()),
                c -> query(4, c, null, Set.of(), null, null, Map.of("user", "42")),
                c -> query(4, c, "beta", Set.of("DONE"), since, null, Map.of("user", "42", "channel", "web")),
                c -> query(4, c, "gamma", Set.of(), null, null, Map.of()));
        List<Predicate<Checkpoint>> expected = List.of(
                cp -> "alpha".equals(cp.metadata().get("agent")),
                cp -> cp.status() == Status.INTERRUPTED || cp.status() == Status.FAILED,
                cp -> !cp.createdAt().isBefore(since) && cp.createdAt().isBefore(before),
                cp -> "42".equals(tagsOf.get(cp.thread().threadId()).values().get("user")),
                cp -> "beta".equals(cp.metadata().get("agent")) && cp.status() == Status.DONE && !cp.createdAt().isBefore(since)
                        && tagsOf.get(cp.thread().threadId()).containsAll(Map.of("user", "42", "channel", "web")),
                cp -> false);
        for (int q = 0; q < queries.size(); q++) {
            List<String> want = heads.stream().filter(expected.get(q)).sorted(listingOrder()).map(cp -> cp.thread().threadId()).toList();
            assertThat(listAll(tenant, queries.get(q))).as("query " + q).extracting(ThreadSummary::threadId).containsExactlyElementsOf(want);
        }
    }

    @Test
    void listingFollowsTheHeadAsItMoves() {
        Instant base = Instant.parse("2026-05-01T00:00:00Z");
        ThreadKey older = ThreadKey.of(tenant, "older");
        ThreadKey newer = ThreadKey.of(tenant, "newer");
        Checkpoint o1 = fixtures.listed(older, base, "alpha", Status.RUNNING);
        store().commit(new Commit(o1, 0));
        store().commit(new Commit(fixtures.listed(newer, base.plus(Duration.ofDays(1)), "alpha", Status.DONE), 0));
        assertThat(store().threads(tenant, ThreadQuery.first(10)).threads()).extracting(ThreadSummary::threadId).containsExactly("newer", "older");
        // The older thread steps two days later, to INTERRUPTED: it moves to the top, its status filter follows.
        Checkpoint o2 = Checkpoint.draft(CheckpointId.next(base.plus(Duration.ofDays(2)), () -> 7L, o1.id()), older, 2, o1.id())
                .state(1, new StateChange.Delta("[]".getBytes(StandardCharsets.UTF_8)), base.plus(Duration.ofDays(2)))
                .metadata(Map.of("agent", "alpha"))
                .interruptedStep(List.of("ask"), List.of("ask"), InterruptPayload.of("ask", "before", null));
        store().commit(new Commit(o2, 1));
        ThreadPage page = store().threads(tenant, ThreadQuery.first(10));
        assertThat(page.threads()).extracting(ThreadSummary::threadId).containsExactly("older", "newer");
        assertThat(page.threads().get(0).step()).isEqualTo(2);
        assertThat(page.threads().get(0).waitingFor()).isEqualTo(new ThreadSummary.Waiting("ask", "before", null, false));
        assertThat(store().threads(tenant, query(10, null, null, Set.of("RUNNING"), null, null, Map.of())).threads()).isEmpty();
        assertThat(store().threads(tenant, query(10, null, null, Set.of("INTERRUPTED"), null, null, Map.of())).threads())
                .extracting(ThreadSummary::threadId).containsExactly("older");
    }

    @Test
    void tagsAreSetOnCreationChangedByRetagAndKeptByCommits() {
        ThreadKey thread = newThread();
        Checkpoint first = fixtures.first(thread);
        store().commit(new Commit(first, 0).withTags(ThreadTags.of(Map.of("user", "42", "channel", "web"))));
        assertThat(store().tags(thread).values()).containsExactlyEntriesOf(new TreeMap<>(Map.of("channel", "web", "user", "42")));
        ThreadTags after = store().retag(thread, Map.of("user", "43", "plan", "pro"), List.of("channel"));
        assertThat(after.values()).isEqualTo(Map.of("user", "43", "plan", "pro"));
        // A commit after the change keeps the tags: they live on the head, not in the checkpoint.
        store().commit(new Commit(fixtures.next(first, false), 1));
        assertThat(store().tags(thread)).isEqualTo(after);
        assertThat(store().threads(tenant, ThreadQuery.tagged("user", "43", 10)).threads()).extracting(ThreadSummary::threadId)
                .containsExactly(thread.threadId());
        assertThat(store().threads(tenant, ThreadQuery.tagged("user", "42", 10)).threads()).isEmpty();
    }

    @Test
    void badTagsAndUnknownThreadsChangeNothing() {
        ThreadKey thread = newThread();
        store().commit(new Commit(fixtures.first(thread), 0).withTags(ThreadTags.of(Map.of("user", "42"))));
        Map<String, String> eleven = new HashMap<>();
        for (int i = 0; i < 11; i++) {
            eleven.put("k" + i, "v");
        }
        for (Map<String, String> bad : List.of(Map.of("User", "1"), Map.of("user", "has space"),
                Map.of("user", "x".repeat(ThreadTags.MAX_VALUE_LENGTH + 1)), eleven)) {
            assertThatThrownBy(() -> store().retag(thread, bad, List.of()))
                    .isInstanceOfSatisfying(ThreadlineException.class, e -> {
                        assertThat(e.code()).isEqualTo(ErrorCode.INVALID_INPUT);
                        assertThat(e.details()).containsEntry("field", "tags");
                    });
        }
        assertThatThrownBy(() -> store().retag(thread, Map.of(), List.of("Bad Key")))
                .isInstanceOfSatisfying(ThreadlineException.class, e -> assertThat(e.code()).isEqualTo(ErrorCode.INVALID_INPUT));
        assertThat(store().tags(thread).values()).isEqualTo(Map.of("user", "42"));
        assertThatThrownBy(() -> store().retag(newThread(), Map.of("user", "1"), List.of()))
                .isInstanceOfSatisfying(ThreadlineException.class, e -> assertThat(e.code()).isEqualTo(ErrorCode.THREAD_NOT_FOUND));
    }

    @Test
    void malformedCursorsAndFiltersAreRefused() {
        for (String cursor : List.of("nope", "", "djE6YWJjOng", Base64.getUrlEncoder().encodeToString("v1:5:bad id!".getBytes(StandardCharsets.UTF_8)))) {
            assertThatThrownBy(() -> store().threads(tenant, query(10, cursor, null, Set.of(), null, null, Map.of())))
                    .as(cursor)
                    .isInstanceOfSatisfying(ThreadlineException.class, e -> {
                        assertThat(e.code()).isEqualTo(ErrorCode.INVALID_INPUT);
                        assertThat(e.details()).containsEntry("field", "cursor");
                    });
        }
        assertThatThrownBy(() -> query(10, null, null, Set.of("SLEEPING"), null, null, Map.of()))
                .isInstanceOfSatisfying(ThreadlineException.class, e -> assertThat(e.details()).containsEntry("field", "status"));
        assertThatThrownBy(() -> query(0, null, null, Set.of(), null, null, Map.of()))
                .isInstanceOfSatisfying(ThreadlineException.class, e -> assertThat(e.details()).containsEntry("field", "limit"));
        Instant t = Instant.parse("2026-01-01T00:00:00Z");
        assertThatThrownBy(() -> query(10, null, null, Set.of(), t, t, Map.of()))
                .isInstanceOfSatisfying(ThreadlineException.class, e -> assertThat(e.details()).containsEntry("field", "updatedBefore"));
        assertThatThrownBy(() -> query(10, null, "Not An Agent", Set.of(), null, null, Map.of()))
                .isInstanceOfSatisfying(ThreadlineException.class, e -> assertThat(e.details()).containsEntry("field", "agent"));
    }

    // ------------------------------------------------------------------ delete

    @Test
    void deleteRemovesEveryItemOfTheThreadAndReportsThemByKind() {
        ThreadKey thread = newThread();
        Checkpoint first = fixtures.first(thread);
        store().commit(new Commit(first, 0));
        Checkpoint keyed = fixtures.next(first, false, "req-1");
        store().commit(new Commit(keyed, 1));
        Checkpoint withOutbox = CheckpointFixtures.withOutbox(fixtures.next(keyed, true), "[{\"content\":\"remember me\"}]");
        store().commit(new Commit(withOutbox, 2));
        store().putPendingEffect(thread, 4, 0, PendingEffect.fromJson("{\"a\":0}"));
        store().putPendingEffect(thread, 4, 1, PendingEffect.fromJson("{\"b\":1}"));
        ThreadKey sameIdOtherTenant = ThreadKey.of(tenant + "-other", thread.threadId());
        Checkpoint other = fixtures.first(sameIdOtherTenant);
        store().commit(new Commit(other, 0));
        ThreadKey neighbour = newThread();
        store().commit(new Commit(fixtures.first(neighbour), 0));

        ThreadDeletion report = store().delete(thread);

        assertThat(report.withDataKeys(0)).as("the store's items (an encrypting store also counts the data key)").isEqualTo(new ThreadDeletion(3, 0, 1, 2, 1, 1, 0));
        assertThat(report.existed()).isTrue();
        assertThat(report.byKind()).containsEntry("checkpoints", 3L).containsEntry("idempotencyRecords", 1L);
        assertThat(store().head(thread)).isEmpty();
        assertThat(store().loadLatest(thread)).isEmpty();
        assertThat(store().get(thread, first.id())).isEmpty();
        assertThat(store().load(thread, keyed.id())).isEmpty();
        assertThat(store().history(thread, HistoryQuery.first(10)).checkpoints()).isEmpty();
        assertThat(store().findByIdempotencyKey(thread, "req-1")).isEmpty();
        assertThat(store().unpublished(thread)).isEmpty();
        assertThat(store().pendingEffects(thread, 4)).isEmpty();
        assertThat(store().storedBytes(thread)).as("not one item of the thread is left").isZero();
        assertThat(store().loadLatest(sameIdOtherTenant).orElseThrow().target()).as("another tenant's thread of the same id").isEqualTo(other);
        assertThat(store().head(neighbour)).as("another thread of the tenant").isPresent();
    }

    @Test
    void deleteIsIdempotentAndFreesTheIdForANewThread() {
        ThreadKey thread = newThread();
        Checkpoint first = fixtures.first(thread);
        store().commit(new Commit(first, 0));
        assertThat(store().delete(thread).withDataKeys(0).total()).isEqualTo(2);

        assertThat(store().delete(thread)).as("again: nothing left to remove").isEqualTo(ThreadDeletion.NONE);
        assertThat(store().delete(newThread())).as("a thread that never was").isEqualTo(ThreadDeletion.NONE);
        Checkpoint again = fixtures.first(thread);
        assertThat(store().commit(new Commit(again, 0)).duplicate()).isFalse();
        assertThat(store().loadLatest(thread).orElseThrow().target()).isEqualTo(again);
        assertThat(store().history(thread, HistoryQuery.first(10)).checkpoints()).containsExactly(again);
    }

    @Test
    void aCommitFromBeforeTheDeleteCannotRevivePartOfTheThread() {
        ThreadKey thread = newThread();
        Checkpoint first = fixtures.first(thread);
        store().commit(new Commit(first, 0));
        Checkpoint second = fixtures.next(first, false);
        store().commit(new Commit(second, 1));
        store().delete(thread);

        // A writer that loaded step 2 before the delete commits step 3 after it: refused, nothing written.
        assertThatThrownBy(() -> store().commit(new Commit(fixtures.next(second, false), 2)))
                .isInstanceOfSatisfying(ThreadlineException.class, e -> assertThat(e.code()).isIn(ErrorCode.CONFLICT, ErrorCode.THREAD_DELETED));
        assertThat(store().head(thread)).isEmpty();
        assertThat(store().storedBytes(thread)).isZero();
    }

    /**
     * A writer steps the thread as fast as it can while it is deleted several times: after each delete the
     * thread is either gone without a trace or whole — a head whose chain reaches back to step 1 and
     * materialises exactly — never half of one. A refused commit is CONFLICT or THREAD_DELETED, nothing else.
     */
    @Test
    void commitsRacingDeletesNeverLeaveHalfAThread() throws Exception {
        ThreadKey thread = newThread();
        AtomicBoolean stop = new AtomicBoolean();
        AtomicInteger committed = new AtomicInteger();
        AtomicInteger closed = new AtomicInteger();
        ExecutorService pool = Executors.newSingleThreadExecutor();
        try {
            Future<?> writer = pool.submit(() -> {
                while (!stop.get()) {
                    Optional<ThreadHead> head = store().head(thread);
                    try {
                        if (head.isEmpty()) {
                            store().commit(new Commit(fixtures.first(thread), 0));
                        } else {
                            Optional<Checkpoint> parent = store().get(thread, head.get().checkpointId());
                            if (parent.isEmpty()) {
                                continue;  // deleted between the two reads
                            }
                            store().commit(new Commit(fixtures.next(parent.get(), parent.get().step() % 4 == 0), head.get().step()));
                        }
                        committed.incrementAndGet();
                    } catch (ThreadlineException e) {
                        assertThat(e.code()).isIn(ErrorCode.CONFLICT, ErrorCode.THREAD_DELETED);
                        if (e.code() == ErrorCode.THREAD_DELETED) {
                            closed.incrementAndGet();
                        }
                    }
                }
                return null;
            });
            for (int round = 0; round < 6; round++) {
                int before = committed.get();
                long waitUntil = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
                while (committed.get() < before + 3 && System.nanoTime() < waitUntil) {
                    Thread.sleep(1);
                }
                store().delete(thread);
                assertWholeOrGone(thread);
            }
            stop.set(true);
            writer.get(30, TimeUnit.SECONDS);
            assertWholeOrGone(thread);
            assertThat(committed.get()).as("the writer kept committing between deletes").isGreaterThan(6);
        } finally {
            stop.set(true);
            pool.shutdownNow();
        }
    }

    private void assertWholeOrGone(ThreadKey thread) {
        // Read the thread as one consistent picture: its chain from the head, then its whole history.
        Optional<CheckpointChain> latest = store().loadLatest(thread);
        if (latest.isEmpty()) {
            return;  // gone, or a writer's first commit is yet to come: a later check sees it whole
        }
        long step = latest.get().target().step();
        assertThat(materialise(latest.get())).as("the latest state is whole").isEqualTo(upTo(step));
        List<Long> steps = new ArrayList<>();
        String cursor = null;
        do {
            HistoryPage page = store().history(thread, new HistoryQuery(100, cursor));
            page.checkpoints().forEach(cp -> steps.add(cp.step()));
            cursor = page.nextCursor();
        } while (cursor != null);
        assertThat(steps.get(steps.size() - 1)).as("history reaches back to the first step").isEqualTo(1L);
        assertThat(steps.get(0)).isGreaterThanOrEqualTo(step);
        for (int i = 1; i < steps.size(); i++) {
            assertThat(steps.get(i)).as("no gap in " + steps).isEqualTo(steps.get(i - 1) - 1);
        }
    }

    // ------------------------------------------------------------------ scanning heads

    /** Every head a scan returns, page by page, failing on a repeated thread; at most {@code maxPages} pages. */
    private Map<ThreadKey, ThreadHead> scanAll(HeadScan scan, int maxPages) {
        Map<ThreadKey, ThreadHead> seen = new LinkedHashMap<>();
        HeadScan page = scan;
        for (int pages = 0; pages < maxPages; pages++) {
            HeadPage answer = store().scanHeads(page);
            assertThat(answer.heads().size()).isLessThanOrEqualTo(scan.limit());
            for (HeadPage.Entry entry : answer.heads()) {
                assertThat(seen.put(entry.thread(), entry.head())).as("%s returned twice", entry.thread()).isNull();
            }
            if (answer.nextCursor() == null) {
                return seen;
            }
            page = scan.after(answer.nextCursor());
        }
        throw new AssertionError("the scan did not end within " + maxPages + " pages");
    }

    @Test
    void aTenantsHeadScanReturnsEachOfItsThreadsOnceWithItsHeadAndNoOtherTenants() {
        Map<ThreadKey, ThreadHead> expected = new HashMap<>();
        for (int i = 0; i < 23; i++) {
            ThreadKey thread = newThread();
            List<Checkpoint> chain = commitChain(thread, 1 + i % 3, Set.of());
            Checkpoint head = chain.get(chain.size() - 1);
            expected.put(thread, new ThreadHead(head.id(), head.step()));
        }
        ThreadKey elsewhere = ThreadKey.of(tenant + "-other", "th-" + UUID.randomUUID());
        store().commit(new Commit(fixtures.first(elsewhere), 0));

        assertThat(scanAll(HeadScan.tenant(tenant, 5), 100)).isEqualTo(expected);
        assertThat(scanAll(HeadScan.tenant(tenant, HeadScan.MAX_LIMIT), 100)).isEqualTo(expected);
        assertThat(scanAll(HeadScan.tenant(tenant + "-other", 5), 100).keySet()).containsExactly(elsewhere);
    }

    @Test
    void aScanOfEveryTenantReturnsEveryTenantsThreadsOnce() {
        Set<ThreadKey> mine = new HashSet<>();
        for (int i = 0; i < 6; i++) {
            ThreadKey thread = ThreadKey.of(tenant + (i % 2 == 0 ? "-a" : "-b"), "th-" + i);
            store().commit(new Commit(fixtures.first(thread), 0));
            mine.add(thread);
        }
        // The store may hold other tests' threads too: all of them, each once, and ours among them.
        Map<ThreadKey, ThreadHead> all = scanAll(HeadScan.allTenants(7), 100_000);
        assertThat(all.keySet()).containsAll(mine);
        mine.forEach(thread -> assertThat(all.get(thread)).isEqualTo(store().head(thread).orElseThrow()));
    }

    @Test
    void aTenantWithoutThreadsScansEmpty() {
        HeadPage page = store().scanHeads(HeadScan.tenant(tenant, 10));
        assertThat(page.heads()).isEmpty();
        assertThat(page.nextCursor()).isNull();
    }

    @Test
    void aHeadScanRefusesCursorsItDidNotIssueAndBadLimits() {
        for (int i = 0; i < 3; i++) {
            store().commit(new Commit(fixtures.first(newThread()), 0));
        }
        String cursor = store().scanHeads(HeadScan.tenant(tenant, 1)).nextCursor();
        assertThat(cursor).isNotNull();
        for (HeadScan bad : List.of(HeadScan.tenant(tenant + "-other", 1).after(cursor), HeadScan.tenant(tenant, 1).after("garbage"),
                HeadScan.tenant(tenant, 1).after("mem1:no-slash"), HeadScan.tenant(tenant, 1).after("ddb1:!!"))) {
            assertThatThrownBy(() -> store().scanHeads(bad)).isInstanceOf(ThreadlineException.class)
                    .satisfies(e -> assertThat(((ThreadlineException) e).code()).isEqualTo(ErrorCode.INVALID_INPUT));
        }
        assertThatThrownBy(() -> HeadScan.tenant(tenant, 0)).isInstanceOf(ThreadlineException.class);
        assertThatThrownBy(() -> HeadScan.allTenants(HeadScan.MAX_LIMIT + 1)).isInstanceOf(ThreadlineException.class);
        assertThatThrownBy(() -> HeadScan.tenant("no/slash", 10)).isInstanceOf(ThreadlineException.class);
    }
}
