package io.threadline.checkpoint.dynamodb;

import software.amazon.awssdk.services.dynamodb.DynamoDbClient;
import software.amazon.awssdk.services.dynamodb.model.DescribeTableResponse;
import software.amazon.awssdk.services.dynamodb.model.GlobalSecondaryIndexDescription;
import software.amazon.awssdk.services.dynamodb.model.IndexStatus;
import software.amazon.awssdk.services.dynamodb.model.ResourceInUseException;
import software.amazon.awssdk.services.dynamodb.model.TableStatus;
import software.amazon.awssdk.services.dynamodb.model.TimeToLiveStatus;
import software.amazon.awssdk.services.dynamodb.model.UpdateTimeToLiveRequest;

import java.time.Duration;
import java.util.Optional;

/**
 * Creates the checkpoint table from {@link TableDefinition} — for tests and local runs. Deployed
 * tables come from infrastructure code built from the same JSON file.
 */
public final class DynamoDbTables {

    private static final Duration ACTIVE_TIMEOUT = Duration.ofMinutes(5);
    private static final long POLL_MILLIS = 200;

    private DynamoDbTables() {
    }

    /**
     * Creates {@code tableName} if it does not exist, waits until it and its indexes are ACTIVE, and
     * enables its TTL attribute. Idempotent: a table that exists already (even one being created by
     * another process at the same moment) is just waited for.
     */
    public static void createIfMissing(DynamoDbClient client, String tableName) {
        createIfMissing(client, tableName, TableDefinition.fromClasspath());
    }

    public static void createIfMissing(DynamoDbClient client, String tableName, TableDefinition definition) {
        try {
            client.createTable(definition.createTableRequest(tableName));
        } catch (ResourceInUseException alreadyThere) {
            // Created before, or by a concurrent caller: either way the table is on its way.
        }
        awaitActive(client, tableName);
        Optional<UpdateTimeToLiveRequest> ttl = definition.timeToLiveRequest(tableName);
        if (ttl.isPresent()) {
            // Enabling TTL twice is an error on AWS, so look first.
            TimeToLiveStatus status = client.describeTimeToLive(b -> b.tableName(tableName))
                    .timeToLiveDescription().timeToLiveStatus();
            if (status != TimeToLiveStatus.ENABLED && status != TimeToLiveStatus.ENABLING) {
                client.updateTimeToLive(ttl.get());
            }
        }
    }

    private static void awaitActive(DynamoDbClient client, String tableName) {
        long deadline = System.nanoTime() + ACTIVE_TIMEOUT.toNanos();
        while (true) {
            DescribeTableResponse table = client.describeTable(b -> b.tableName(tableName));
            boolean indexesActive = !table.table().hasGlobalSecondaryIndexes() || table.table().globalSecondaryIndexes().stream()
                    .map(GlobalSecondaryIndexDescription::indexStatus).allMatch(s -> s == IndexStatus.ACTIVE);
            if (table.table().tableStatus() == TableStatus.ACTIVE && indexesActive) {
                return;
            }
            if (System.nanoTime() > deadline) {
                throw new IllegalStateException("DynamoDB table " + tableName + " is not ACTIVE after " + ACTIVE_TIMEOUT
                        + " (status " + table.table().tableStatus() + ")");
            }
            try {
                Thread.sleep(POLL_MILLIS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IllegalStateException("interrupted while waiting for table " + tableName, e);
            }
        }
    }
}
