package io.threadline.bench;

import io.threadline.checkpoint.dynamodb.DynamoDbLocal;

/**
 * DynamoDB Local (the jars infra/dynamodb-local/pom.xml copies to target/dynamodb-local/lib) as a separate process on a
 * free loopback port, for the benchmarks that measure the DynamoDB path: started the same way by each, and as the
 * tests start theirs ({@link DynamoDbLocal}), so their figures are comparable. Stopped by {@link #stop()} or when the
 * JVM exits.
 */
final class DynamoDbLocalServer {

    final int port;
    private final DynamoDbLocal server;

    private DynamoDbLocalServer(DynamoDbLocal server) {
        this.server = server;
        this.port = server.port();
    }

    /** Starts one with {@code heap} (a JVM option such as {@code -Xmx2g}) and waits until it accepts connections. */
    static DynamoDbLocalServer start(String heap) {
        return new DynamoDbLocalServer(DynamoDbLocal.start(heap));
    }

    void stop() {
        server.stop();
    }
}
