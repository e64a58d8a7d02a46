package io.threadline.checkpoint.dynamodb;

import io.threadline.checkpoint.Checkpoint;
import io.threadline.checkpoint.CheckpointChain;
import io.threadline.checkpoint.Commit;
import io.threadline.checkpoint.CommitResult;
import io.threadline.checkpoint.Materializer;
import io.threadline.checkpoint.PruneReport;
import io.threadline.checkpoint.RetentionPolicy;
import io.threadline.checkpoint.ThreadKey;
import io.threadline.checkpoint.dynamodb.internal.Keys;
import io.threadline.checkpoint.dynamodb.internal.ThreadIndex;
import io.threadline.state.StateCodec;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import software.amazon.awssdk.services.dynamodb.DynamoDbClient;
import software.amazon.awssdk.services.dynamodb.model.AttributeValue;

import java.nio.charset.StandardCharsets;
import java.security.SecureRandom;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.Base64;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;

import static org.assertj.core.api.Assertions.assertThat;

/** Pruning, TTL attributes and the life of idempotency records, checked on the raw items. */
class DynamoDbRetentionTest {

    private static final Duration WEEK = Duration.ofDays(7);

    private static DynamoDbClient client;
    private static String table;

    private final StateCodec codec = new StateCodec();
    private final Instant start = Instant.now().truncatedTo(ChronoUnit.SECONDS);
    private final MutableClock clock = new MutableClock(start);
    private final Steps steps = new Steps(start);

    @BeforeAll
    static void createTable() {
        client = LocalTables.client();
        table = LocalTables.newTable(client, "retention");
    }

    @AfterAll
    static void dropTable() {
        LocalTables.drop(client, table);
        client.close();
    }

    private DynamoDbCheckpointStore store(DynamoDbStoreSettings settings) {
        return new DynamoDbCheckpointStore(client, settings, clock);
    }

    private static ThreadKey newThread() {
        return ThreadKey.of("retention", "th-" + UUID.randomUUID());
    }

    private long[] materialise(CheckpointChain chain) {
        var n = Materializer.stateTree(chain, codec).get("n");
        long[] out = new long[n.size()];
        for (int i = 0; i < out.length; i++) {
            out[i] = n.get(i).asLong();
        }
        return out;
    }

    /** Step 1 carries 6 KB of padding (six chunks of 1 KB) so that, in 1 KB items, it is chunked; every step is keyed. */
    private List<Checkpoint> commitChain(DynamoDbCheckpointStore store, ThreadKey thread, int count, Set<Integer> snapshots) {
        byte[] pad = new byte[4500];
        new SecureRandom().nextBytes(pad);
        Checkpoint cp = steps.first(thread, ("{\"n\":[1],\"pad\":\"" + Base64.getEncoder().encodeToString(pad) + "\"}")
                .getBytes(StandardCharsets.UTF_8));
        List<Checkpoint> chain = new ArrayList<>();
        store.commit(new Commit(cp, 0));
        chain.add(cp);
        for (int s = 2; s <= count; s++) {
            cp = steps.next(cp, snapshots.contains(s), "key-" + s);
            store.commit(new Commit(cp, s - 1));
            chain.add(cp);
        }
        return chain;
    }

    @Test
    void pruneKeepsWhatTheRetainedCheckpointsNeedAndRemovesChunksAndKeysOfTheRest() {
        DynamoDbCheckpointStore store = store(DynamoDbStoreSettings.defaults(table).withSizes(1 << 20, 1024, 98 * 1024));
        ThreadKey thread = newThread();
        List<Checkpoint> chain = commitChain(store, thread, 20, Set.of(8, 15));
        assertThat(LocalTables.sortKeys(LocalTables.items(client, table, thread)).stream().filter(Keys::isChunk)).hasSize(6);
        long before = store.storedBytes(thread);

        PruneReport report = store.prune(thread, new RetentionPolicy(10), clock.instant());

        // Steps 11..20 are retained; 11 needs the snapshot at 8, so 8..20 stay and 1..7 go.
        assertThat(report.removed()).isEqualTo(7);
        assertThat(report.oldestKeptStep()).isEqualTo(8);
        assertThat(store.storedBytes(thread)).isEqualTo(before - report.removedBytes());
        List<String> keys = LocalTables.sortKeys(LocalTables.items(client, table, thread));
        assertThat(keys).contains(Keys.HEAD);
        assertThat(keys.stream().filter(Keys::isChunk)).isEmpty();
        assertThat(keys.stream().filter(Keys::isCheckpoint)).hasSize(13);
        List<String> expectedKeys = new ArrayList<>();
        for (int s = 8; s <= 20; s++) {
            expectedKeys.add("IDEM#key-" + s);
        }
        assertThat(keys.stream().filter(Keys::isIdempotency)).containsExactlyInAnyOrderElementsOf(expectedKeys);
        for (Checkpoint cp : chain) {
            if (cp.step() < 8) {
                assertThat(store.get(thread, cp.id())).isEmpty();
                assertThat(store.load(thread, cp.id())).isEmpty();
            } else {
                CheckpointChain loaded = store.load(thread, cp.id()).orElseThrow();
                assertThat(loaded.target()).isEqualTo(cp);
                assertThat(materialise(loaded)).containsExactly(Steps.upTo(cp.step()));
            }
        }
        // A pruned key is free again; a retained one still answers with its checkpoint.
        Checkpoint last = chain.get(19);
        CommitResult reused = store.commit(new Commit(steps.next(last, false, "key-3"), 20));
        assertThat(reused.duplicate()).isFalse();
        CommitResult retained = store.commit(new Commit(steps.next(reused.checkpoint(), false, "key-12"), 21));
        assertThat(retained.duplicate()).isTrue();
        assertThat(retained.checkpoint()).isEqualTo(chain.get(11));
        assertThat(materialise(store.loadLatest(thread).orElseThrow())).containsExactly(Steps.upTo(21));
    }

    @Test
    void aChainExpiresWithItsSnapshotSoNoDeltaOutlivesIt() {
        DynamoDbCheckpointStore store = store(DynamoDbStoreSettings.defaults(table).withCheckpointTtl(WEEK));
        ThreadKey thread = newThread();
        Checkpoint snapshot = steps.first(thread);
        store.commit(new Commit(snapshot, 0));
        Checkpoint delta1 = steps.next(snapshot, false);
        store.commit(new Commit(delta1, 1, snapshot.createdAt()));
        Checkpoint delta2 = steps.next(delta1, false);
        store.commit(new Commit(delta2, 2, snapshot.createdAt()));
        long chainExpiry = snapshot.createdAt().plus(WEEK).getEpochSecond();
        for (Map<String, AttributeValue> item : LocalTables.items(client, table, thread)) {
            assertThat(Long.parseLong(item.get("expiresAt").n())).as(item.get("sk").s()).isEqualTo(chainExpiry);
        }
        // The next snapshot starts a chain that expires later; its own items carry its time.
        Checkpoint renewed = steps.next(delta2, true);
        store.commit(new Commit(renewed, 3));
        Map<String, AttributeValue> head = LocalTables.items(client, table, thread).stream()
                .filter(i -> Keys.HEAD.equals(i.get("sk").s())).findFirst().orElseThrow();
        assertThat(Long.parseLong(head.get("expiresAt").n())).isEqualTo(renewed.createdAt().plus(WEEK).getEpochSecond());
    }

    @Test
    void withACheckpointTtlEveryItemExpiresAWeekAfterItsCheckpoint() {
        DynamoDbCheckpointStore store = store(DynamoDbStoreSettings.defaults(table).withSizes(1 << 20, 1024, 98 * 1024)
                .withCheckpointTtl(WEEK));
        ThreadKey thread = newThread();
        List<Checkpoint> chain = commitChain(store, thread, 5, Set.of(4));
        Map<String, Checkpoint> byId = new HashMap<>();
        chain.forEach(cp -> byId.put(cp.id().value(), cp));

        List<Map<String, AttributeValue>> items = LocalTables.items(client, table, thread);
        List<String> keys = LocalTables.sortKeys(items);
        assertThat(keys.stream().filter(Keys::isChunk)).hasSize(6);
        assertThat(keys).hasSize(1 + 5 + 6 + 4); // HEAD, checkpoints, step 1's chunks, keys of steps 2..5
        long keyExpiry = clock.instant().plus(Duration.ofHours(24)).getEpochSecond();
        for (Map<String, AttributeValue> item : items) {
            String sk = item.get("sk").s();
            long expiresAt = Long.parseLong(item.get("expiresAt").n());
            if (Keys.isIdempotency(sk)) {
                assertThat(expiresAt).as(sk).isEqualTo(keyExpiry);
            } else {
                Checkpoint owner = Keys.HEAD.equals(sk) ? chain.get(4) : byId.get(Keys.checkpointIdOf(sk).value());
                assertThat(expiresAt).as(sk).isEqualTo(owner.createdAt().plus(WEEK).getEpochSecond());
            }
        }
        Map<String, AttributeValue> head = items.stream().filter(i -> Keys.HEAD.equals(i.get("sk").s())).findFirst().orElseThrow();
        // The thread index's keys: the tenant's shard, and the head's time at the index's granularity.
        var index = new ThreadIndex(ThreadIndexSettings.defaults());
        assertThat(head.get("tix").s()).isEqualTo(ThreadIndex.partition(
                thread.tenant(), index.shard(thread.threadId())));
        assertThat(head.get("tis").s()).isEqualTo(ThreadIndex.sortKey(
                index.granule(chain.get(4).createdAt()), thread.threadId()));
        assertThat(head).doesNotContainKeys("gsi1pk", "gsi1sk");
    }

    @Test
    void aKeyCanBeReusedOnceItsRecordHasExpiredEvenBeforeDynamoDbDeletesIt() {
        DynamoDbCheckpointStore store = store(DynamoDbStoreSettings.defaults(table).withIdempotencyTtl(Duration.ofHours(1)));
        ThreadKey thread = newThread();
        Checkpoint first = steps.first(thread);
        store.commit(new Commit(first, 0));
        Checkpoint keyed = steps.next(first, false, "hourly");
        store.commit(new Commit(keyed, 1));
        assertThat(store.commit(new Commit(steps.next(keyed, false, "hourly"), 2)).duplicate()).isTrue();

        clock.advance(Duration.ofMinutes(61));
        Checkpoint again = steps.next(keyed, false, "hourly");
        CommitResult result = store.commit(new Commit(again, 2));
        assertThat(result.duplicate()).isFalse();
        assertThat(result.checkpoint()).isEqualTo(again);
        Map<String, AttributeValue> record = LocalTables.items(client, table, thread).stream()
                .filter(i -> "IDEM#hourly".equals(i.get("sk").s())).findFirst().orElseThrow();
        assertThat(record.get("cid").s()).isEqualTo(again.id().value());
    }

    @Test
    void aKeyWhoseCheckpointIsGoneIsFreeAgain() {
        // As when TTL deleted the checkpoint item before its idempotency record.
        DynamoDbCheckpointStore store = store(DynamoDbStoreSettings.defaults(table));
        ThreadKey thread = newThread();
        Checkpoint first = steps.first(thread);
        store.commit(new Commit(first, 0));
        Checkpoint keyed = steps.next(first, false, "gone");
        store.commit(new Commit(keyed, 1));
        Checkpoint snapshot = steps.next(keyed, true);
        store.commit(new Commit(snapshot, 2));
        client.deleteItem(b -> b.tableName(table).key(Map.of("pk", AttributeValue.fromS(Keys.partition(thread)),
                "sk", AttributeValue.fromS(Keys.checkpoint(keyed.id())))));

        Checkpoint retry = steps.next(snapshot, false, "gone");
        CommitResult result = store.commit(new Commit(retry, 3));
        assertThat(result.duplicate()).isFalse();
        assertThat(store.head(thread).orElseThrow().checkpointId()).isEqualTo(retry.id());
        assertThat(materialise(store.loadLatest(thread).orElseThrow())).containsExactly(Steps.upTo(4));
    }
}
