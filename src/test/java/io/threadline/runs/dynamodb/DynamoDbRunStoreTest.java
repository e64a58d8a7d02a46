package io.threadline.runs.dynamodb;

import io.threadline.checkpoint.ThreadKey;
import io.threadline.checkpoint.dynamodb.DynamoDbLocal;
import io.threadline.checkpoint.dynamodb.DynamoDbTables;
import io.threadline.runs.Run;
import io.threadline.runs.RunStatus;
import org.junit.jupiter.api.Test;
import software.amazon.awssdk.services.dynamodb.DynamoDbClient;
import software.amazon.awssdk.services.dynamodb.model.AttributeValue;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * The wake index on DynamoDB Local is sharded: a busy deployment's filings spread over {@code WAKE#0 … WAKE#n-1}
 * (no hot partition), and the sweep reads every shard, oldest first across them, at most its limit.
 */
class DynamoDbRunStoreTest {

    static final int SHARDS = 8;

    @Test
    void filingsSpreadOverTheShardsAndTheSweepReadsThemAllOldestFirst() {
        String table = "wake-" + UUID.randomUUID();
        try (DynamoDbClient client = DynamoDbLocal.get().clientBuilder().build()) {
            DynamoDbTables.createIfMissing(client, table);
            DynamoDbRunStore store = new DynamoDbRunStore(client, table, SHARDS);
            Instant base = Instant.parse("2026-12-06T10:00:00Z");
            List<String> expected = new ArrayList<>();
            for (int i = 0; i < 64; i++) {
                // Filed for the sweep by a re-drive time (i seconds after base); half of them in a long timed wait instead.
                Instant at = base.plusSeconds(i);
                Run run = new Run("run-" + i, "t", "th-" + i, null, RunStatus.ACTIVE, 0, null, 1, 10, 0, List.of(), null, null,
                        i % 2 == 0 ? at : null, base, base, 1, null, i % 2 == 0 ? null : at);
                assertThat(store.put(run, base)).isTrue();
                expected.add(run.runId());
            }
            int used = 0;
            for (int shard = 0; shard < SHARDS; shard++) {
                String pk = "WAKE#" + shard;
                int filed = client.query(b -> b.tableName(table).keyConditionExpression("pk = :p")
                        .expressionAttributeValues(Map.of(":p", AttributeValue.fromS(pk)))).count();
                assertThat(filed).as(pk + " holds a share, not all").isLessThan(64);
                used += filed > 0 ? 1 : 0;
            }
            assertThat(used).as("shards in use").isEqualTo(SHARDS);

            assertThat(store.due(base.plus(Duration.ofHours(1)), 100)).extracting(Run::runId).containsExactlyElementsOf(expected);
            assertThat(store.due(base.plusSeconds(9), 100)).extracting(Run::runId).containsExactlyElementsOf(expected.subList(0, 10));
            assertThat(store.due(base.plus(Duration.ofHours(1)), 5)).extracting(Run::runId).containsExactlyElementsOf(expected.subList(0, 5));

            // A run that moves on no longer holds its entry: the sweep drops it.
            Run moved = store.get(ThreadKey.of("t", "th-1")).orElseThrow().stepped(false, null, base);
            assertThat(store.put(moved, base)).isTrue();
            assertThat(store.due(base.plus(Duration.ofHours(1)), 100)).extracting(Run::runId).doesNotContain("run-1").hasSize(63);
        }
    }

    @Test
    void aShardCountOutOfRangeIsRefused() {
        assertThatThrownBy(() -> new DynamoDbRunStore(null, "t", 0)).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> new DynamoDbRunStore(null, "t", DynamoDbRunStore.MAX_WAKE_SHARDS + 1))
                .isInstanceOf(IllegalArgumentException.class);
    }
}
