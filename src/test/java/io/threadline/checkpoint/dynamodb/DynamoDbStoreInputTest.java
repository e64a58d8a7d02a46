package io.threadline.checkpoint.dynamodb;

import io.threadline.ErrorCode;
import io.threadline.ThreadlineException;
import io.threadline.checkpoint.Checkpoint;
import io.threadline.checkpoint.Commit;
import io.threadline.checkpoint.HistoryQuery;
import io.threadline.checkpoint.ThreadKey;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import software.amazon.awssdk.services.dynamodb.DynamoDbClient;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.UUID;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** Bad settings and bad calls are refused with a clear message, and write nothing. */
class DynamoDbStoreInputTest {

    private static DynamoDbClient client;
    private static String table;
    private static DynamoDbCheckpointStore store;

    private final Steps steps = new Steps(Instant.now());

    @BeforeAll
    static void createTable() {
        client = LocalTables.client();
        table = LocalTables.newTable(client, "input");
        store = new DynamoDbCheckpointStore(client, DynamoDbStoreSettings.defaults(table), Clock.systemUTC());
    }

    @AfterAll
    static void dropTable() {
        LocalTables.drop(client, table);
        client.close();
    }

    @Test
    void settingsOutsideDynamoDbsLimitsAreRefused() {
        DynamoDbStoreSettings ok = DynamoDbStoreSettings.defaults("threadline");
        assertThatThrownBy(() -> ok.withSizes(8192, 400_000, 3_000_000)).hasMessageContaining("maxItemBytes");
        assertThatThrownBy(() -> ok.withSizes(8192, 350_000, 5_000_000)).hasMessageContaining("maxCheckpointBytes");
        assertThatThrownBy(() -> ok.withSizes(8192, 1024, 3_000_000)).hasMessageContaining("more than 98 items");
        assertThatThrownBy(() -> ok.withIdempotencyTtl(Duration.ZERO)).hasMessageContaining("idempotencyTtl");
        assertThatThrownBy(() -> DynamoDbStoreSettings.defaults("no spaces")).hasMessageContaining("table name");
        assertThat(ok.withCheckpointTtl(Duration.ZERO).checkpointTtl()).isNull();
    }

    @Test
    void aCursorThisStoreDidNotIssueIsInvalidInput() {
        ThreadKey thread = ThreadKey.of("input", "th-" + UUID.randomUUID());
        store.commit(new Commit(steps.first(thread), 0));
        assertThatThrownBy(() -> store.history(thread, new HistoryQuery(5, "12")))
                .isInstanceOfSatisfying(ThreadlineException.class, e -> {
                    assertThat(e.code()).isEqualTo(ErrorCode.INVALID_INPUT);
                    assertThat(e.details()).containsEntry("field", "cursor");
                });
    }

    @Test
    void aCheckpointBuiltOnSomethingOtherThanTheHeadIsADefectNotAConflict() {
        ThreadKey thread = ThreadKey.of("input", "th-" + UUID.randomUUID());
        Checkpoint first = steps.first(thread);
        store.commit(new Commit(first, 0));
        Checkpoint stranger = steps.first(ThreadKey.of("input", "elsewhere"));
        Checkpoint orphan = steps.next(stranger, false);
        Checkpoint misplaced = Checkpoint.draft(orphan.id(), thread, 2, stranger.id())
                .state(orphan.schemaVersion(), orphan.change(), orphan.createdAt())
                .metadata(orphan.metadata())
                .step(orphan.nodes(), orphan.decisions(), orphan.next());
        assertThatThrownBy(() -> store.commit(new Commit(misplaced, 1)))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("is not the head " + first.id());
        assertThat(store.head(thread).orElseThrow().checkpointId()).isEqualTo(first.id());
    }
}
