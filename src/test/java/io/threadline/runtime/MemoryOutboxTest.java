package io.threadline.runtime;

import io.threadline.ErrorCode;
import io.threadline.ThreadlineException;
import io.threadline.checkpoint.Checkpoint;
import io.threadline.checkpoint.InMemoryCheckpointStore;
import io.threadline.checkpoint.ThreadKey;
import io.threadline.checkpoint.ThreadTags;
import io.threadline.examples.reference.LocalDemo;
import io.threadline.graph.CompiledGraph;
import io.threadline.graph.Recollection;
import io.threadline.graph.StateGraph;
import io.threadline.memory.Embeddings;
import io.threadline.memory.InMemoryMemoryStore;
import io.threadline.memory.MemoryForgetReport;
import io.threadline.memory.MemoryHit;
import io.threadline.memory.MemoryPruneReport;
import io.threadline.memory.MemoryQuery;
import io.threadline.memory.MemoryRecord;
import io.threadline.memory.MemorySettings;
import io.threadline.memory.MemoryStore;
import io.threadline.memory.MemoryWrite;
import io.threadline.memory.PutResult;
import io.threadline.memory.WordEmbeddingModel;
import io.threadline.state.Channel;
import io.threadline.state.ListChannel;
import io.threadline.state.Update;
import jakarta.validation.constraints.Size;
import org.junit.jupiter.api.Test;

import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Function;

import static io.threadline.graph.StateGraph.END;
import static io.threadline.graph.StateGraph.START;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * Memory written by steps goes through the checkpoint's outbox: committed with the step, applied
 * after it, re-applied until it is acknowledged — never lost, never duplicated, never written by a
 * step that failed.
 */
class MemoryOutboxTest {

    public record Log(List<@Size(max = 30) String> lines) {
        public static final ListChannel<Log, String> LINES = Channel.appending("lines");
    }

    /** A memory store whose writes fail while {@code failures} is positive (each failure uses one up). */
    static final class FlakyMemory implements MemoryStore {
        final MemoryStore delegate = new InMemoryMemoryStore(new Embeddings(new WordEmbeddingModel()), MemorySettings.DEFAULT);
        final AtomicInteger failures = new AtomicInteger();
        final AtomicInteger puts = new AtomicInteger();
        volatile boolean searchDown;

        public PutResult put(MemoryWrite write, Instant now) {
            if (failures.getAndUpdate(n -> Math.max(0, n - 1)) > 0) {
                throw new ThreadlineException(ErrorCode.DEPENDENCY_UNAVAILABLE, "memory is down");
            }
            puts.incrementAndGet();
            return delegate.put(write, now);
        }

        public Optional<MemoryRecord> get(String tenant, String id) {
            return delegate.get(tenant, id);
        }

        public List<MemoryHit> search(MemoryQuery query, Instant now) {
            if (searchDown) {
                throw new ThreadlineException(ErrorCode.DEPENDENCY_UNAVAILABLE, "memory is down");
            }
            return delegate.search(query, now);
        }

        public boolean delete(String tenant, String id) {
            return delegate.delete(tenant, id);
        }

        public MemoryPruneReport prune(String tenant, int max, Instant now) {
            return delegate.prune(tenant, max, now);
        }

        public MemoryForgetReport forgetThread(String tenant, String threadId) {
            if (searchDown) {
                throw new ThreadlineException(ErrorCode.DEPENDENCY_UNAVAILABLE, "memory is down");
            }
            return delegate.forgetThread(tenant, threadId);
        }

        public MemoryForgetReport forgetWhere(String tenant, Map<String, String> entries) {
            return delegate.forgetWhere(tenant, entries);
        }

        List<String> contents(String tenant) {
            List<String> out = new ArrayList<>();
            for (MemoryHit hit : delegate.search(MemoryQuery.text(tenant, "fact about something", 100), Instant.now())) {
                out.add(hit.memory().content());
            }
            return out;
        }
    }

    private final InMemoryCheckpointStore store = new InMemoryCheckpointStore();
    private final FlakyMemory memory = new FlakyMemory();
    private final ThreadKey thread = ThreadKey.of("acme", "remembering");

    /** One node: recalls, then remembers two facts (the line it appends may be made too long to be valid). */
    private static CompiledGraph<Log> graph() {
        return StateGraph.of(Log.class)
                .node("learn", (s, ctx) -> {
                    List<Recollection> known = ctx.recall("facts", "fact", 10);
                    ctx.remember("facts", "fact one about step " + ctx.step(), "fact", 0.5);
                    ctx.remember("facts", "fact two about step " + ctx.step(), "fact", 0.5);
                    String line = s.lines().isEmpty() ? "knew " + known.size() : "knew " + known.size() + s.lines().get(0).substring(0, 0);
                    return Update.of(Log.LINES.append(line));
                })
                .chain(START, "learn", END)
                .compile();
    }

    private ThreadRuntime<Log> runtime(MemoryStore memoryStore) {
        return ThreadRuntime.builder(graph()).store(store).validator(LocalDemo.plainValidator()).memory(memoryStore).build();
    }

    @Test
    void rememberedFactsAreCommittedWithTheStepAndAppliedAfterIt() {
        StepResult<?> r = runtime(memory).step(thread);
        Checkpoint cp = store.get(thread, r.checkpoint().id()).orElseThrow();
        assertThat(cp.outbox().json()).contains("fact one about step 1").contains("fact two about step 1");
        assertThat(memory.contents("acme")).containsExactlyInAnyOrder("fact one about step 1", "fact two about step 1");
        MemoryRecord one = memory.delegate.search(MemoryQuery.text("acme", "fact one about step 1", 1), Instant.now()).get(0).memory();
        assertThat(one.sourceThread()).isEqualTo("remembering");
        assertThat(one.sourceCheckpoint()).isEqualTo(r.checkpoint().id().value());
        // Provenance: the step, the node, and what it was derived from — the node's recall, effect 0 of the checkpoint.
        assertThat(one.sourceStep()).isEqualTo(1L);
        assertThat(one.sourceNode()).isEqualTo("learn");
        assertThat(one.derivedFrom()).isEqualTo("effect:0");
        assertThat(store.unpublished(thread)).isEmpty();
        // The next step recalls what the first one learnt.
        StepResult<?> second = runtime(memory).step(thread);
        assertThat(((Log) second.state()).lines()).containsExactly("knew 0", "knew 2");
    }

    /** Issue 18: memories a thread's steps write carry its tags, so erasing the subject by tag finds them. */
    @Test
    void memoriesCarryTheThreadsTagsSoErasingASubjectByTagFindsThem() {
        ThreadRuntime<Log> rt = runtime(memory);
        ThreadKey tagged = ThreadKey.of("acme", "tagged-thread");
        rt.step(tagged, Update.<Log>none(), null, ThreadTags.of(Map.of("user", "42", "channel.web", "yes")));
        rt.step(tagged);
        ThreadKey untagged = ThreadKey.of("acme", "untagged-thread");
        rt.step(untagged);
        rt.step(untagged);
        rt.step(untagged);
        List<MemoryHit> all = memory.delegate.search(MemoryQuery.text("acme", "fact about step", 100), Instant.now());
        // Steps 1 and 2 of both threads remember the same facts: the untagged thread's merge into the tagged one's.
        assertThat(all).hasSize(6);
        for (MemoryHit hit : all) {
            if ("tagged-thread".equals(hit.memory().sourceThread())) {
                // A tag key with a '.' is no metadata key: not copied.
                assertThat(hit.memory().metadata()).containsExactly(Map.entry("user", "42"));
            } else {
                assertThat(hit.memory().metadata()).isEmpty();
            }
        }
        MemoryForgetReport erased = memory.forgetWhere("acme", Map.of("user", "42"));
        assertThat(erased.removed()).isEqualTo(4);
        assertThat(memory.contents("acme")).containsExactlyInAnyOrder("fact one about step 3", "fact two about step 3");
    }

    @Test
    void deletingAThreadRemovesEveryStoredItemAndTheMemoriesItsStepsWrote() {
        ThreadRuntime<Log> rt = runtime(memory);
        rt.step(thread);
        rt.step(thread);
        ThreadKey otherTenant = ThreadKey.of("other", thread.threadId());
        rt.step(otherTenant);
        assertThat(memory.contents("acme")).hasSize(4);

        DeleteReport report = rt.delete(thread);

        assertThat(report.byKind()).containsEntry("checkpoints", 2L).containsEntry("heads", 1L).containsEntry("memories", 4L);
        assertThat(report.existed()).isTrue();
        assertThat(memory.contents("acme")).isEmpty();
        assertThat(store.storedBytes(thread)).isZero();
        assertThatThrownBy(() -> rt.state(thread)).isInstanceOfSatisfying(ThreadlineException.class,
                e -> assertThat(e.code()).isEqualTo(ErrorCode.THREAD_NOT_FOUND));
        assertThat(memory.contents("other")).as("another tenant's thread of the same id").hasSize(2);
        assertThat(rt.state(otherTenant).checkpoint().step()).isEqualTo(1);

        DeleteReport again = rt.delete(thread);
        assertThat(again.byKind().values()).as("idempotent").containsOnly(0L);
        assertThat(again.existed()).isFalse();
        // The id starts a new thread, which knows nothing of the deleted one's memories.
        assertThat(rt.step(thread).state().lines()).containsExactly("knew 0");
    }

    @Test
    void aDeleteWhoseMemoriesCouldNotBeRemovedIsFinishedByRunningItAgain() {
        ThreadRuntime<Log> rt = runtime(memory);
        rt.step(thread);
        memory.searchDown = true;

        assertThatThrownBy(() -> rt.delete(thread)).isInstanceOfSatisfying(ThreadlineException.class,
                e -> assertThat(e.code()).isEqualTo(ErrorCode.DEPENDENCY_UNAVAILABLE));
        assertThat(store.storedBytes(thread)).as("the thread went first").isZero();
        assertThat(memory.contents("acme")).hasSize(2);

        memory.searchDown = false;
        DeleteReport finished = rt.delete(thread);
        assertThat(finished.memories()).isEqualTo(2);
        assertThat(memory.contents("acme")).isEmpty();
    }

    @Test
    void aFailedApplyIsRetriedUntilAcknowledgedWithoutLosingOrDuplicatingAnything() {
        ThreadRuntime<Log> rt = runtime(memory);
        memory.failures.set(2);
        StepResult<?> r = rt.step(thread); // committed; both writes fail
        assertThat(r.checkpoint().step()).isEqualTo(1);
        assertThat(memory.contents("acme")).isEmpty();
        assertThat(store.unpublished(thread)).hasSize(1);

        memory.failures.set(0);
        assertThat(rt.publishPending(thread)).isEqualTo(1);
        assertThat(rt.publishPending(thread)).isZero();
        assertThat(memory.contents("acme")).containsExactlyInAnyOrder("fact one about step 1", "fact two about step 1");
    }

    @Test
    void anApplyKilledHalfWayIsCompletedByTheNextStepWithoutDuplicates() {
        ThreadRuntime<Log> rt = runtime(memory);
        rt.step(thread);                     // step 1 applied: 2 memories
        memory.failures.set(0);
        // Step 2: the first write lands, the second fails — as if the process died between them.
        FlakyMemory halfWay = memory;
        halfWay.failures.set(0);
        MemoryStore failSecond = new MemoryStore() {
            int calls;
            public PutResult put(MemoryWrite w, Instant now) {
                if (++calls == 2) {
                    throw new ThreadlineException(ErrorCode.DEPENDENCY_UNAVAILABLE, "died half way");
                }
                return memory.put(w, now);
            }
            public Optional<MemoryRecord> get(String t, String id) { return memory.get(t, id); }
            public List<MemoryHit> search(MemoryQuery q, Instant now) { return memory.search(q, now); }
            public boolean delete(String t, String id) { return memory.delete(t, id); }
            public MemoryPruneReport prune(String t, int m, Instant now) { return memory.prune(t, m, now); }
            public MemoryForgetReport forgetThread(String t, String th) { return memory.forgetThread(t, th); }
            public MemoryForgetReport forgetWhere(String t, Map<String, String> e) {
                return memory.forgetWhere(t, e);
            }
        };
        runtime(failSecond).step(thread);
        assertThat(memory.contents("acme")).hasSize(3);
        assertThat(store.unpublished(thread)).hasSize(1);

        // Another process (a cold runtime) loads the thread: it applies the outbox again, then steps.
        runtime(memory).step(thread);
        assertThat(store.unpublished(thread)).isEmpty();
        assertThat(memory.contents("acme")).containsExactlyInAnyOrder(
                "fact one about step 1", "fact two about step 1",
                "fact one about step 2", "fact two about step 2",
                "fact one about step 3", "fact two about step 3");
    }

    @Test
    void aStepThatFailsLeavesNoMemoryBehind() {
        CompiledGraph<Log> invalid = StateGraph.of(Log.class)
                .node("learn", (s, ctx) -> {
                    ctx.remember("facts", "a fact that must not survive", "fact", 0.5);
                    return Update.of(Log.LINES.append("x".repeat(31))); // breaks @Size(max = 30)
                })
                .chain(START, "learn", END)
                .compile();
        ThreadRuntime<Log> rt = ThreadRuntime.builder(invalid)
                .store(store)
                .validator(LocalDemo.plainValidator())
                .memory(memory)
                .build();
        assertThatThrownBy(() -> rt.step(thread))
                .isInstanceOfSatisfying(ThreadlineException.class, e -> assertThat(e.code()).isEqualTo(ErrorCode.VALIDATION_FAILED));
        assertThat(memory.puts.get()).isZero();
        assertThat(store.head(thread)).isEmpty();
    }

    @Test
    void recallWhileMemoryIsDownFailsTheStepAndCommitsNothing() {
        memory.searchDown = true;
        assertThatThrownBy(() -> runtime(memory).step(thread))
                .isInstanceOfSatisfying(ThreadlineException.class, e -> assertThat(e.code()).isEqualTo(ErrorCode.DEPENDENCY_UNAVAILABLE));
        assertThat(store.head(thread)).isEmpty();
    }

    @Test
    void aNodeThatMayGoOnWithoutMemoriesRunsDegradedAndSaysSo() {
        CompiledGraph<Log> tolerant = StateGraph.of(Log.class)
                .node("learn", (s, ctx) -> Update.of(Log.LINES.append("knew " + ctx.recallIfAvailable("facts", "fact", 5).size())))
                .chain(START, "learn", END)
                .compile();
        memory.searchDown = true;
        ThreadRuntime<Log> rt = ThreadRuntime.builder(tolerant)
                .store(store)
                .validator(LocalDemo.plainValidator())
                .memory(memory)
                .build();
        StepResult<Log> r = rt.step(thread);
        assertThat(r.state().lines()).containsExactly("knew 0");
        assertThat(r.checkpoint().metadata()).containsEntry("degraded", "recall");
        memory.searchDown = false;
        assertThat(rt.step(thread).checkpoint().metadata()).doesNotContainKey("degraded");
    }

    @Test
    void recallSeesOnlyTheThreadsTenant() {
        memory.delegate.put(MemoryWrite.of("globex", "facts", "fact from another tenant"), Instant.now());
        StepResult<?> r = runtime(memory).step(thread);
        assertThat(((Log) r.state()).lines()).containsExactly("knew 0");
    }

    /** A node that corrects what it recalled about Ada's city (issue 18); {@code meanwhile} runs between recall and remember. */
    private ThreadRuntime<Log> correcting(Runnable meanwhile, Function<List<String>, List<String>> ids) {
        CompiledGraph<Log> graph = StateGraph.of(Log.class)
                .node("correct", (s, ctx) -> {
                    List<String> wrong = ctx.recall("people/ada", "where does ada live", 5).stream()
                            .filter(r -> r.content().contains("paris")).map(Recollection::id).toList();
                    meanwhile.run();
                    ctx.remember("people/ada", "ada lives in berlin", "fact", 0.9, ids.apply(wrong));
                    return Update.of(Log.LINES.append("corrected " + wrong.size()));
                })
                .chain(START, "correct", END)
                .compile();
        return ThreadRuntime.builder(graph).store(store).validator(LocalDemo.plainValidator()).memory(memory).build();
    }

    private static MemoryWrite paris(String id) {
        return new MemoryWrite(id, "acme", "people/ada", "ada lives in paris", "fact", 0.5, null, null, null, Map.of());
    }

    @Test
    void aNodeSupersedesWhatItRecalledAndTheCorrectionIsAppliedWithItsStep() {
        memory.delegate.put(paris("city-1"), Instant.now());
        StepResult<?> r = correcting(() -> { }, ids -> ids).step(thread);
        assertThat(store.get(thread, r.checkpoint().id()).orElseThrow().outbox().json()).contains("\"supersedes\":[\"city-1\"]");
        assertThat(store.unpublished(thread)).isEmpty();
        MemoryRecord old = memory.delegate.get("acme", "city-1").orElseThrow();
        assertThat(old.supersededBy()).isNotNull();
        MemoryRecord fix = memory.delegate.get("acme", old.supersededBy()).orElseThrow();
        assertThat(fix.content()).isEqualTo("ada lives in berlin");
        assertThat(fix.supersedes()).containsExactly("city-1");
        assertThat(fix.sourceNode()).isEqualTo("correct");
        assertThat(fix.sourceCheckpoint()).isEqualTo(r.checkpoint().id().value());
        // Recalled from now on: the correction only; the chain reads oldest first.
        assertThat(memory.delegate.search(MemoryQuery.text("acme", "where does ada live", 5).under("people/ada"), Instant.now()))
                .extracting(h -> h.memory().content()).containsExactly("ada lives in berlin");
        assertThat(memory.delegate.history("acme", "city-1")).extracting(MemoryRecord::id).containsExactly("city-1", fix.id());
    }

    @Test
    void aCorrectionOfAMemoryCorrectedMeanwhileIsRememberedWithoutHoldingBackTheThread() {
        memory.delegate.put(paris("city-1"), Instant.now());
        MemoryWrite other = new MemoryWrite("city-x", "acme", "people/ada", "ada lives in rome", "fact", 0.5, null, null, null,
                Map.of()).superseding(List.of("city-1"));
        StepResult<?> r = correcting(() -> memory.delegate.put(other, Instant.now()), ids -> ids).step(thread);
        // Applied (not retried for ever): the other correction stands, this memory is remembered as a memory of its own.
        assertThat(store.unpublished(thread)).isEmpty();
        assertThat(memory.delegate.get("acme", "city-1").orElseThrow().supersededBy()).isEqualTo("city-x");
        List<MemoryHit> now = memory.delegate.search(MemoryQuery.text("acme", "where does ada live", 5).under("people/ada"), Instant.now());
        assertThat(now).extracting(h -> h.memory().content()).containsExactlyInAnyOrder("ada lives in berlin", "ada lives in rome");
        assertThat(now).filteredOn(h -> h.memory().content().contains("berlin")).allSatisfy(h -> {
            assertThat(h.memory().supersedes()).isEmpty();
            assertThat(h.memory().sourceCheckpoint()).isEqualTo(r.checkpoint().id().value());
        });
    }

    @Test
    void aMalformedIdToSupersedeFailsTheStepAndCommitsNothing() {
        memory.delegate.put(paris("city-1"), Instant.now());
        assertThatThrownBy(() -> correcting(() -> { }, ids -> List.of("not an id")).step(thread))
                .isInstanceOfSatisfying(ThreadlineException.class, e -> {
                    assertThat(e.code()).isEqualTo(ErrorCode.INVALID_INPUT);
                    assertThat(e.details()).containsEntry("field", "supersedes");
                });
        assertThat(store.head(thread)).isEmpty();
        assertThat(memory.delegate.get("acme", "city-1").orElseThrow().supersededBy()).isNull();
    }
}
