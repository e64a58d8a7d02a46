package io.threadline.runtime;

import io.threadline.ErrorCode;
import io.threadline.ThreadlineException;
import io.threadline.checkpoint.Checkpoint;
import io.threadline.checkpoint.CheckpointStore;
import io.threadline.checkpoint.InMemoryCheckpointStore;
import io.threadline.checkpoint.PendingEffect;
import io.threadline.checkpoint.Status;
import io.threadline.checkpoint.ThreadKey;
import io.threadline.examples.reference.LocalDemo;
import io.threadline.graph.CompiledGraph;
import io.threadline.graph.Durability;
import io.threadline.graph.NodePolicy;
import io.threadline.graph.RetryPolicy;
import io.threadline.graph.StateGraph;
import io.threadline.state.Channel;
import io.threadline.state.ListChannel;
import io.threadline.state.Update;
import io.threadline.state.ValueChannel;
import jakarta.validation.constraints.Max;
import jakarta.validation.constraints.NotNull;
import jakarta.validation.constraints.Size;
import org.junit.jupiter.api.Test;

import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Proxy;
import java.util.List;
import java.util.concurrent.atomic.AtomicBoolean;

import static io.threadline.graph.StateGraph.END;
import static io.threadline.graph.StateGraph.START;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * An attempt that is refused — its state invalid, another writer first — stores nothing and leaves the
 * thread as it found it: no pending effect survives it, it does not count as an attempt of its node, and no
 * attempt counter can make a later valid step invalid. A run that committed its input says so whatever
 * stops it afterwards.
 */
class RefusedAttemptsTest {

    public record Log(@NotNull List<@Size(max = 20) String> lines, @Max(3) int retries, String add) {
        public static final ListChannel<Log, String> LINES = Channel.appending("lines");
        public static final ValueChannel<Log, Integer> RETRIES = Channel.overwriting("retries");
        public static final ValueChannel<Log, String> ADD = Channel.overwriting("add");
    }

    private final InMemoryCheckpointStore store = new InMemoryCheckpointStore();
    private final ThreadKey thread = ThreadKey.of("acme", "refused");

    /** START -> a -> write -> END; `write` is SYNC (its id is a pending effect) and appends `add`. */
    private static CompiledGraph<Log> graph() {
        return StateGraph.of(Log.class)
                .node("a", (s, ctx) -> Update.of(Log.LINES.append("a")))
                .node("write", (s, ctx) -> Update.of(Log.LINES.append(s.add() + "#" + ctx.newId().substring(0, 4))),
                        NodePolicy.<Log>durability(Durability.SYNC).withRetry(RetryPolicy.<Log>attempts(3).countRetriesIn(Log.RETRIES)))
                .chain(START, "a", "write", END)
                .compile();
    }

    private ThreadRuntime<Log> runtime(CheckpointStore on) {
        return ThreadRuntime.builder(graph()).store(on).validator(LocalDemo.plainValidator()).build();
    }

    @Test
    void aRefusedStepLeavesNoPendingEffectAndNeverWedgesTheThread() {
        ThreadRuntime<Log> rt = runtime(store);
        rt.step(thread);                                                     // step 1: a; write is next
        String head = store.head(thread).orElseThrow().checkpointId().value();

        for (int i = 0; i < 6; i++) {                                        // each: write runs, its line is too long
            assertThatThrownBy(() -> rt.step(thread, Update.of(Log.ADD.set("x".repeat(30))), null))
                    .isInstanceOfSatisfying(ThreadlineException.class, e -> assertThat(e.code()).isEqualTo(ErrorCode.VALIDATION_FAILED));
            assertThat(store.pendingEffects(thread, 2).stream().map(PendingEffect::json).toList()).as("refused attempt %d left nothing pending", i + 1).isEmpty();
        }
        assertThat(store.head(thread).orElseThrow().checkpointId().value()).isEqualTo(head);

        StepResult<Log> valid = rt.step(thread, Update.of(Log.ADD.set("ok")), null);
        assertThat(valid.checkpoint().status()).isEqualTo(Status.DONE);
        assertThat(valid.state().retries()).as("refused attempts are not attempts").isZero();
        assertThat(store.get(thread, valid.checkpoint().id()).orElseThrow()
                .metadata()).doesNotContainKey("attempts.write");
    }

    @Test
    void attemptsCutShortByADyingProcessNeverPushTheRetryCountPastThePolicy() {
        ThreadRuntime<Log> rt = runtime(store);
        rt.step(thread);
        // Five processes die right at their commit: each leaves its attempt's effects pending, as it should.
        ThreadRuntime<Log> dying = runtime(dyingAtCommit(store));
        for (int i = 0; i < 5; i++) {
            assertThatThrownBy(() -> dying.step(thread, Update.of(Log.ADD.set("ok")), null)).hasMessageContaining("process died");
        }
        assertThat(store.pendingEffects(thread, 2).stream().map(PendingEffect::json).toList()).as("a crash keeps what its attempt made").hasSize(5);

        StepResult<Log> survivor = rt.step(thread, Update.of(Log.ADD.set("ok")), null);   // attempt 6 of `write`
        assertThat(survivor.checkpoint().status()).isEqualTo(Status.DONE);
        assertThat(survivor.state().retries()).as("at most the policy's retries (3 attempts)").isEqualTo(2);
        assertThat(store.pendingEffects(thread, 2).stream().map(PendingEffect::json).toList()).isEmpty();
    }

    @Test
    void aRunThatCommittedItsInputAnswersWhenAnotherWriterMovesTheThread() {
        AtomicBoolean interfere = new AtomicBoolean(true);
        ThreadRuntime<Log>[] other = new ThreadRuntime[1];
        CompiledGraph<Log> g = StateGraph.of(Log.class)
                .node("a", (s, ctx) -> Update.of(Log.LINES.append("a")))
                .node("b", (s, ctx) -> {
                    if (interfere.getAndSet(false)) {
                        other[0].step(thread);                               // another writer commits step 2 meanwhile
                    }
                    return Update.of(Log.LINES.append("b"));
                })
                .chain(START, "a", "b", END)
                .compile();
        ThreadRuntime<Log> rt = ThreadRuntime.builder(g).store(store).validator(LocalDemo.plainValidator()).build();
        other[0] = ThreadRuntime.builder(g).store(store).validator(LocalDemo.plainValidator()).build();

        RunResult<Log> run = rt.run(thread, Update.of(Log.ADD.set("mine")), RunBudget.steps(10));

        assertThat(run.stopReason()).isEqualTo(RunResult.StopReason.CONFLICT);
        assertThat(run.steps()).extracting(Checkpoint::step).containsExactly(1L);
        assertThat(run.state().add()).as("the input it committed").isEqualTo("mine");
        assertThat(run.stoppedBy().code()).isEqualTo(ErrorCode.CONFLICT);
        assertThat(store.head(thread).orElseThrow().step()).as("the other writer's step, and no step of this run after it").isEqualTo(2);
    }

    @Test
    void aRunStopsRatherThanStartANewRunOnAThreadAnotherWriterFinished() {
        ThreadRuntime<Log>[] other = new ThreadRuntime[1];
        AtomicBoolean interfere = new AtomicBoolean(true);
        CompiledGraph<Log> g = StateGraph.of(Log.class)
                .node("a", (s, ctx) -> Update.of(Log.LINES.append("a")))
                .node("b", (s, ctx) -> Update.of(Log.LINES.append("b")))
                .node("c", (s, ctx) -> {
                    if (interfere.getAndSet(false)) {
                        other[0].step(thread);                               // finishes the run: c -> END
                    }
                    return Update.none();
                })
                .chain(START, "a", "b", "c", END)
                .compile();
        ThreadRuntime<Log> rt = ThreadRuntime.builder(g).store(store).validator(LocalDemo.plainValidator()).build();
        other[0] = ThreadRuntime.builder(g).store(store).validator(LocalDemo.plainValidator()).build();

        RunResult<Log> run = rt.run(thread, Update.none(), RunBudget.steps(10));

        assertThat(run.stopReason()).isEqualTo(RunResult.StopReason.CONFLICT);
        assertThat(run.steps()).extracting(Checkpoint::step).containsExactly(1L, 2L);
        assertThat(store.head(thread).orElseThrow().step()).as("no new run from START").isEqualTo(3);
    }

    @Test
    void aRunRetriedWithItsKeyAddsItsInputOnce() {
        ThreadRuntime<Log> rt = runtime(store);
        RunResult<Log> cut = rt.run(thread, Update.of(Log.ADD.set("once")), RunBudget.steps(1), "run-1");
        assertThat(cut.stopReason()).isEqualTo(RunResult.StopReason.MAX_STEPS);
        assertThat(cut.duplicate()).isFalse();

        RunResult<Log> retried = rt.run(thread, Update.of(Log.ADD.set("twice?")), RunBudget.steps(10), "run-1");
        assertThat(retried.duplicate()).isTrue();
        assertThat(retried.steps().get(0).id().value()).isEqualTo(cut.steps().get(0).id().value());
        assertThat(retried.stopReason()).as("the retry goes on from where its step left the thread").isEqualTo(RunResult.StopReason.DONE);
        assertThat(retried.state().add()).isEqualTo("once");
        assertThat(retried.state().lines()).hasSize(2);

        RunResult<Log> again = rt.run(thread, Update.of(Log.ADD.set("thrice?")), RunBudget.steps(10), "run-1");
        assertThat(again.duplicate()).isTrue();
        assertThat(again.stopReason()).as("the thread moved on past the key's step: nothing runs").isEqualTo(RunResult.StopReason.CONFLICT);
        assertThat(store.head(thread).orElseThrow().step()).isEqualTo(2);
    }

    /** The store as a process that dies right when it commits: everything before the commit happened. */
    private static CheckpointStore dyingAtCommit(CheckpointStore store) {
        return (CheckpointStore) Proxy.newProxyInstance(CheckpointStore.class.getClassLoader(), new Class<?>[]{CheckpointStore.class},
                (proxy, method, args) -> {
                    if (method.getName().equals("commit")) {
                        throw new IllegalStateException("process died");
                    }
                    try {
                        return method.invoke(store, args);
                    } catch (InvocationTargetException e) {
                        throw e.getCause();
                    }
                });
    }
}
