package io.threadline.runs.dynamodb;

import io.threadline.ErrorCode;
import io.threadline.ThreadlineException;
import io.threadline.checkpoint.ThreadKey;
import io.threadline.checkpoint.dynamodb.DynamoDbLocal;
import io.threadline.checkpoint.dynamodb.DynamoDbTables;
import io.threadline.runs.Run;
import io.threadline.runs.RunStatus;
import io.threadline.runs.RunStore;
import io.threadline.runs.RunStoreContract;
import org.assertj.core.api.Assertions;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;
import software.amazon.awssdk.auth.credentials.AwsBasicCredentials;
import software.amazon.awssdk.auth.credentials.StaticCredentialsProvider;
import software.amazon.awssdk.core.retry.RetryMode;
import software.amazon.awssdk.http.urlconnection.UrlConnectionHttpClient;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.services.dynamodb.DynamoDbClient;
import software.amazon.awssdk.services.dynamodb.model.AttributeValue;

import java.net.ServerSocket;
import java.net.URI;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.UUID;

import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * {@link RunStoreContract} on DynamoDB Local (a table of its own per test, 4 wake shards), and the store's own failure
 * path: DynamoDB out of reach is {@code DEPENDENCY_UNAVAILABLE} on every call, never a lost race.
 */
class DynamoDbRunStoreContractTest extends RunStoreContract {

    private static final DynamoDbClient CLIENT = DynamoDbLocal.get().clientBuilder().build();

    @AfterAll
    static void close() {
        CLIENT.close();
    }

    private String table;

    @Override
    protected RunStore newStore() {
        table = "runs-contract-" + UUID.randomUUID();
        DynamoDbTables.createIfMissing(CLIENT, table);
        return new DynamoDbRunStore(CLIENT, table, 4);
    }

    /** The items of the thread's wake shard whose key names it, read from the table itself. */
    @Override
    protected long wakeEntries(ThreadKey thread) {
        String shard = ((DynamoDbRunStore) store).wakePartition(thread);
        return CLIENT.queryPaginator(b -> b.tableName(table).consistentRead(true).keyConditionExpression("pk = :p")
                        .expressionAttributeValues(Map.of(":p", AttributeValue.fromS(shard))))
                .items().stream().filter(i -> i.get("sk").s().endsWith("#" + thread.tenant() + "#" + thread.threadId())).count();
    }

    @Test
    void dynamoDbOutOfReachIsDependencyUnavailableOnEveryCall() throws Exception {
        int closedPort;
        try (ServerSocket s = new ServerSocket(0)) {
            closedPort = s.getLocalPort();
        }
        try (DynamoDbClient down = DynamoDbClient.builder().endpointOverride(URI.create("http://127.0.0.1:" + closedPort))
                .region(Region.US_EAST_1).httpClient(UrlConnectionHttpClient.create())
                .overrideConfiguration(c -> c.retryStrategy(RetryMode.STANDARD).retryStrategy(b -> b.maxAttempts(1)))
                .credentialsProvider(StaticCredentialsProvider.create(AwsBasicCredentials.create("local", "local"))).build()) {
            RunStore unreachable = new DynamoDbRunStore(down, "any", 4);
            ThreadKey thread = ThreadKey.of("t", "th-down");
            Run run = new Run("run-down", "t", "th-down", null, RunStatus.ACTIVE, 0, null, 1, 10, 0, List.of(), null, null, null,
                    BASE, BASE, 1, null, BASE.plusSeconds(60));
            for (Runnable call : List.<Runnable>of(() -> unreachable.get(thread), () -> unreachable.put(run, BASE),
                    () -> unreachable.put(run.redrivenAt(null), BASE), () -> unreachable.due(Instant.now(), 10),
                    () -> unreachable.delete(thread))) {
                assertThatThrownBy(call::run).isInstanceOfSatisfying(ThreadlineException.class,
                        e -> Assertions.assertThat(e.code()).isEqualTo(ErrorCode.DEPENDENCY_UNAVAILABLE));
            }
        }
    }
}
