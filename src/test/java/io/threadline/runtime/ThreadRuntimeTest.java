package io.threadline.runtime;

import io.threadline.ErrorCode;
import io.threadline.ThreadlineException;
import io.threadline.checkpoint.Checkpoint;
import io.threadline.checkpoint.CheckpointChain;
import io.threadline.checkpoint.CheckpointId;
import io.threadline.checkpoint.CheckpointStore;
import io.threadline.checkpoint.Commit;
import io.threadline.checkpoint.CommitResult;
import io.threadline.checkpoint.HistoryPage;
import io.threadline.checkpoint.HistoryQuery;
import io.threadline.checkpoint.InMemoryCheckpointStore;
import io.threadline.checkpoint.PendingEffect;
import io.threadline.checkpoint.PruneReport;
import io.threadline.checkpoint.RetentionPolicy;
import io.threadline.checkpoint.SnapshotPolicy;
import io.threadline.checkpoint.Status;
import io.threadline.checkpoint.ThreadDeletion;
import io.threadline.checkpoint.ThreadHead;
import io.threadline.checkpoint.ThreadKey;
import io.threadline.examples.reference.LocalDemo;
import io.threadline.graph.CompiledGraph;
import io.threadline.graph.Durability;
import io.threadline.graph.NodePolicy;
import io.threadline.graph.Route;
import io.threadline.graph.StateGraph;
import io.threadline.state.Channel;
import io.threadline.state.ListChannel;
import io.threadline.state.Update;
import io.threadline.state.ValueChannel;
import jakarta.validation.constraints.Max;
import jakarta.validation.constraints.NotBlank;
import jakarta.validation.constraints.NotNull;
import jakarta.validation.constraints.Size;
import org.junit.jupiter.api.Test;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneId;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.CyclicBarrier;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

import static io.threadline.graph.StateGraph.END;
import static io.threadline.graph.StateGraph.START;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class ThreadRuntimeTest {

    public record Notes(@NotNull List<@NotBlank @Size(max = 20) String> lines, @Max(3) int count, String last) {
        public static final ListChannel<Notes, String> LINES = Channel.appending("lines");
        public static final ValueChannel<Notes, Integer> COUNT = Channel.overwriting("count");
        public static final ValueChannel<Notes, String> LAST = Channel.overwriting("last");
    }

    private final InMemoryCheckpointStore store = new InMemoryCheckpointStore();
    private final ThreadKey thread = ThreadKey.of("acme", "t1");

    /** START -> a -> (b | END); b -> END. b appends whatever `last` holds and may be made invalid. */
    private static CompiledGraph<Notes> graph() {
        return StateGraph.of(Notes.class)
                .node("a", (s, ctx) -> Update.of(Notes.LINES.append("a" + ctx.step()), Notes.COUNT.set(s.count() + 1)))
                .node("b", (s, ctx) -> Update.of(Notes.LINES.append(s.last() == null ? "b" : s.last())))
                .edge(START, "a")
                .route("a", s -> s.last() != null ? Route.to("b", "last is set") : Route.end("nothing to add"), "b", END)
                .edge("b", END)
                .compile();
    }

    /** A runtime that commits on its cached head without asking the store first (one "container" of several). */
    private ThreadRuntime<Notes> trusting(CheckpointStore on) {
        return ThreadRuntime.builder(graph())
                .store(on)
                .validator(LocalDemo.plainValidator())
                .options(RuntimeOptions.defaults().withTrustHeadCache(true))
                .build();
    }

    private ThreadRuntime<Notes> runtime(CompiledGraph<Notes> graph) {
        Clock clock = Clock.fixed(Instant.parse("2026-03-01T10:00:00Z"), ZoneOffset.UTC);
        return ThreadRuntime.builder(graph)
                .store(store)
                .validator(LocalDemo.plainValidator())
                .options(RuntimeOptions.defaults().withClock(clock))
                .build();
    }

    @Test
    void firstStepStartsTheThreadAndCommitsOneCheckpoint() {
        ThreadRuntime<Notes> rt = runtime(graph());
        StepResult<Notes> r = rt.step(thread, Update.of(Notes.LAST.set("x")), null);
        assertThat(r.duplicate()).isFalse();
        assertThat(r.checkpoint().step()).isEqualTo(1);
        assertThat(r.checkpoint().nodes()).containsExactly("a");
        assertThat(r.checkpoint().next()).containsExactly("b");
        assertThat(r.checkpoint().status()).isEqualTo(Status.RUNNING);
        assertThat(r.checkpoint().decisions()).singleElement()
                .satisfies(d -> assertThat(d.reason()).isEqualTo("last is set"));
        assertThat(r.state()).isEqualTo(new Notes(List.of("a1"), 1, "x"));
        assertThat(store.history(thread, HistoryQuery.first(10)).checkpoints()).hasSize(1);
    }

    @Test
    void aBuilderNeedsOnlyTheGraph() {
        ThreadRuntime<Notes> rt = ThreadRuntime.builder(graph()).build();   // in-memory store, standalone validator
        assertThat(rt.run(thread, Update.of(Notes.LAST.set("x")), RunBudget.steps(10)).state().lines()).containsExactly("a1", "x");
        assertThatThrownBy(() -> rt.step(thread, Update.of(Notes.COUNT.set(9)), null))
                .isInstanceOfSatisfying(ThreadlineException.class, e -> assertThat(e.code()).isEqualTo(ErrorCode.VALIDATION_FAILED));

        ThreadRuntime<Notes> onStore = ThreadRuntime.builder(graph()).store(store).options(RuntimeOptions.defaults()).build();
        onStore.step(thread, Update.of(Notes.LAST.set("y")), null);
        assertThat(store.head(thread)).isPresent();
        assertThat(rt.state(thread).checkpoint().step()).as("each default store is the runtime's own").isEqualTo(2);
    }

    @Test
    void exactlyOneStepPerCall() {
        ThreadRuntime<Notes> rt = runtime(graph());
        rt.step(thread, Update.of(Notes.LAST.set("x")), null);
        StepResult<Notes> second = rt.step(thread);
        assertThat(second.checkpoint().nodes()).containsExactly("b");
        assertThat(second.checkpoint().status()).isEqualTo(Status.DONE);
        assertThat(second.state().lines()).containsExactly("a1", "x");
        // A done thread starts a new run on the next call.
        StepResult<Notes> third = rt.step(thread);
        assertThat(third.checkpoint().nodes()).containsExactly("a");
        assertThat(third.state().lines()).containsExactly("a1", "x", "a3");
    }

    @Test
    void runLoopsUntilDoneOrBudget() {
        ThreadRuntime<Notes> rt = runtime(graph());
        RunResult<Notes> run = rt.run(thread, Update.of(Notes.LAST.set("x")), RunBudget.steps(10));
        assertThat(run.stopReason()).isEqualTo(RunResult.StopReason.DONE);
        assertThat(run.steps()).extracting(Checkpoint::step).containsExactly(1L, 2L);
        RunResult<Notes> cut = rt.run(ThreadKey.of("acme", "t2"), Update.of(Notes.LAST.set("x")), RunBudget.steps(1));
        assertThat(cut.stopReason()).isEqualTo(RunResult.StopReason.MAX_STEPS);
        RunResult<Notes> late = rt.run(ThreadKey.of("acme", "t3"), Update.none(),
                new RunBudget(10, Instant.parse("2026-03-01T09:00:00Z")));
        assertThat(late.stopReason()).isEqualTo(RunResult.StopReason.DEADLINE);
        assertThat(late.steps()).isEmpty();
    }

    @Test
    void invalidUpdateFailsTheStepNamingFieldsAndWritesNothing() {
        ThreadRuntime<Notes> rt = runtime(graph());
        rt.run(thread, Update.of(Notes.LAST.set("ok")), RunBudget.steps(10)); // lines [a1, ok], count 1
        var headBefore = store.head(thread).orElseThrow();
        long bytesBefore = store.storedBytes(thread);

        // `a` adds one to count: 9 + 1 breaks @Max(3).
        assertThatThrownBy(() -> rt.step(thread, Update.of(Notes.COUNT.set(9)), null))
                .isInstanceOfSatisfying(ThreadlineException.class, e -> {
                    assertThat(e.code()).isEqualTo(ErrorCode.VALIDATION_FAILED);
                    assertThat(e.details().get("violations")).asList()
                            .containsExactly(Map.of("path", "count", "message", "must be less than or equal to 3"));
                });
        assertThat(store.head(thread)).contains(headBefore);
        assertThat(store.storedBytes(thread)).isEqualTo(bytesBefore);

        // `b` appends `last`; 30 characters break the element constraint @Size(max = 20) at index 3.
        rt.step(thread, Update.of(Notes.LAST.set("x".repeat(30))), null); // a: lines [a1, ok, a3]
        var headAfterA = store.head(thread).orElseThrow();
        long bytesAfterA = store.storedBytes(thread);
        assertThatThrownBy(() -> rt.step(thread))
                .isInstanceOfSatisfying(ThreadlineException.class, e -> {
                    assertThat(e.code()).isEqualTo(ErrorCode.VALIDATION_FAILED);
                    assertThat(e.details().get("violations")).asList()
                            .containsExactly(Map.of("path", "lines[3].<list element>", "message", "size must be between 0 and 20"));
                });
        assertThat(store.head(thread)).contains(headAfterA);
        assertThat(store.storedBytes(thread)).isEqualTo(bytesAfterA);
        assertThat(rt.state(thread).state().lines()).containsExactly("a1", "ok", "a3");
    }

    @Test
    void invalidFirstStepCreatesNoThread() {
        ThreadRuntime<Notes> rt = runtime(graph());
        assertThatThrownBy(() -> rt.step(thread, Update.of(Notes.COUNT.set(9)), null))
                .isInstanceOfSatisfying(ThreadlineException.class, e -> assertThat(e.code()).isEqualTo(ErrorCode.VALIDATION_FAILED));
        assertThat(store.head(thread)).isEmpty();
        assertThatThrownBy(() -> rt.state(thread))
                .isInstanceOfSatisfying(ThreadlineException.class, e -> assertThat(e.code()).isEqualTo(ErrorCode.THREAD_NOT_FOUND));
    }

    @Test
    void aRouterOnStartPicksTheEntryOfEachRunAndIsRecorded() {
        CompiledGraph<Notes> g = StateGraph.of(Notes.class)
                .node("a", (s, ctx) -> Update.of(Notes.LINES.append("a")))
                .node("b", (s, ctx) -> Update.of(Notes.LINES.append("b")))
                .route(START, s -> s.last() == null ? Route.to("a", "no topic yet") : Route.to("b", "topic " + s.last()), "a", "b")
                .edge("a", END)
                .edge("b", END)
                .compile();
        ThreadRuntime<Notes> rt = runtime(g);
        StepResult<Notes> first = rt.step(thread);
        assertThat(first.checkpoint().nodes()).containsExactly("a");
        assertThat(first.checkpoint().decisions()).singleElement().satisfies(d -> {
            assertThat(d.from()).isEqualTo(START);
            assertThat(d.reason()).isEqualTo("no topic yet");
        });
        StepResult<Notes> second = rt.step(thread, Update.of(Notes.LAST.set("cats")), null);
        assertThat(second.checkpoint().nodes()).containsExactly("b");
        assertThat(second.checkpoint().decisions().get(0).reason()).isEqualTo("topic cats");
        assertThat(second.state().lines()).containsExactly("a", "b");
    }

    /** Counts the store calls a runtime makes. */
    private static final class CountingStore implements CheckpointStore {
        final InMemoryCheckpointStore delegate;
        final Map<String, Integer> calls = new TreeMap<>();

        CountingStore(InMemoryCheckpointStore delegate) {
            this.delegate = delegate;
        }

        private void count(String call) {
            calls.merge(call, 1, Integer::sum);
        }

        public Optional<ThreadHead> head(ThreadKey t) { count("head"); return delegate.head(t); }
        public Optional<CheckpointChain> loadLatest(ThreadKey t) { count("loadLatest"); return delegate.loadLatest(t); }
        public Optional<CheckpointChain> load(ThreadKey t, CheckpointId id) { count("load"); return delegate.load(t, id); }
        public Optional<Checkpoint> get(ThreadKey t, CheckpointId id) { count("get"); return delegate.get(t, id); }
        public HistoryPage history(ThreadKey t, HistoryQuery q) { count("history"); return delegate.history(t, q); }
        public Optional<Checkpoint> findByIdempotencyKey(ThreadKey t, String k) { count("findByIdempotencyKey"); return delegate.findByIdempotencyKey(t, k); }
        public CommitResult commit(Commit c) { count("commit"); return delegate.commit(c); }
        public PruneReport prune(ThreadKey t, RetentionPolicy p, Instant now) { count("prune"); return delegate.prune(t, p, now); }
        public long storedBytes(ThreadKey t) { return delegate.storedBytes(t); }
        public ThreadDeletion delete(ThreadKey t) { count("delete"); return delegate.delete(t); }
        public List<Checkpoint> unpublished(ThreadKey t) { count("unpublished"); return delegate.unpublished(t); }
        public void markPublished(ThreadKey t, CheckpointId id) { count("markPublished"); delegate.markPublished(t, id); }
        public void putPendingEffect(ThreadKey t, long step, int seq, PendingEffect e) { count("putPendingEffect"); delegate.putPendingEffect(t, step, seq, e); }
        public List<PendingEffect> pendingEffects(ThreadKey t, long step) { count("pendingEffects"); return delegate.pendingEffects(t, step); }
        public void clearPendingEffects(ThreadKey t, long step) { count("clearPendingEffects"); delegate.clearPendingEffects(t, step); }
        public void discardPendingEffects(ThreadKey t, long step, Collection<Integer> seqs) { count("discardPendingEffects"); delegate.discardPendingEffects(t, step, seqs); }
    }

    @Test
    void pendingEffectsAreReadAndClearedOnlyForStepsThatCanRunASyncNode() {
        CountingStore counting = new CountingStore(store);
        CompiledGraph<Notes> g = StateGraph.of(Notes.class)
                .node("a", (s, ctx) -> Update.of(Notes.LINES.append("a")))
                .node("b", (s, ctx) -> Update.of(Notes.LINES.append(ctx.newId().substring(0, 8))),
                        NodePolicy.durability(Durability.SYNC))
                .chain(START, "a", "b", END)
                .compile();
        ThreadRuntime<Notes> rt = ThreadRuntime.builder(g).store(counting).validator(LocalDemo.plainValidator()).build();

        rt.step(thread);
        assertThat(counting.calls).doesNotContainKeys("pendingEffects", "putPendingEffect", "clearPendingEffects");
        rt.step(thread);
        assertThat(counting.calls).containsEntry("pendingEffects", 1).containsEntry("putPendingEffect", 1)
                .containsEntry("clearPendingEffects", 1);
    }

    @Test
    void aColdStepLoadsOnceAndAWarmStepWithoutOutsideCallsIsOneCommit() {
        CountingStore counting = new CountingStore(store);
        ThreadRuntime<Notes> rt = ThreadRuntime.builder(graph()).store(counting).validator(LocalDemo.plainValidator()).build();
        rt.step(thread, Update.of(Notes.LAST.set("x")), null);
        assertThat(counting.calls).isEqualTo(Map.of("loadLatest", 1, "commit", 1));
        counting.calls.clear();
        rt.step(thread);
        // The cached head is checked before a call outside the step (LazyHeadCheckTest); these nodes make none.
        assertThat(counting.calls).isEqualTo(Map.of("commit", 1));
    }

    @Test
    void trustingTheCacheMakesAWarmStepOneCommitAndRecoversFromAStaleHead() {
        CountingStore counting = new CountingStore(store);
        ThreadRuntime<Notes> a = trusting(counting);
        ThreadRuntime<Notes> b = trusting(store);
        a.step(thread, Update.of(Notes.LAST.set("x")), null);       // step 1 (a)
        counting.calls.clear();
        a.step(thread);                                             // step 2 (b), warm
        assertThat(counting.calls).isEqualTo(Map.of("commit", 1));

        b.step(thread);                                             // step 3 by another "container"
        counting.calls.clear();
        StepResult<Notes> late = a.step(thread);                    // a's cache is stale: conflict, reload, again
        assertThat(late.checkpoint().step()).isEqualTo(4);
        assertThat(counting.calls).isEqualTo(Map.of("commit", 2, "loadLatest", 1));
        assertThat(late.state()).isEqualTo(runtime(graph()).state(thread).state());
        assertThat(store.history(thread, HistoryQuery.first(10)).checkpoints()).extracting(Checkpoint::step)
                .containsExactly(4L, 3L, 2L, 1L);
    }

    @Test
    void aSnapshotOlderThanTheMaxAgeIsRenewedSoExpiringChainsStayWhole() {
        Instant t0 = Instant.parse("2026-03-01T10:00:00Z");
        Instant[] now = {t0};
        Clock clock = new Clock() {
            public ZoneId getZone() { return ZoneOffset.UTC; }
            public Clock withZone(ZoneId zone) { return this; }
            public Instant instant() { return now[0]; }
        };
        RuntimeOptions options = RuntimeOptions.defaults().withClock(clock)
                .withSnapshotPolicy(new SnapshotPolicy(1000.0, Duration.ofHours(1)));
        ThreadRuntime<Notes> rt = ThreadRuntime.builder(graph())
                .store(store)
                .validator(LocalDemo.plainValidator())
                .options(options)
                .build();
        Update<Notes> reset = Update.of(Notes.COUNT.set(0)); // each run of `a` counts one; keep it in range
        assertThat(rt.step(thread, reset, null).checkpoint().isSnapshot() ? "snapshot" : "delta").isEqualTo("snapshot");
        now[0] = t0.plusSeconds(600);
        assertThat(rt.step(thread, reset, null).checkpoint().isSnapshot() ? "snapshot" : "delta").isEqualTo("delta");
        now[0] = t0.plusSeconds(3599);
        assertThat(rt.step(thread, reset, null).checkpoint().isSnapshot() ? "snapshot" : "delta").isEqualTo("delta");
        now[0] = t0.plusSeconds(3600);
        assertThat(rt.step(thread, reset, null).checkpoint().isSnapshot() ? "snapshot" : "delta").isEqualTo("snapshot");
        // A cold runtime knows the snapshot's age from the stored chain.
        now[0] = t0.plusSeconds(3600 + 1800);
        ThreadRuntime<Notes> cold = ThreadRuntime.builder(graph())
                .store(store)
                .validator(LocalDemo.plainValidator())
                .options(options)
                .build();
        assertThat(cold.step(thread, reset, null).checkpoint().isSnapshot() ? "snapshot" : "delta").isEqualTo("delta");
        now[0] = t0.plusSeconds(7200);
        assertThat(cold.step(thread, reset, null).checkpoint().isSnapshot() ? "snapshot" : "delta").isEqualTo("snapshot");
    }

    @Test
    void aReadBoundKeepsEveryColdReadWithinItAndAColdRuntimeDecidesAsAWarmOne() {
        // A ratio that alone would never snapshot again: only the read bound (2,000 B) does.
        RuntimeOptions options = RuntimeOptions.defaults()
                .withSnapshotPolicy(new SnapshotPolicy(1000.0).withMaxReadBytes(2000));
        ThreadRuntime<Notes> warm = ThreadRuntime.builder(graph()).store(store).validator(LocalDemo.plainValidator()).options(options).build();
        ThreadRuntime<Notes> cold = ThreadRuntime.builder(graph()).store(store).validator(LocalDemo.plainValidator())
                .options(options.withHeadCacheThreads(0)).build();
        ThreadKey other = ThreadKey.of("acme", "cold-twin");
        Update<Notes> reset = Update.of(Notes.COUNT.set(0), Notes.LAST.set("x"));
        List<Boolean> warmKinds = new ArrayList<>();
        List<Boolean> coldKinds = new ArrayList<>();
        for (int i = 0; i < 30; i++) {
            warmKinds.add(warm.step(thread, reset, null).checkpoint().isSnapshot());
            coldKinds.add(cold.step(other, reset, null).checkpoint().isSnapshot());
            CheckpointChain chain = store.loadLatest(thread).orElseThrow();
            assertThat(chain.snapshotBytes() + chain.deltaReadBytes()).isLessThanOrEqualTo(2000);
        }
        assertThat(coldKinds).isEqualTo(warmKinds);
        assertThat(warmKinds.subList(1, warmKinds.size())).contains(true);
    }

    @Test
    void aChargePerDeltaBringsTheReadBoundsSnapshotsSoonerAndAColdRuntimeCountsTheDeltasAsAWarmOne() {
        // The same small steps on three threads: bytes only, then each delta charged 150 B warm, and charged cold.
        SnapshotPolicy bytesOnly = new SnapshotPolicy(1000.0).withMaxReadBytes(3000);
        RuntimeOptions charged = RuntimeOptions.defaults().withSnapshotPolicy(bytesOnly.withReadBytesPerDelta(150));
        ThreadRuntime<Notes> plain = ThreadRuntime.builder(graph()).store(store).validator(LocalDemo.plainValidator())
                .options(RuntimeOptions.defaults().withSnapshotPolicy(bytesOnly)).build();
        ThreadRuntime<Notes> warm = ThreadRuntime.builder(graph()).store(store).validator(LocalDemo.plainValidator()).options(charged).build();
        ThreadRuntime<Notes> cold = ThreadRuntime.builder(graph()).store(store).validator(LocalDemo.plainValidator())
                .options(charged.withHeadCacheThreads(0)).build();
        ThreadKey plainThread = ThreadKey.of("acme", "bytes-only");
        ThreadKey coldThread = ThreadKey.of("acme", "charged-cold");
        Update<Notes> reset = Update.of(Notes.COUNT.set(0), Notes.LAST.set("x"));
        List<Long> plainSnapshots = new ArrayList<>();
        List<Long> warmSnapshots = new ArrayList<>();
        List<Long> coldSnapshots = new ArrayList<>();
        for (int i = 0; i < 60; i++) {
            StepResult<Notes> p = plain.step(plainThread, reset, null);
            StepResult<Notes> w = warm.step(thread, reset, null);
            StepResult<Notes> c = cold.step(coldThread, reset, null);
            if (p.checkpoint().isSnapshot()) {
                plainSnapshots.add(p.checkpoint().step());
            }
            if (w.checkpoint().isSnapshot()) {
                warmSnapshots.add(w.checkpoint().step());
            }
            if (c.checkpoint().isSnapshot()) {
                coldSnapshots.add(c.checkpoint().step());
            }
            CheckpointChain chain = store.loadLatest(thread).orElseThrow();
            assertThat(chain.snapshotReadBytes() + chain.deltaReadBytes() + 150L * (chain.checkpoints().size() - 1))
                    .as("what the charged bound counts stays within it").isLessThanOrEqualTo(3000);
        }
        assertThat(coldSnapshots).isEqualTo(warmSnapshots);
        assertThat(warmSnapshots.size()).as("charged: %s, bytes only: %s", warmSnapshots, plainSnapshots)
                .isGreaterThan(plainSnapshots.size());
    }

    @Test
    void aTrustedStaleHeadThatMakesTheStepFailIsRetriedOnTheStoredHead() {
        ThreadRuntime<Notes> a = trusting(store);
        ThreadRuntime<Notes> b = trusting(store);
        for (int i = 0; i < 3; i++) {
            a.step(thread); // each run of `a` counts one: count 3, the @Max
        }
        b.step(thread, Update.of(Notes.COUNT.set(0)), null); // another process resets it: count 1
        // a's cached head says count 3: one more would break @Max(3) — but the stored head says 1.
        StepResult<Notes> r = a.step(thread);
        assertThat(r.checkpoint().step()).isEqualTo(5);
        assertThat(r.state().count()).isEqualTo(2);
        // On a head that is still current, the same failure goes to the caller.
        a.step(thread);
        assertThatThrownBy(() -> a.step(thread))
                .isInstanceOfSatisfying(ThreadlineException.class, e -> assertThat(e.code()).isEqualTo(ErrorCode.VALIDATION_FAILED));
    }

    @Test
    void aFailingNodeIsKeptAsAFailedCheckpointWithItsInputAndErrorAndTheThreadStaysUsable() {
        AtomicInteger calls = new AtomicInteger();
        CompiledGraph<Notes> flaky = StateGraph.of(Notes.class)
                .node("a", (s, ctx) -> {
                    if (calls.incrementAndGet() == 1) {
                        throw new IllegalStateException("boom");
                    }
                    return Update.of(Notes.LINES.append("a"));
                })
                .chain(START, "a", END)
                .compile();
        ThreadRuntime<Notes> rt = runtime(flaky);

        StepResult<Notes> failed = rt.step(thread, Update.of(Notes.LAST.set("input")), "key-1");

        assertThat(failed.checkpoint().status()).isEqualTo(Status.FAILED);
        assertThat(failed.checkpoint().error().node()).isEqualTo("a");
        assertThat(failed.checkpoint().error().type()).isEqualTo(IllegalStateException.class.getName());
        assertThat(failed.checkpoint().error().message()).isEqualTo("boom");
        assertThat(failed.checkpoint().error().stack()).contains("ThreadRuntimeTest");
        assertThat(failed.checkpoint().next()).containsExactly(START);
        assertThat(failed.state().last()).isEqualTo("input");
        assertThat(failed.state().lines()).isEmpty();

        // The same request again: the input is already in the FAILED checkpoint and is not applied twice.
        StepResult<Notes> retried = rt.step(thread, Update.of(Notes.LAST.set("input")), "key-1");
        assertThat(retried.checkpoint().status()).isEqualTo(Status.DONE);
        assertThat(retried.checkpoint().metadata()).containsEntry("retryOf", failed.checkpoint().id().value());
        assertThat(retried.state().lines()).containsExactly("a");
        assertThat(rt.history(thread, new HistoryQuery(10, null)).checkpoints()).hasSize(2);
    }

    @Test
    void sameIdempotencyKeyTenTimesCommitsOnceWithTenIdenticalAnswers() {
        ThreadRuntime<Notes> rt = runtime(graph());
        AtomicInteger runs = new AtomicInteger();
        List<StepResult<Notes>> answers = new ArrayList<>();
        for (int i = 0; i < 10; i++) {
            answers.add(rt.step(thread, Update.of(Notes.LAST.set("x")), "request-1"));
        }
        assertThat(answers).extracting(StepResult::checkpoint).containsOnly(answers.get(0).checkpoint());
        assertThat(answers).extracting(StepResult::state).containsOnly(answers.get(0).state());
        assertThat(answers.subList(1, 10)).allMatch(StepResult::duplicate);
        assertThat(store.history(thread, HistoryQuery.first(10)).checkpoints()).hasSize(1);
        // A fresh runtime (cold cache) and a thread that moved on still answer the first result.
        rt.step(thread);
        ThreadRuntime<Notes> cold = runtime(graph());
        StepResult<Notes> again = cold.step(thread, Update.of(Notes.LAST.set("x")), "request-1");
        assertThat(again.duplicate()).isTrue();
        assertThat(again.checkpoint()).isEqualTo(answers.get(0).checkpoint());
        assertThat(again.state()).isEqualTo(answers.get(0).state());
        assertThat(store.head(thread).orElseThrow().step()).isEqualTo(2);
        assertThat(runs.get()).isZero();
    }

    @Test
    void aRetryAfterTheThreadMovedOnRunsNothingAndAnswersTheFirstResult() {
        AtomicInteger runsOfA = new AtomicInteger();
        CompiledGraph<Notes> counted = StateGraph.of(Notes.class)
                .node("a", (s, ctx) -> {
                    runsOfA.incrementAndGet();
                    return Update.of(Notes.LINES.append("a" + ctx.step()));
                })
                .chain(START, "a", END)
                .compile();
        ThreadRuntime<Notes> rt = runtime(counted);
        StepResult<Notes> first = rt.step(thread, Update.none(), "k1");
        rt.step(thread);
        StepResult<Notes> retry = rt.step(thread, Update.none(), "k1");
        assertThat(retry.duplicate()).isTrue();
        assertThat(retry.checkpoint()).isEqualTo(first.checkpoint());
        assertThat(retry.state()).isEqualTo(first.state());
        assertThat(runsOfA.get()).isEqualTo(2);
    }

    @Test
    void badIdempotencyKeyIsInvalidInput() {
        ThreadRuntime<Notes> rt = runtime(graph());
        for (String bad : List.of("", "has space", "x".repeat(129), "tab\t", "caf\u00e9")) {
            assertThatThrownBy(() -> rt.step(thread, Update.none(), bad))
                    .isInstanceOfSatisfying(ThreadlineException.class, e -> {
                        assertThat(e.code()).isEqualTo(ErrorCode.INVALID_INPUT);
                        assertThat(e.details()).containsEntry("field", "idempotencyKey");
                    });
            assertThatThrownBy(() -> rt.run(thread, Update.none(), RunBudget.steps(3), bad))
                    .isInstanceOfSatisfying(ThreadlineException.class, e -> {
                        assertThat(e.code()).isEqualTo(ErrorCode.INVALID_INPUT);
                        assertThat(e.details()).containsEntry("field", "idempotencyKey");
                    });
            assertThatThrownBy(() -> rt.resume(thread, (Object) "yes", bad))
                    .isInstanceOfSatisfying(ThreadlineException.class, e -> {
                        assertThat(e.code()).isEqualTo(ErrorCode.INVALID_INPUT);
                        assertThat(e.details()).containsEntry("field", "idempotencyKey");
                    });
        }
        assertThat(store.head(thread)).isEmpty();
    }

    @Test
    void concurrentStepsOnOneThreadCommitOnceAndTheOtherGetsConflict() throws Exception {
        // Both steps must have loaded the same head before either commits: the node waits at a barrier.
        CyclicBarrier bothLoaded = new CyclicBarrier(2);
        CompiledGraph<Notes> slow = StateGraph.of(Notes.class)
                .node("a", (s, ctx) -> {
                    await(bothLoaded);
                    return Update.of(Notes.LINES.append(Thread.currentThread().getName()));
                })
                .chain(START, "a", END)
                .compile();
        ThreadRuntime<Notes> rt = runtime(slow);
        ThreadRuntime<Notes> setup = runtime(graph());
        setup.run(thread, Update.none(), RunBudget.steps(5));
        long headBefore = store.head(thread).orElseThrow().step();

        ExecutorService pool = Executors.newFixedThreadPool(2);
        CountDownLatch go = new CountDownLatch(1);
        try {
            List<Future<Object>> futures = new ArrayList<>();
            for (int i = 0; i < 2; i++) {
                futures.add(pool.submit(() -> {
                    go.await();
                    try {
                        return rt.step(thread);
                    } catch (ThreadlineException e) {
                        return e;
                    }
                }));
            }
            go.countDown();
            List<Object> outcomes = new ArrayList<>();
            for (Future<Object> f : futures) {
                outcomes.add(f.get(30, TimeUnit.SECONDS));
            }
            assertThat(outcomes).filteredOn(o -> o instanceof StepResult).hasSize(1);
            assertThat(outcomes).filteredOn(o -> o instanceof ThreadlineException).singleElement()
                    .satisfies(o -> assertThat(((ThreadlineException) o).code()).isEqualTo(ErrorCode.CONFLICT));
            StepResult<?> winner = (StepResult<?>) outcomes.stream().filter(o -> o instanceof StepResult).findFirst().orElseThrow();
            assertThat(store.head(thread).orElseThrow().step()).isEqualTo(headBefore + 1);
            assertThat(store.head(thread).orElseThrow().checkpointId().value()).isEqualTo(winner.checkpoint().id().value());
            // Nothing lost: the thread goes on from the winner's state.
            assertThat(rt.state(thread).state()).isEqualTo(winner.state());
        } finally {
            pool.shutdownNow();
        }
    }

    private static void await(CyclicBarrier barrier) {
        try {
            barrier.await(10, TimeUnit.SECONDS);
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }

    @Test
    void everyCheckpointOfTheThreadCanBeReadBack() {
        ThreadRuntime<Notes> rt = runtime(graph());
        List<Notes> seen = new ArrayList<>();
        List<String> ids = new ArrayList<>();
        for (int i = 0; i < 3; i++) {
            StepResult<Notes> r = rt.step(thread, Update.of(Notes.LAST.set("n" + i)), null);
            while (true) {
                ids.add(r.checkpoint().id().value());
                seen.add(r.state());
                if (r.checkpoint().status() == Status.DONE) {
                    break;
                }
                r = rt.step(thread);
            }
        }
        ThreadRuntime<Notes> cold = runtime(graph());
        for (int i = 0; i < ids.size(); i++) {
            assertThat(cold.stateAt(thread, CheckpointId.parse(ids.get(i))).state()).isEqualTo(seen.get(i));
        }
        Set<String> unique = new HashSet<>(ids);
        assertThat(unique).hasSize(ids.size());
        assertThat(ids).isSorted();
    }

    @Test
    void unknownThreadAndCheckpointHaveTheirOwnCodes() {
        ThreadRuntime<Notes> rt = runtime(graph());
        CheckpointId unknown = CheckpointId.next(Instant.now(), () -> 1L, null);
        assertThatThrownBy(() -> rt.stateAt(thread, unknown))
                .isInstanceOfSatisfying(ThreadlineException.class, e -> assertThat(e.code()).isEqualTo(ErrorCode.THREAD_NOT_FOUND));
        assertThatThrownBy(() -> rt.history(thread, HistoryQuery.first(5)))
                .isInstanceOfSatisfying(ThreadlineException.class, e -> assertThat(e.code()).isEqualTo(ErrorCode.THREAD_NOT_FOUND));
        rt.step(thread);
        assertThatThrownBy(() -> rt.stateAt(thread, unknown))
                .isInstanceOfSatisfying(ThreadlineException.class, e -> assertThat(e.code()).isEqualTo(ErrorCode.CHECKPOINT_NOT_FOUND));
    }

    @Test
    void checkpointFromANewerSchemaIsRefusedNotMisread() {
        ThreadRuntime<Notes> rt = runtime(graph());
        rt.step(thread);
        Checkpoint head = store.get(thread, store.head(thread).orElseThrow().checkpointId()).orElseThrow();
        ThreadKey other = ThreadKey.of("acme", "future");
        Checkpoint fromTheFuture = Checkpoint.draft(head.id(), other, 1, null)
                .state(7, head.change(), head.createdAt())
                .metadata(head.metadata())
                .step(head.nodes(), head.decisions(), head.next());
        store.commit(new Commit(fromTheFuture, 0));
        assertThatThrownBy(() -> runtime(graph()).state(other))
                .isInstanceOfSatisfying(ThreadlineException.class, e -> assertThat(e.getMessage()).contains("newer schema (v7)"));
    }
}
