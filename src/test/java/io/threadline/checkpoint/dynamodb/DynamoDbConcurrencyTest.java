package io.threadline.checkpoint.dynamodb;

import io.threadline.ErrorCode;
import io.threadline.ThreadlineException;
import io.threadline.checkpoint.Checkpoint;
import io.threadline.checkpoint.CheckpointChain;
import io.threadline.checkpoint.Commit;
import io.threadline.checkpoint.CommitResult;
import io.threadline.checkpoint.HistoryPage;
import io.threadline.checkpoint.HistoryQuery;
import io.threadline.checkpoint.Materializer;
import io.threadline.checkpoint.ThreadHead;
import io.threadline.checkpoint.ThreadKey;
import io.threadline.checkpoint.dynamodb.internal.Keys;
import io.threadline.state.StateCodec;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import java.time.Clock;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;

/** Real threads racing on one thread's HEAD through real HTTP to DynamoDB Local. */
class DynamoDbConcurrencyTest {

    private static final int WRITERS = 32;
    private static final int ROUNDS = 6;

    @RegisterExtension
    static final LocalTable TABLE = LocalTable.named("races");
    private static DynamoDbCheckpointStore store;

    private final ExecutorService pool = Executors.newFixedThreadPool(WRITERS);

    @BeforeAll
    static void createTable() {
        store = new DynamoDbCheckpointStore(TABLE.client(), DynamoDbStoreSettings.defaults(TABLE.name()), Clock.systemUTC());
    }

    @AfterEach
    void stopPool() {
        pool.shutdownNow();
    }

    /** Starts every task, lets them all prepare, then opens the gate at once; returns their outcomes. */
    private <T> List<T> race(List<Callable<T>> prepared, CountDownLatch ready, CountDownLatch gate) throws Exception {
        List<Future<T>> futures = new ArrayList<>();
        for (Callable<T> task : prepared) {
            futures.add(pool.submit(task));
        }
        assertThat(ready.await(30, TimeUnit.SECONDS)).isTrue();
        gate.countDown();
        List<T> out = new ArrayList<>();
        for (Future<T> f : futures) {
            out.add(f.get(60, TimeUnit.SECONDS));
        }
        return out;
    }

    @Test
    void everyRoundOfThirtyTwoWritersHasExactlyOneWinnerAndHistoryStaysGapFree() throws Exception {
        ThreadKey thread = ThreadKey.of("races", "th-" + UUID.randomUUID());
        Instant start = Instant.now();
        Checkpoint first = new Steps(start).first(thread);
        store.commit(new Commit(first, 0));
        List<Checkpoint> winners = new ArrayList<>(List.of(first));

        for (int round = 1; round <= ROUNDS; round++) {
            CountDownLatch ready = new CountDownLatch(WRITERS);
            CountDownLatch gate = new CountDownLatch(1);
            List<Callable<Object>> writers = new ArrayList<>();
            for (int w = 0; w < WRITERS; w++) {
                Steps steps = new Steps(start.plusSeconds(round), round * 1000L + w);
                boolean snapshot = w % 3 == 0;
                writers.add(() -> {
                    // Each writer recomputes from the head it reads, as an invocation does.
                    CheckpointChain latest = store.loadLatest(thread).orElseThrow();
                    Checkpoint next = steps.next(latest.target(), snapshot);
                    ready.countDown();
                    gate.await();
                    try {
                        return store.commit(new Commit(next, latest.target().step())).checkpoint();
                    } catch (ThreadlineException e) {
                        return e;
                    }
                });
            }
            List<Object> outcomes = race(writers, ready, gate);
            List<Checkpoint> won = outcomes.stream().filter(Checkpoint.class::isInstance).map(Checkpoint.class::cast).toList();
            List<ThreadlineException> lost = outcomes.stream().filter(ThreadlineException.class::isInstance)
                    .map(ThreadlineException.class::cast).toList();
            assertThat(won).as("round %d winners", round).hasSize(1);
            assertThat(lost).hasSize(WRITERS - 1).allSatisfy(e -> assertThat(e.code()).isEqualTo(ErrorCode.CONFLICT));
            winners.add(won.get(0));
        }

        Checkpoint newest = winners.get(winners.size() - 1);
        assertThat(store.head(thread)).contains(new ThreadHead(newest.id(), ROUNDS + 1));
        HistoryPage history = store.history(thread, HistoryQuery.first(50));
        assertThat(history.nextCursor()).isNull();
        List<Checkpoint> newestFirst = new ArrayList<>(winners);
        Collections.reverse(newestFirst);
        assertThat(history.checkpoints()).containsExactlyElementsOf(newestFirst);
        List<Long> steps = history.checkpoints().stream().map(Checkpoint::step).toList();
        assertThat(new HashSet<>(steps)).hasSize(steps.size());
        assertThat(steps).containsExactly(7L, 6L, 5L, 4L, 3L, 2L, 1L);
        // Only the winners' items exist: no stray checkpoint of a loser was left behind.
        assertThat(LocalTables.sortKeys(LocalTables.items(TABLE.client(), TABLE.name(), thread)).stream().filter(Keys::isCheckpoint))
                .hasSize(ROUNDS + 1);
        var state = Materializer.stateTree(store.loadLatest(thread).orElseThrow(), new StateCodec());
        assertThat(state.get("n")).hasSize(ROUNDS + 1);
    }

    @Test
    void theSameKeyedCommitTenTimesAtOnceWritesOnceAndAnswersAllTheSame() throws Exception {
        ThreadKey thread = ThreadKey.of("races", "th-" + UUID.randomUUID());
        Steps steps = new Steps(Instant.now());
        Checkpoint first = steps.first(thread);
        store.commit(new Commit(first, 0));
        Commit keyed = new Commit(steps.next(first, false, "req-" + UUID.randomUUID()), 1);

        CountDownLatch ready = new CountDownLatch(10);
        CountDownLatch gate = new CountDownLatch(1);
        List<Callable<CommitResult>> senders = new ArrayList<>();
        for (int i = 0; i < 10; i++) {
            senders.add(() -> {
                ready.countDown();
                gate.await();
                return store.commit(keyed);
            });
        }
        List<CommitResult> results = race(senders, ready, gate);
        assertThat(results).extracting(CommitResult::checkpoint).containsOnly(keyed.checkpoint());
        assertThat(results).filteredOn(CommitResult::duplicate).hasSize(9);
        assertThat(store.head(thread)).contains(new ThreadHead(keyed.checkpoint().id(), 2));
        List<String> keys = LocalTables.sortKeys(LocalTables.items(TABLE.client(), TABLE.name(), thread));
        assertThat(keys.stream().filter(Keys::isCheckpoint)).hasSize(2);
        assertThat(keys.stream().filter(Keys::isIdempotency)).hasSize(1);
    }

    @Test
    void differentRetriesWithOneKeyAllGetTheFirstWritersCheckpoint() throws Exception {
        ThreadKey thread = ThreadKey.of("races", "th-" + UUID.randomUUID());
        Checkpoint first = new Steps(Instant.now()).first(thread);
        store.commit(new Commit(first, 0));
        String key = "req-" + UUID.randomUUID();

        CountDownLatch ready = new CountDownLatch(10);
        CountDownLatch gate = new CountDownLatch(1);
        List<Callable<CommitResult>> senders = new ArrayList<>();
        for (int i = 0; i < 10; i++) {
            // Each retry computed its own checkpoint (own id) for the same request.
            Checkpoint attempt = new Steps(Instant.now(), 100 + i).next(first, false, key);
            senders.add(() -> {
                ready.countDown();
                gate.await();
                return store.commit(new Commit(attempt, 1));
            });
        }
        List<CommitResult> results = race(senders, ready, gate);
        Set<Checkpoint> answered = new HashSet<>();
        results.forEach(r -> answered.add(r.checkpoint()));
        assertThat(answered).hasSize(1);
        Checkpoint winner = answered.iterator().next();
        assertThat(results).filteredOn(r -> !r.duplicate()).hasSize(1);
        assertThat(store.head(thread)).contains(new ThreadHead(winner.id(), 2));
    }
}
