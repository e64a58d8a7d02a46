package io.threadline.api;

import io.quarkus.test.common.QuarkusTestResourceLifecycleManager;
import io.threadline.checkpoint.dynamodb.DynamoDbLocal;

import java.util.Map;
import java.util.UUID;

/**
 * Every Quarkus test runs the application on a real DynamoDB Local, each application start on a
 * fresh table (created by the application, as {@code infra/local/start} does).
 */
public class DynamoDbLocalResource implements QuarkusTestResourceLifecycleManager {

    @Override
    public Map<String, String> start() {
        DynamoDbLocal local = DynamoDbLocal.get();
        return Map.of(
                "threadline.store", "dynamodb",
                "threadline.dynamodb.table", "api-" + UUID.randomUUID(),
                "threadline.dynamodb.create-table", "true",
                "quarkus.dynamodb.endpoint-override", local.endpoint().toString(),
                "quarkus.dynamodb.aws.region", DynamoDbLocal.REGION,
                "quarkus.dynamodb.aws.credentials.type", "static",
                "quarkus.dynamodb.aws.credentials.static-provider.access-key-id", DynamoDbLocal.ACCESS_KEY,
                "quarkus.dynamodb.aws.credentials.static-provider.secret-access-key", DynamoDbLocal.SECRET_KEY);
    }

    @Override
    public void stop() {
        // DynamoDB Local stops with the test JVM; tables are per start and in memory.
    }
}
