package io.threadline.runs.sqs;

import io.threadline.testing.LocalServerProcess;
import software.amazon.awssdk.auth.credentials.AwsBasicCredentials;
import software.amazon.awssdk.auth.credentials.StaticCredentialsProvider;
import software.amazon.awssdk.http.urlconnection.UrlConnectionHttpClient;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.services.sqs.SqsClient;

import java.net.URI;
import java.nio.file.Path;
import java.util.List;

/**
 * A real ElasticMQ (Maven Central's elasticmq-server, jars copied by the build into target/elasticmq/lib by
 * infra/elasticmq/pom.xml) as a separate process on a free port of 127.0.0.1, started once per test JVM and
 * stopped when it exits; reached by the AWS SDK's SQS client over SQS's own protocol. If it cannot start, the
 * tests that need it fail: they never skip.
 */
public final class ElasticMq {

    public static final String REGION = "us-east-1";

    private static ElasticMq instance;

    private final LocalServerProcess server;

    private ElasticMq(LocalServerProcess server) {
        this.server = server;
    }

    public static synchronized ElasticMq get() {
        if (instance == null) {
            instance = start("-Xmx256m");
        }
        return instance;
    }

    /** Stops the server {@link #get()} started in this class loader, if any; the next {@code get()} starts another. */
    public static synchronized void stopShared() {
        if (instance != null) {
            instance.server.process().destroyForcibly();
            instance = null;
        }
    }

    /** An ElasticMQ of the caller's own with {@code heap} (a JVM option such as {@code -Xmx512m}), stopped when the JVM exits. */
    public static ElasticMq start(String heap) {
        Path lib = LocalServerProcess.jars("ElasticMQ", "test.elasticmq.lib", "target/elasticmq/lib");
        LocalServerProcess server = LocalServerProcess.start("ElasticMQ", port -> List.of(heap, "-Drest-sqs.bind-port=" + port,
                "-Dconfig.file=" + Path.of("infra/elasticmq/elasticmq.conf").toAbsolutePath(),
                "-cp", LocalServerProcess.classPath(lib), "org.elasticmq.server.Main"));
        return new ElasticMq(server);
    }

    public URI endpoint() {
        return server.endpoint();
    }

    public SqsClient client() {
        return SqsClient.builder().endpointOverride(endpoint()).region(Region.of(REGION))
                .credentialsProvider(StaticCredentialsProvider.create(AwsBasicCredentials.create("local", "local")))
                .httpClient(UrlConnectionHttpClient.create()).build();
    }
}
