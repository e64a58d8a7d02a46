package io.threadline.checkpoint.dynamodb;

import io.threadline.ErrorCode;
import io.threadline.ThreadlineException;
import io.threadline.checkpoint.Checkpoint;
import io.threadline.checkpoint.HistoryPage;
import io.threadline.checkpoint.HistoryQuery;
import io.threadline.checkpoint.ThreadKey;
import io.threadline.checkpoint.dynamodb.internal.Keys;
import io.threadline.examples.reference.AgentState;
import io.threadline.examples.reference.LocalDemo;
import io.threadline.examples.reference.Message;
import io.threadline.graph.CompiledGraph;
import io.threadline.graph.Durability;
import io.threadline.graph.NodePolicy;
import io.threadline.graph.StateGraph;
import io.threadline.runtime.StepResult;
import io.threadline.runtime.ThreadRuntime;
import io.threadline.state.Update;
import org.assertj.core.api.Assertions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import software.amazon.awssdk.services.dynamodb.model.AttributeValue;

import java.time.Clock;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.CyclicBarrier;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;

import static org.assertj.core.api.Assertions.assertThat;

/** {@link ThreadRuntime#step} racing on one thread, on the DynamoDB store and a real DynamoDB Local. */
class DynamoDbRuntimeRaceTest {

    @RegisterExtension
    static final LocalTable TABLE = LocalTable.named("runtime-race");

    private static ThreadRuntime<AgentState> runtime() {
        return LocalDemo.runtime(new DynamoDbCheckpointStore(TABLE.client(), DynamoDbStoreSettings.defaults(TABLE.name()), Clock.systemUTC()), null);
    }

    private static Update<AgentState> say(String text) {
        return Update.of(AgentState.MESSAGES.append(Message.user(text)));
    }

    /** The reference agent whose nodes first wait until all 32 callers have loaded the head: a true race. */
    private static ThreadRuntime<AgentState> racingRuntime(CyclicBarrier allLoaded) {
        CompiledGraph<AgentState> graph = StateGraph.of(AgentState.class)
                .node("process", (s, ctx) -> {
                    try {
                        allLoaded.await(60, TimeUnit.SECONDS);
                    } catch (Exception e) {
                        throw new IllegalStateException(e);
                    }
                    return Update.of(AgentState.MESSAGES.append(Message.system("step " + ctx.step())));
                })
                .chain(StateGraph.START, "process", StateGraph.END)
                .compile();
        return ThreadRuntime.builder(graph)
                .store(new DynamoDbCheckpointStore(TABLE.client(), DynamoDbStoreSettings.defaults(TABLE.name()), Clock.systemUTC()))
                .validator(LocalDemo.plainValidator())
                .build();
    }

    @Test
    void thirtyTwoConcurrentStepsCommitOncePerVersionAndTheRestGetConflict() throws Exception {
        ThreadKey thread = ThreadKey.of("race", "thirty-two");
        // Each caller is its own "container": its own runtime, its own cache.
        CyclicBarrier allLoaded = new CyclicBarrier(32);
        List<ThreadRuntime<AgentState>> callers = new ArrayList<>();
        for (int i = 0; i < 32; i++) {
            callers.add(racingRuntime(allLoaded));
        }
        racingRuntime(new CyclicBarrier(1)).step(thread, say("what is 1 + 1"), null);
        ExecutorService pool = Executors.newFixedThreadPool(32);
        try {
            for (int round = 0; round < 3; round++) {
                CountDownLatch go = new CountDownLatch(1);
                List<Future<Object>> outcomes = new ArrayList<>();
                for (ThreadRuntime<AgentState> caller : callers) {
                    outcomes.add(pool.submit(() -> {
                        go.await();
                        try {
                            return caller.step(thread, say("hello"), null);
                        } catch (ThreadlineException e) {
                            return e;
                        }
                    }));
                }
                go.countDown();
                int wins = 0;
                for (Future<Object> f : outcomes) {
                    Object o = f.get(60, TimeUnit.SECONDS);
                    if (o instanceof StepResult<?>) {
                        wins++;
                    } else {
                        assertThat(((ThreadlineException) o).code()).isEqualTo(ErrorCode.CONFLICT);
                    }
                }
                assertThat(wins).as("round %d", round).isEqualTo(1);
            }
        } finally {
            pool.shutdownNow();
        }
        List<Long> steps = new ArrayList<>();
        HistoryPage page = runtime().history(thread, HistoryQuery.first(100));
        for (Checkpoint cp : page.checkpoints()) {
            steps.add(cp.step());
        }
        assertThat(steps).containsExactly(4L, 3L, 2L, 1L);
        for (int i = 0; i + 1 < page.checkpoints().size(); i++) {
            assertThat(page.checkpoints().get(i).parent()).isEqualTo(page.checkpoints().get(i + 1).id());
        }
    }

    @Test
    void tenRetriesOfOneKeyCommitOnceAndAnswerTheSame() throws Exception {
        ThreadKey thread = ThreadKey.of("race", "ten-retries");
        ExecutorService pool = Executors.newFixedThreadPool(10);
        try {
            CountDownLatch go = new CountDownLatch(1);
            List<Future<StepResult<AgentState>>> answers = new ArrayList<>();
            for (int i = 0; i < 10; i++) {
                ThreadRuntime<AgentState> caller = runtime();
                answers.add(pool.submit(() -> {
                    go.await();
                    while (true) {
                        try {
                            return caller.step(thread, say("what is 6 * 7"), "turn-1");
                        } catch (ThreadlineException e) {
                            // A first commit racing on a new thread: the loser retries, as a client would.
                            assertThat(e.code()).isEqualTo(ErrorCode.CONFLICT);
                        }
                    }
                }));
            }
            go.countDown();
            List<StepResult<AgentState>> results = new ArrayList<>();
            for (Future<StepResult<AgentState>> f : answers) {
                results.add(f.get(60, TimeUnit.SECONDS));
            }
            assertThat(results).extracting(StepResult::checkpoint).containsOnly(results.get(0).checkpoint());
            assertThat(results).extracting(StepResult::state).containsOnly(results.get(0).state());
            assertThat(results).filteredOn(r -> !r.duplicate()).hasSize(1);
            assertThat(runtime().history(thread, HistoryQuery.first(10)).checkpoints()).hasSize(1);
        } finally {
            pool.shutdownNow();
        }
    }

    /**
     * The race that left pending effects behind: a step loads the head, another writer commits that step and
     * clears its pending effects, and only then does the first make its own (SYNC: stored at once) — and
     * meets the other's commit. What it stored is taken back.
     */
    @Test
    void aStepThatLosesTheRaceAfterMakingItsEffectsLeavesNoPendingEffectBehind() {
        ThreadKey thread = ThreadKey.of("race", "sync-" + UUID.randomUUID());
        AtomicBoolean interfere = new AtomicBoolean(false);
        ThreadRuntime<AgentState>[] other = new ThreadRuntime[1];
        CompiledGraph<AgentState> graph = StateGraph.of(AgentState.class)
                .node("process", (s, ctx) -> {
                    if (interfere.getAndSet(false)) {
                        other[0].step(thread, say("the other writer"), null);
                    }
                    String id = ctx.newId();   // an effect: pending as soon as it is made
                    return Update.of(AgentState.MESSAGES.append(Message.system("step " + ctx.step() + " " + id)));
                }, NodePolicy.durability(Durability.SYNC))
                .chain(StateGraph.START, "process", StateGraph.END)
                .compile();
        ThreadRuntime<AgentState> loser = syncRuntime(graph);
        other[0] = syncRuntime(graph);
        loser.step(thread, say("first"), null);

        interfere.set(true);
        Assertions.assertThatThrownBy(() -> loser.step(thread, say("second"), null))
                .isInstanceOfSatisfying(ThreadlineException.class, e -> assertThat(e.code()).isEqualTo(ErrorCode.CONFLICT));

        assertThat(pendingKeys(thread)).isEmpty();
        assertThat(runtime().history(thread, HistoryQuery.first(10)).checkpoints()).hasSize(2);
    }

    private static ThreadRuntime<AgentState> syncRuntime(CompiledGraph<AgentState> graph) {
        return ThreadRuntime.builder(graph)
                .store(new DynamoDbCheckpointStore(TABLE.client(), DynamoDbStoreSettings.defaults(TABLE.name()), Clock.systemUTC()))
                .validator(LocalDemo.plainValidator())
                .build();
    }

    /** The thread's PENDING# items, read straight from the table. */
    static List<String> pendingKeys(ThreadKey thread) {
        List<String> pending = new ArrayList<>();
        TABLE.client().queryPaginator(b -> b.tableName(TABLE.name()).keyConditionExpression("#pk = :pk AND begins_with(#sk, :p)")
                .expressionAttributeNames(Map.of("#pk", Keys.PK,
                        "#sk", Keys.SK))
                .expressionAttributeValues(Map.of(
                        ":pk", AttributeValue.fromS(
                                Keys.partition(thread)),
                        ":p", AttributeValue.fromS(
                                Keys.PENDING_PREFIX))))
                .items().forEach(item -> pending.add(item.get(Keys.SK).s()));
        return pending;
    }
}
