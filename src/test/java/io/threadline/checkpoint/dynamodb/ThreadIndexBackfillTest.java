package io.threadline.checkpoint.dynamodb;

import com.fasterxml.jackson.databind.node.TextNode;
import io.threadline.ErrorCode;
import io.threadline.ThreadlineException;
import io.threadline.checkpoint.Checkpoint;
import io.threadline.checkpoint.CheckpointId;
import io.threadline.checkpoint.Commit;
import io.threadline.checkpoint.InterruptPayload;
import io.threadline.checkpoint.StateChange;
import io.threadline.checkpoint.ThreadKey;
import io.threadline.checkpoint.ThreadPage;
import io.threadline.checkpoint.ThreadQuery;
import io.threadline.checkpoint.ThreadSummary;
import io.threadline.checkpoint.dynamodb.internal.Keys;
import io.threadline.checkpoint.dynamodb.internal.ThreadIndex;
import io.threadline.config.ThreadIndexBackfillCommand;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import software.amazon.awssdk.services.dynamodb.DynamoDbClient;
import software.amazon.awssdk.services.dynamodb.model.AttributeValue;

import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Base64;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.concurrent.atomic.AtomicBoolean;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * The thread index backfill on DynamoDB Local: threads written through the store, then some heads stripped of the index
 * attributes (the layout before {@code threadsByActivity}); the listing misses them until the backfill runs, after which
 * each stripped head is exactly what its commit wrote, the listing is complete and in order, and a second run changes
 * nothing. A head a commit changes between scan and update keeps the commit's keys; a run cut short continues from its
 * cursor; bad arguments are INVALID_INPUT.
 */
class ThreadIndexBackfillTest {

    private static final int THREADS = 40;
    private static final ThreadIndexSettings INDEX = new ThreadIndexSettings(4, Duration.ofMinutes(1), 100);
    private static final Instant BASE = Instant.parse("2026-10-01T00:00:00Z");

    private DynamoDbClient client;
    private String table;
    private DynamoDbCheckpointStore store;
    private final List<Checkpoint> firsts = new ArrayList<>();
    /** The stripped heads as the commit wrote them. */
    private final Map<String, Map<String, AttributeValue>> stripped = new HashMap<>();

    @BeforeEach
    void seed() {
        client = LocalTables.client();
        table = LocalTables.newTable(client, "backfill");
        store = new DynamoDbCheckpointStore(client, DynamoDbStoreSettings.defaults(table), INDEX, Clock.systemUTC());
        for (int k = 0; k < THREADS; k++) {
            Checkpoint cp = first(ThreadKey.of("acme", String.format("t-%03d", k)), BASE.plusSeconds(k * 37L), k, 1, null);
            store.commit(new Commit(cp, 0));
            firsts.add(cp);
            if (k % 3 == 0) {
                stripped.put(cp.thread().threadId(), head(cp.thread()));
                client.updateItem(b -> b.tableName(table).key(key(cp.thread()))
                        .updateExpression("REMOVE #tix, #tis, #st, #ag, #wf")
                        .expressionAttributeNames(Map.of("#tix", ThreadIndex.PARTITION, "#tis", ThreadIndex.SORT,
                                "#st", ThreadIndex.STATUS, "#ag", ThreadIndex.AGENT, "#wf", ThreadIndex.WAITING)));
            }
        }
    }

    @AfterEach
    void drop() {
        LocalTables.drop(client, table);
        client.close();
    }

    private static Checkpoint first(ThreadKey thread, Instant at, int k, long step, CheckpointId parent) {
        Checkpoint.Draft draft = Checkpoint.draft(CheckpointId.next(at, new SplittableRandom(k * 7L + step)::nextLong, null), thread, step, parent)
                .state((int) step, new StateChange.Snapshot("{\"n\":[1]}".getBytes(StandardCharsets.UTF_8)), at)
                .metadata(Map.of("agent", k % 2 == 0 ? "alpha" : "beta"));
        if (k % 4 == 3) {
            return draft.interruptedStep(List.of("ask"), List.of("ask"), InterruptPayload.of("ask", "inside", TextNode.valueOf("why?")));
        }
        return draft.step(List.of("a"), List.of(), List.of());
    }

    private Map<String, AttributeValue> key(ThreadKey thread) {
        return Map.of(Keys.PK, AttributeValue.fromS(Keys.partition(thread)), Keys.SK, AttributeValue.fromS(Keys.HEAD));
    }

    private Map<String, AttributeValue> head(ThreadKey thread) {
        return client.getItem(b -> b.tableName(table).key(key(thread)).consistentRead(true)).item();
    }

    private List<ThreadSummary> listAll() {
        List<ThreadSummary> out = new ArrayList<>();
        String cursor = null;
        do {
            ThreadPage page = store.threads("acme", ThreadQuery.first(7).after(cursor));
            out.addAll(page.threads());
            cursor = page.nextCursor();
        } while (cursor != null);
        return out;
    }

    /** Newest granule first, then thread id descending: the listing's order. */
    private List<String> expectedOrder() {
        long g = INDEX.granularity().toMillis();
        return firsts.stream()
                .sorted((a, b) -> {
                    int byGranule = Long.compare(Math.floorDiv(b.createdAt().toEpochMilli(), g), Math.floorDiv(a.createdAt().toEpochMilli(), g));
                    return byGranule != 0 ? byGranule : b.thread().threadId().compareTo(a.thread().threadId());
                })
                .map(cp -> cp.thread().threadId()).toList();
    }

    @Test
    void backfilledHeadsAreWhatTheirCommitWroteAndListedInOrder() {
        List<String> before = listAll().stream().map(ThreadSummary::threadId).toList();
        assertThat(before).hasSize(THREADS - stripped.size()).doesNotContainAnyElementsOf(stripped.keySet());

        ThreadIndexBackfill.Report report = new ThreadIndexBackfill(client, table, INDEX).run(null, Long.MAX_VALUE);
        assertThat(report.lacking()).isEqualTo(stripped.size());
        assertThat(report.updated()).isEqualTo(stripped.size());
        assertThat(report.skipped()).isZero();
        assertThat(report.scanned()).isGreaterThanOrEqualTo(2L * THREADS);   // heads and checkpoint items
        assertThat(report.cursor()).isNull();

        stripped.forEach((id, written) -> assertThat(head(ThreadKey.of("acme", id))).as(id).isEqualTo(written));
        List<ThreadSummary> after = listAll();
        assertThat(after.stream().map(ThreadSummary::threadId).toList()).isEqualTo(expectedOrder());
        assertThat(after.stream().filter(t -> t.waitingFor() != null).count()).isEqualTo(THREADS / 4);

        ThreadIndexBackfill.Report again = new ThreadIndexBackfill(client, table, INDEX).run(null, Long.MAX_VALUE);
        assertThat(again.lacking()).isZero();
        assertThat(again.updated()).isZero();
        assertThat(listAll()).isEqualTo(after);
    }

    @Test
    void aHeadCommittedBetweenScanAndUpdateKeepsTheCommitsKeys() {
        Checkpoint raced = firsts.get(0);
        Checkpoint second = first(raced.thread(), BASE.plus(Duration.ofHours(3)), 0, 2, raced.id());
        AtomicBoolean once = new AtomicBoolean();
        ThreadIndexBackfill backfill = new ThreadIndexBackfill(client, table, INDEX, thread -> {
            if (thread.equals(raced.thread()) && once.compareAndSet(false, true)) {
                store.commit(new Commit(second, 1));
            }
        });
        Map<String, AttributeValue> committed;
        ThreadIndexBackfill.Report report = backfill.run(null, Long.MAX_VALUE);
        committed = head(raced.thread());
        assertThat(once).isTrue();
        assertThat(report.lacking()).isEqualTo(stripped.size());
        assertThat(report.skipped()).isEqualTo(1);
        assertThat(report.updated()).isEqualTo(stripped.size() - 1);
        assertThat(committed.get(Keys.CHECKPOINT_ID).s()).isEqualTo(second.id().value());
        assertThat(committed.get(ThreadIndex.SORT).s())
                .isEqualTo(ThreadIndex.sortKey(new ThreadIndex(INDEX).granule(second.createdAt()), raced.thread().threadId()));
        assertThat(listAll().get(0).threadId()).isEqualTo(raced.thread().threadId());
        assertThat(listAll()).hasSize(THREADS);
    }

    @Test
    void aRunCutShortContinuesFromItsCursor() {
        long updated = 0;
        int runs = 0;
        String cursor = null;
        do {
            ThreadIndexBackfill.Report report = new ThreadIndexBackfill(client, table, INDEX).run(cursor, 9);
            assertThat(report.scanned()).isLessThanOrEqualTo(9);
            updated += report.updated();
            cursor = report.cursor();
            runs++;
        } while (cursor != null);
        assertThat(runs).isGreaterThan(2 * THREADS / 9);
        assertThat(updated).isEqualTo(stripped.size());
        assertThat(listAll().stream().map(ThreadSummary::threadId).toList()).isEqualTo(expectedOrder());
    }

    @Test
    void badArgumentsAreInvalidInputAndChangeNothing() {
        ThreadIndexBackfill backfill = new ThreadIndexBackfill(client, table, INDEX);
        for (String cursor : List.of("nonsense", "bf1:%%%", "bf1:" + Base64.getUrlEncoder().encodeToString("no-newline".getBytes()))) {
            assertThatThrownBy(() -> backfill.run(cursor, 100)).isInstanceOf(ThreadlineException.class)
                    .satisfies(e -> assertThat(((ThreadlineException) e).code()).isEqualTo(ErrorCode.INVALID_INPUT))
                    .hasMessageContaining("cursor");
        }
        assertThatThrownBy(() -> backfill.run(null, 0)).isInstanceOf(ThreadlineException.class)
                .satisfies(e -> assertThat(((ThreadlineException) e).code()).isEqualTo(ErrorCode.INVALID_INPUT))
                .hasMessageContaining("max-items");
        stripped.keySet().forEach(id -> assertThat(head(ThreadKey.of("acme", id))).doesNotContainKey(ThreadIndex.PARTITION));
    }

    /** The command (infra/versions/backfill-thread-index) against DynamoDB Local: a cut-short run, its cursor, then the rest. */
    @Test
    void theCommandRunsAgainstATableAndContinuesFromItsCursor() {
        System.setProperty("aws.accessKeyId", DynamoDbLocal.ACCESS_KEY);
        System.setProperty("aws.secretAccessKey", DynamoDbLocal.SECRET_KEY);
        try {
            String endpoint = DynamoDbLocal.get().endpoint().toString();
            String first = ThreadIndexBackfillCommand.run(new String[] {"--table", table, "--endpoint", endpoint,
                    "--shards", "4", "--max-items", "10"});
            assertThat(first).startsWith("scanned 10,").contains("continue with --cursor bf1:");
            String cursor = first.substring(first.indexOf("--cursor ") + "--cursor ".length()).trim();
            String rest = ThreadIndexBackfillCommand.run(new String[] {"--table", table, "--endpoint", endpoint,
                    "--shards", "4", "--granularity", "PT1M", "--cursor", cursor});
            assertThat(rest).endsWith("table done\n");
            assertThat(listAll().stream().map(ThreadSummary::threadId).toList()).isEqualTo(expectedOrder());
        } finally {
            System.clearProperty("aws.accessKeyId");
            System.clearProperty("aws.secretAccessKey");
        }
    }

    @Test
    void theCommandRefusesBadArgumentsWithUsage() {
        for (String[] bad : List.of(new String[] {"--endpoint", "http://localhost:1"}, new String[] {"--table"},
                new String[] {"--table", table, "--max-items", "many"}, new String[] {"--table", table, "--shards", "0"},
                new String[] {"--table", table, "--granularity", "1m"}, new String[] {"--table", table, "--bogus", "x"})) {
            assertThatThrownBy(() -> ThreadIndexBackfillCommand.run(bad)).as(String.join(" ", bad))
                    .isInstanceOf(ThreadlineException.class)
                    .satisfies(e -> assertThat(((ThreadlineException) e).code()).isEqualTo(ErrorCode.INVALID_INPUT))
                    .hasMessageContaining("usage: backfill-thread-index");
        }
        stripped.keySet().forEach(id -> assertThat(head(ThreadKey.of("acme", id))).doesNotContainKey(ThreadIndex.PARTITION));
    }
}
