package io.threadline.runtime;

import dev.langchain4j.agent.tool.P;
import dev.langchain4j.agent.tool.Tool;
import dev.langchain4j.agent.tool.ToolExecutionRequest;
import io.threadline.ErrorCode;
import io.threadline.ThreadlineException;
import io.threadline.checkpoint.Checkpoint;
import io.threadline.checkpoint.CheckpointStore;
import io.threadline.checkpoint.HistoryQuery;
import io.threadline.checkpoint.InMemoryCheckpointStore;
import io.threadline.checkpoint.ThreadKey;
import io.threadline.checkpoint.dynamodb.MutableClock;
import io.threadline.effects.ToolBox;
import io.threadline.graph.CompiledGraph;
import io.threadline.graph.StateGraph;
import io.threadline.state.Channel;
import io.threadline.state.ListChannel;
import io.threadline.state.Update;
import org.junit.jupiter.api.Test;

import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Proxy;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;

import static io.threadline.graph.StateGraph.END;
import static io.threadline.graph.StateGraph.START;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * A warm step on a cached head asks the store whether it is still the head only before its first call outside the
 * step (a tool, a model); a step without one is left to its conditional commit. Each "container" below is a runtime
 * of its own with its own cache, over one store.
 */
class LazyHeadCheckTest {

    public record Log(List<String> lines) {
        public static final ListChannel<Log, String> LINES = Channel.appending("lines");
    }

    public static final class Counter {
        final AtomicInteger calls = new AtomicInteger();

        @Tool("Counts")
        public String count(@P(name = "by", value = "how much") int by) {
            return "counted " + calls.addAndGet(by);
        }
    }

    private final InMemoryCheckpointStore store = new InMemoryCheckpointStore();
    private final ThreadKey thread = ThreadKey.of("acme", "lazy");
    private final Map<String, Integer> calls = new TreeMap<>();
    /** One clock for every container, moved on by the test: an id's time says which step came first. */
    private final MutableClock clock = new MutableClock(Instant.parse("2026-12-06T12:00:00Z"));

    /** The store, counting each call by name. */
    private CheckpointStore counted() {
        return (CheckpointStore) Proxy.newProxyInstance(getClass().getClassLoader(), new Class<?>[]{CheckpointStore.class},
                (proxy, method, args) -> {
                    calls.merge(method.getName(), 1, Integer::sum);
                    try {
                        return method.invoke(store, args);
                    } catch (InvocationTargetException e) {
                        throw e.getCause();
                    }
                });
    }

    private ThreadRuntime<Log> container(CheckpointStore on, CompiledGraph<Log> graph, Counter counter) {
        return ThreadRuntime.builder(graph).store(on).tools(ToolBox.of(counter))
                .options(RuntimeOptions.defaults().withClock(clock)).build();
    }

    private static CompiledGraph<Log> pure() {
        return StateGraph.of(Log.class)
                .node("note", (s, ctx) -> Update.of(Log.LINES.append("step " + ctx.step())))
                .chain(START, "note", END)
                .compile();
    }

    private static CompiledGraph<Log> counting() {
        return StateGraph.of(Log.class)
                .node("count", (s, ctx) -> Update.of(Log.LINES.append(ctx.executeTool(ToolExecutionRequest.builder()
                        .id("c" + ctx.step()).name("count").arguments("{\"by\":1}").build()))))
                .chain(START, "count", END)
                .compile();
    }

    private void later() {
        clock.advance(Duration.ofSeconds(1));
    }

    private List<Long> steps() {
        return store.history(thread, HistoryQuery.first(10)).checkpoints().stream().map(Checkpoint::step).toList();
    }

    @Test
    void aWarmStepWithoutOutsideCallsIsOneCommit() {
        ThreadRuntime<Log> a = container(counted(), pure(), new Counter());
        a.step(thread, Update.none(), null);
        calls.clear();
        later();
        a.step(thread, Update.none(), null);
        assertThat(calls).isEqualTo(Map.of("commit", 1));
    }

    @Test
    void aWarmStepChecksTheHeadOnceBeforeItsFirstOutsideCall() {
        Counter counter = new Counter();
        ThreadRuntime<Log> a = container(counted(), counting(), counter);
        a.step(thread, Update.none(), null);
        calls.clear();
        later();
        a.step(thread, Update.none(), null);
        assertThat(calls).isEqualTo(Map.of("head", 1, "commit", 1));
        assertThat(counter.calls).hasValue(2);
    }

    @Test
    void aStaleCacheIsFoundByTheCommitAndAStepWithoutOutsideCallsRunsAgainOnTheStoredHead() {
        ThreadRuntime<Log> a = container(counted(), pure(), new Counter());
        ThreadRuntime<Log> b = container(store, pure(), new Counter());
        a.step(thread, Update.none(), null);                 // step 1 (a)
        later();
        b.step(thread, Update.none(), null);                 // step 2 (b): a's cache is stale
        later();
        calls.clear();
        StepResult<Log> result = a.step(thread, Update.none(), null);
        assertThat(result.checkpoint().step()).isEqualTo(3);
        assertThat(calls).isEqualTo(Map.of("commit", 2, "loadLatest", 1));
        assertThat(result.state().lines()).containsExactly("step 1", "step 2", "step 3");
        assertThat(steps()).containsExactly(3L, 2L, 1L);
    }

    @Test
    void aStaleCacheIsFoundBeforeAToolCallSoTheToolRunsOnceOnTheStoredHead() {
        Counter counter = new Counter();
        ThreadRuntime<Log> a = container(counted(), counting(), counter);
        ThreadRuntime<Log> b = container(store, counting(), counter);
        a.step(thread, Update.none(), null);
        later();
        b.step(thread, Update.none(), null);
        later();
        calls.clear();
        StepResult<Log> result = a.step(thread, Update.none(), null);
        assertThat(result.checkpoint().step()).isEqualTo(3);
        assertThat(counter.calls).hasValue(3);
        assertThat(calls).isEqualTo(Map.of("head", 1, "loadLatest", 1, "commit", 1));
        assertThat(result.state().lines()).containsExactly("counted 1", "counted 2", "counted 3");
    }

    @Test
    void aStepThatLosesARaceWhileItRunsIsAConflictAsBefore() {
        AtomicBoolean interfere = new AtomicBoolean();
        ThreadRuntime<Log>[] other = new ThreadRuntime[1];
        CompiledGraph<Log> graph = StateGraph.of(Log.class)
                .node("note", (s, ctx) -> {
                    if (interfere.getAndSet(false)) {
                        other[0].step(thread, Update.none(), null); // another container commits this step meanwhile
                    }
                    return Update.of(Log.LINES.append("step " + ctx.step()));
                })
                .chain(START, "note", END)
                .compile();
        ThreadRuntime<Log> a = container(store, graph, new Counter());
        other[0] = container(store, graph, new Counter());
        a.step(thread, Update.none(), null);                 // a's cache is current when its next step begins
        later();
        interfere.set(true);
        assertThatThrownBy(() -> a.step(thread, Update.none(), null))
                .isInstanceOfSatisfying(ThreadlineException.class, e -> assertThat(e.code()).isEqualTo(ErrorCode.CONFLICT));
        assertThat(steps()).containsExactly(2L, 1L);
    }
}
