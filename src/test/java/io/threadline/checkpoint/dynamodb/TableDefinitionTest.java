package io.threadline.checkpoint.dynamodb;

import io.threadline.checkpoint.Checkpoint;
import io.threadline.checkpoint.Commit;
import io.threadline.checkpoint.ThreadKey;
import io.threadline.checkpoint.ThreadQuery;
import io.threadline.checkpoint.dynamodb.internal.ThreadIndex;
import org.junit.jupiter.api.Test;
import software.amazon.awssdk.services.dynamodb.DynamoDbClient;
import software.amazon.awssdk.services.dynamodb.model.AttributeValue;
import software.amazon.awssdk.services.dynamodb.model.BillingMode;
import software.amazon.awssdk.services.dynamodb.model.CreateTableRequest;
import software.amazon.awssdk.services.dynamodb.model.ProjectionType;
import software.amazon.awssdk.services.dynamodb.model.QueryResponse;
import software.amazon.awssdk.services.dynamodb.model.TableDescription;
import software.amazon.awssdk.services.dynamodb.model.TimeToLiveStatus;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;

import static org.assertj.core.api.Assertions.assertThat;

/** The one table definition: the classpath copy matches infra/, and the table it builds works as designed. */
class TableDefinitionTest {

    private static final Path INFRA = Path.of("infra/dynamodb/table.json");
    private static final Path RESOURCE = Path.of("src/main/resources/" + TableDefinition.CLASSPATH_RESOURCE);

    @Test
    void theClasspathCopyIsByteIdenticalToTheInfraFile() throws IOException {
        // The pom could instead add infra/dynamodb as a resource directory; until then the copy must not drift.
        assertThat(Files.readAllBytes(RESOURCE)).as("%s must equal %s", RESOURCE, INFRA).isEqualTo(Files.readAllBytes(INFRA));
    }

    @Test
    void theRequestCarriesTheGivenNameAndEverythingTheFileSays() {
        TableDefinition definition = TableDefinition.fromPath(INFRA);
        CreateTableRequest request = definition.createTableRequest("my-table");
        assertThat(request.tableName()).isEqualTo("my-table");
        assertThat(request.keySchema()).extracting(k -> k.attributeName() + ":" + k.keyTypeAsString())
                .containsExactly("pk:HASH", "sk:RANGE");
        assertThat(request.billingMode()).isEqualTo(BillingMode.PAY_PER_REQUEST);
        assertThat(request.globalSecondaryIndexes()).singleElement().satisfies(gsi -> {
            assertThat(gsi.indexName()).isEqualTo("threadsByActivity");
            assertThat(gsi.keySchema()).extracting(k -> k.attributeName() + ":" + k.keyTypeAsString())
                    .containsExactly("tix:HASH", "tis:RANGE");
            assertThat(gsi.projection().projectionType()).isEqualTo(ProjectionType.INCLUDE);
            // Only what the filters read: step and time change every step and are read from the heads instead.
            assertThat(gsi.projection().nonKeyAttributes()).containsExactly("st", "ag", "tg");
        });
        assertThat(definition.timeToLiveAttribute()).contains("expiresAt");
        assertThat(TableDefinition.fromClasspath().createTableRequest("my-table")).isEqualTo(request);
    }

    @Test
    void createIfMissingIsIdempotentAndTheThreadIndexHoldsEachTenantsHeadsByShard() {
        try (DynamoDbClient client = LocalTables.client()) {
            String table = "threadline-definition-" + UUID.randomUUID();
            DynamoDbTables.createIfMissing(client, table);
            DynamoDbTables.createIfMissing(client, table);
            TableDescription description = client.describeTable(b -> b.tableName(table)).table();
            assertThat(description.globalSecondaryIndexes()).extracting(g -> g.indexName()).containsExactly("threadsByActivity");
            assertThat(client.describeTimeToLive(b -> b.tableName(table)).timeToLiveDescription().timeToLiveStatus())
                    .isEqualTo(TimeToLiveStatus.ENABLED);

            MutableClock clock = new MutableClock(Instant.parse("2026-03-01T10:00:00Z"));
            DynamoDbCheckpointStore store = new DynamoDbCheckpointStore(client, DynamoDbStoreSettings.defaults(table), clock);
            Steps steps = new Steps(clock.instant());
            Checkpoint older = steps.first(ThreadKey.of("acme", "older"));
            store.commit(new Commit(older, 0));
            clock.advance(Duration.ofMinutes(1));
            store.commit(new Commit(steps.first(ThreadKey.of("acme", "newer")), 0));
            clock.advance(Duration.ofMinutes(1));
            store.commit(new Commit(steps.first(ThreadKey.of("other", "elsewhere")), 0));
            clock.advance(Duration.ofMinutes(1));
            store.commit(new Commit(steps.next(older, false), 1));

            // One index entry per head, under its tenant's shard, keyed by the head's minute and thread id; the
            // other tenant's entry is under its own partition key.
            var index = new ThreadIndex(ThreadIndexSettings.defaults());
            List<String> entries = new ArrayList<>();
            for (String thread : List.of("older", "newer")) {
                QueryResponse threads = client.query(b -> b.tableName(table).indexName("threadsByActivity")
                        .keyConditionExpression("tix = :t")
                        .expressionAttributeValues(Map.of(":t", AttributeValue.fromS(
                                ThreadIndex.partition("acme", index.shard(thread))))));
                threads.items().stream().filter(i -> i.get("pk").s().endsWith("#" + thread))
                        .forEach(i -> entries.add(i.get("pk").s() + "@" + i.get("tis").s() + "@" + i.get("st").s()));
            }
            assertThat(entries).hasSize(2);
            assertThat(entries.get(0)).startsWith("T#acme#older@").endsWith("#older@RUNNING");
            assertThat(entries.get(1)).startsWith("T#acme#newer@").endsWith("#newer@RUNNING");
            assertThat(store.threads("acme", ThreadQuery.first(10)).threads())
                    .extracting(t -> t.threadId() + "@" + t.step()).containsExactlyInAnyOrder("older@2", "newer@1");
            LocalTables.drop(client, table);
        }
    }
}
