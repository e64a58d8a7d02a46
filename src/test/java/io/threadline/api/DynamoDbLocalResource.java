package io.threadline.api;

import io.quarkus.test.common.QuarkusTestResourceLifecycleManager;
import io.threadline.checkpoint.dynamodb.DynamoDbLocal;
import io.threadline.memory.opensearch.OpenSearchNode;
import io.threadline.runs.sqs.ElasticMq;

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
        // Quarkus runs each application start's test code in a class loader of its own, so the servers started
        // for it (DynamoDB Local here; ElasticMQ and OpenSearch from test profiles and tests) are that loader's
        // and would live until the JVM exits: about 60 processes and 11 GB over the suite, enough for the kernel
        // to kill the test JVM. Stop them with the application. Plain tests run in the system class loader and
        // keep theirs for the whole JVM.
        if (getClass().getClassLoader() != ClassLoader.getSystemClassLoader()) {
            DynamoDbLocal.stopShared();
            ElasticMq.stopShared();
            OpenSearchNode.stopShared();
        }
    }
}
