package io.threadline.api;

import io.threadline.ErrorCode;
import io.threadline.ThreadlineException;
import io.threadline.checkpoint.Checkpoint;
import io.threadline.checkpoint.CheckpointId;
import io.threadline.checkpoint.Commit;
import io.threadline.checkpoint.StateChange;
import io.threadline.checkpoint.ThreadKey;
import io.threadline.checkpoint.ThreadQuery;
import io.threadline.checkpoint.ThreadSummary;
import io.threadline.checkpoint.ThreadTags;
import io.threadline.checkpoint.dynamodb.DynamoDbCheckpointStore;
import io.threadline.checkpoint.dynamodb.DynamoDbStoreSettings;
import io.threadline.checkpoint.dynamodb.LocalTable;
import io.threadline.checkpoint.dynamodb.ThreadIndexSettings;
import io.threadline.memory.Embeddings;
import io.threadline.memory.InMemoryMemoryStore;
import io.threadline.memory.MemorySettings;
import io.threadline.memory.MemoryStore;
import io.threadline.memory.WordEmbeddingModel;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import software.amazon.awssdk.core.exception.SdkClientException;
import software.amazon.awssdk.core.interceptor.Context;
import software.amazon.awssdk.core.interceptor.ExecutionAttributes;
import software.amazon.awssdk.core.interceptor.ExecutionInterceptor;
import software.amazon.awssdk.services.dynamodb.model.AttributeValue;
import software.amazon.awssdk.services.dynamodb.model.QueryRequest;
import software.amazon.awssdk.services.dynamodb.model.QueryResponse;

import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * An erasure on DynamoDB Local killed inside one thread's delete, after its tombstone closed the thread and before any
 * of its items went: the thread is no longer listed, yet a second {@code erase} finds it (the tombstone keeps its
 * place in the thread index) and finishes it, and the second report counts what that call removed — the cut thread's
 * checkpoints included.
 */
class SubjectErasureDynamoDbTest {

    private static final byte[] KEY = "a report key of thirty-two bytes!".getBytes(StandardCharsets.UTF_8);
    private static final int CHECKPOINTS = 3;

    /** Fails the base table's Queries from the {@code n}th on (the delete's sweeps; listings query the index). */
    private static final class CutSweeps implements ExecutionInterceptor {
        final AtomicInteger failFrom = new AtomicInteger(Integer.MAX_VALUE);
        final AtomicInteger seen = new AtomicInteger();

        @Override
        public void beforeExecution(Context.BeforeExecution context, ExecutionAttributes attributes) {
            if (context.request() instanceof QueryRequest q && q.indexName() == null && sweep(q) && seen.incrementAndGet() >= failFrom.get()) {
                throw SdkClientException.create("injected: the process died inside a delete");
            }
        }
    }

    /** A delete's sweep of a thread's partition ({@code T#…}), not the Query of a tenant's deletes under way. */
    private static boolean sweep(QueryRequest q) {
        return q.expressionAttributeValues().values().stream().anyMatch(v -> v.s() != null && v.s().startsWith("T#"));
    }

    /** Counts the requests by operation, and the items the Queries read (DynamoDB reads before it filters). */
    private static final class Reads implements ExecutionInterceptor {
        final Map<String, Integer> calls = new ConcurrentHashMap<>();
        final AtomicInteger queried = new AtomicInteger();

        @Override
        public void afterExecution(Context.AfterExecution context, ExecutionAttributes attributes) {
            calls.merge(context.request().getClass().getSimpleName().replace("Request", ""), 1, Integer::sum);
            if (context.response() instanceof QueryResponse r) {
                queried.addAndGet(r.scannedCount());
            }
        }

        void reset() {
            calls.clear();
            queried.set(0);
        }
    }

    private static final Reads READS = new Reads();
    private static final CutSweeps CUT = new CutSweeps();

    @RegisterExtension
    static final LocalTable TABLE = LocalTable.named("erase-cut").intercepting(CUT, READS);

    private final Random random = new Random(11);
    private final MemoryStore memory = new InMemoryMemoryStore(new Embeddings(new WordEmbeddingModel()), MemorySettings.DEFAULT);

    private DynamoDbCheckpointStore store() {
        return new DynamoDbCheckpointStore(TABLE.client(), DynamoDbStoreSettings.defaults(TABLE.name()), new ThreadIndexSettings(4, Duration.ofMinutes(1), 100),
                Clock.systemUTC());
    }

    private void thread(DynamoDbCheckpointStore store, String tenant, String id, Map<String, String> tags) {
        Instant at = Instant.now();
        ThreadKey key = ThreadKey.of(tenant, id);
        CheckpointId parent = null;
        for (int step = 1; step <= CHECKPOINTS; step++) {
            Checkpoint cp = Checkpoint.draft(CheckpointId.next(at.plusMillis(step), random::nextLong, parent), key, step, parent)
                    .state(1, new StateChange.Snapshot(("{\"n\":" + step + "}").getBytes(StandardCharsets.UTF_8)), at.plusMillis(step))
                    .metadata(Map.of("agent", "echo")).step(List.of("a"), List.of(), step == CHECKPOINTS ? List.of() : List.of("a"));
            store.commit(new Commit(cp, step - 1).withTags(step == 1 ? ThreadTags.of(tags) : ThreadTags.none()));
            parent = cp.id();
        }
    }

    private SubjectErasure erasure(DynamoDbCheckpointStore store) {
        return new SubjectErasure(store, memory, SubjectErasure.storeDeleter(store, memory), Clock.systemUTC(), new SubjectErasure.Settings(KEY, 2, 100));
    }

    private static List<String> listed(DynamoDbCheckpointStore store, String tenant, Map<String, String> tags) {
        return store.threads(tenant, new ThreadQuery(100, null, null, Set.of(), null, null, tags)).threads().stream()
                .map(ThreadSummary::threadId).sorted().toList();
    }

    @Test
    void anErasureKilledAfterAThreadsTombstoneIsCompletedByTheNextWithTheRightCounts() {
        DynamoDbCheckpointStore store = store();
        String tenant = "t-" + UUID.randomUUID().toString().substring(0, 8);
        for (int i = 0; i < 4; i++) {
            thread(store, tenant, "u42-" + i, Map.of("user", "42"));
        }
        thread(store, tenant, "u43", Map.of("user", "43"));

        // The first thread's delete sweeps twice (one Query each); the second's first sweep dies.
        CUT.seen.set(0);
        CUT.failFrom.set(3);
        assertThatThrownBy(() -> erasure(store).erase(tenant, Map.of("user", "42"))).isInstanceOfSatisfying(ThreadlineException.class,
                e -> assertThat(e.code()).isEqualTo(ErrorCode.DEPENDENCY_UNAVAILABLE));
        CUT.failFrom.set(Integer.MAX_VALUE);

        List<String> left = listed(store, tenant, Map.of("user", "42"));
        assertThat(left).as("one deleted, one closed (unlisted), two untouched").hasSize(2);
        List<ThreadSummary> closed = store.unfinishedDeletes(tenant, Map.of("user", "42"), 10);
        assertThat(closed).hasSize(1);
        ThreadSummary cut = closed.get(0);
        assertThat(cut.status()).isEqualTo("DELETING");
        assertThat(cut.agent()).isEqualTo("echo");
        assertThat(cut.tags().values()).containsEntry("user", "42");
        assertThat(left).doesNotContain(cut.threadId());
        assertThat(store.head(ThreadKey.of(tenant, cut.threadId()))).as("closed: unreadable").isEmpty();
        assertThat(store.unfinishedDeletes(tenant, Map.of("user", "43"), 10)).as("another subject's tag").isEmpty();
        assertThat(store.unfinishedDeletes("other-tenant", Map.of("user", "42"), 10)).as("another tenant").isEmpty();

        SubjectErasure.Report again = erasure(store).erase(tenant, Map.of("user", "42"));

        assertThat(again.complete()).isTrue();
        assertThat(again.threadIds()).hasSize(3).contains(cut.threadId()).containsAll(left);
        // The cut thread's items were all still there (its sweep never ran): 3 threads of 3 checkpoints each.
        assertThat(again.removed()).containsEntry("threads", 3L).containsEntry("heads", 3L).containsEntry("checkpoints", 3L * CHECKPOINTS);
        assertThat(listed(store, tenant, Map.of("user", "42"))).isEmpty();
        assertThat(store.unfinishedDeletes(tenant, Map.of("user", "42"), 10)).isEmpty();
        assertThat(listed(store, tenant, Map.of())).containsExactly("u43");
        assertThat(store.head(ThreadKey.of(tenant, "u43"))).isPresent();

        SubjectErasure.Report nothingLeft = erasure(store).erase(tenant, Map.of("user", "42"));
        assertThat(nothingLeft.complete()).isTrue();
        assertThat(nothingLeft.threadIds()).isEmpty();
    }

    @Test
    void unfinishedDeletesReadTheTenantsCutDeletesNotItsThreads() {
        DynamoDbCheckpointStore store = store();
        String tenant = "t-" + UUID.randomUUID().toString().substring(0, 8);
        int threads = 40;
        for (int i = 0; i < threads; i++) {
            thread(store, tenant, "n-" + i, Map.of("user", i % 2 == 0 ? "42" : "43"));
        }
        READS.reset();
        assertThat(store.unfinishedDeletes(tenant, Map.of("user", "42"), 10)).isEmpty();
        assertThat(READS.calls).as("one request").isEqualTo(Map.of("Query", 1));
        assertThat(READS.queried.get()).as("items read with no delete under way").isZero();

        // A delete cut after its tombstone (its first sweep dies).
        CUT.seen.set(0);
        CUT.failFrom.set(1);
        assertThatThrownBy(() -> store.delete(ThreadKey.of(tenant, "n-0"))).isInstanceOfSatisfying(ThreadlineException.class,
                e -> assertThat(e.code()).isEqualTo(ErrorCode.DEPENDENCY_UNAVAILABLE));
        CUT.failFrom.set(Integer.MAX_VALUE);

        READS.reset();
        List<ThreadSummary> cut = store.unfinishedDeletes(tenant, Map.of("user", "42"), 10);
        assertThat(cut).extracting(ThreadSummary::threadId).containsExactly("n-0");
        assertThat(cut.get(0).agent()).isEqualTo("echo");
        assertThat(cut.get(0).status()).isEqualTo("DELETING");
        assertThat(READS.calls).as("one Query, nothing to confirm it").isEqualTo(Map.of("Query", 1));
        assertThat(READS.queried.get()).as("items read in a tenant of " + threads + " threads: the one marker").isEqualTo(1);
        READS.reset();
        assertThat(store.unfinishedDeletes(tenant, Map.of("user", "43"), 10)).as("another subject's tag").isEmpty();
        assertThat(READS.queried.get()).isEqualTo(1);
        assertThat(store.unfinishedDeletes("other-" + tenant, Map.of("user", "42"), 10)).as("another tenant").isEmpty();

        // Finished, the delete takes its marker with its tombstone.
        assertThat(store.delete(ThreadKey.of(tenant, "n-0")).checkpoints()).isEqualTo(CHECKPOINTS);
        READS.reset();
        assertThat(store.unfinishedDeletes(tenant, Map.of("user", "42"), 10)).isEmpty();
        assertThat(READS.queried.get()).isZero();
        assertThat(TABLE.client().query(b -> b.tableName(TABLE.name()).consistentRead(true).keyConditionExpression("pk = :p")
                .expressionAttributeValues(Map.of(":p", AttributeValue.fromS("DEL#" + tenant)))).count()).as("markers left").isZero();
    }

    /**
     * A delete cut by a release before the markers left a tombstone with no {@code DEL#<tenant>} marker: the marker read
     * alone misses it, and with {@code threadline.erase.legacy-tombstone-scan} on, erase reads the thread index the old
     * way and finishes it. (The request-count test above reads with the key off.)
     */
    @Test
    void withTheLegacyScanOnEraseFinishesATombstoneAnEarlierReleaseLeftWithoutAMarker() {
        DynamoDbCheckpointStore store = store();
        String tenant = "t-" + UUID.randomUUID().toString().substring(0, 8);
        for (int i = 0; i < 4; i++) {
            thread(store, tenant, "o-" + i, Map.of("user", i % 2 == 0 ? "42" : "43"));
        }
        CUT.seen.set(0);
        CUT.failFrom.set(1);
        assertThatThrownBy(() -> store.delete(ThreadKey.of(tenant, "o-0"))).isInstanceOfSatisfying(ThreadlineException.class,
                e -> assertThat(e.code()).isEqualTo(ErrorCode.DEPENDENCY_UNAVAILABLE));
        CUT.failFrom.set(Integer.MAX_VALUE);
        // What an earlier release's cut delete left: the tombstone in the index, no marker.
        TABLE.client().deleteItem(b -> b.tableName(TABLE.name()).key(Map.of("pk", AttributeValue.fromS("DEL#" + tenant), "sk", AttributeValue.fromS("o-0"))));

        assertThat(store.unfinishedDeletes(tenant, Map.of("user", "42"), 10)).as("the marker read alone").isEmpty();
        assertThat(store.unfinishedDeletes(tenant, Map.of("user", "42"), 10, true)).extracting(ThreadSummary::threadId).containsExactly("o-0");
        assertThat(store.unfinishedDeletes(tenant, Map.of("user", "43"), 10, true)).as("another subject's tag").isEmpty();
        assertThat(erasure(store).erase(tenant, Map.of("user", "42")).threadIds()).as("key off: missed").containsExactly("o-2");

        SubjectErasure.Report report = new SubjectErasure(store, memory, SubjectErasure.storeDeleter(store, memory), Clock.systemUTC(),
                new SubjectErasure.Settings(KEY, 2, 100, true)).erase(tenant, Map.of("user", "42"));
        assertThat(report.threadIds()).containsExactly("o-0");
        assertThat(report.removed()).containsEntry("checkpoints", (long) CHECKPOINTS);
        assertThat(store.unfinishedDeletes(tenant, Map.of("user", "42"), 10, true)).isEmpty();
        assertThat(TABLE.client().query(b -> b.tableName(TABLE.name()).consistentRead(true).keyConditionExpression("pk = :p")
                .expressionAttributeValues(Map.of(":p", AttributeValue.fromS("T#" + tenant + "#o-0")))).count()).as("items of o-0 left").isZero();
    }
}
