package io.threadline.runs.sqs;

import software.amazon.awssdk.auth.credentials.AwsBasicCredentials;
import software.amazon.awssdk.auth.credentials.StaticCredentialsProvider;
import software.amazon.awssdk.http.urlconnection.UrlConnectionHttpClient;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.services.sqs.SqsClient;

import java.io.File;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * A real ElasticMQ (Maven Central's elasticmq-server, jars copied by the build into target/elasticmq/lib by
 * infra/elasticmq/pom.xml) as a separate process on a free port of 127.0.0.1, started once per test JVM and
 * stopped when it exits; reached by the AWS SDK's SQS client over SQS's own protocol. If it cannot start, the
 * tests that need it fail: they never skip.
 */
public final class ElasticMq {

    public static final String REGION = "us-east-1";

    private static ElasticMq instance;

    private final int port;
    private final ProcessHandle process;

    private ElasticMq(int port, ProcessHandle process) {
        this.port = port;
        this.process = process;
    }

    public static synchronized ElasticMq get() {
        if (instance == null) {
            instance = start();
            Runtime.getRuntime().addShutdownHook(new Thread(instance.process::destroyForcibly));
        }
        return instance;
    }

    private static ElasticMq start() {
        Path lib = Path.of(System.getProperty("test.elasticmq.lib", "target/elasticmq/lib"));
        if (!Files.isDirectory(lib)) {
            throw new IllegalStateException("ElasticMQ's jars are not in " + lib.toAbsolutePath()
                    + "; run the tests through Maven (mvn verify), which copies them there");
        }
        try {
            int port = freePort();
            Path log = Files.createTempFile("elasticmq-", ".log");
            String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
            Process process = new ProcessBuilder(List.of(java, "-Xmx256m", "-Drest-sqs.bind-port=" + port,
                    "-Dconfig.file=" + Path.of("infra/elasticmq/elasticmq.conf").toAbsolutePath(),
                    "-cp", lib.toAbsolutePath() + File.separator + "*", "org.elasticmq.server.Main"))
                    .redirectErrorStream(true).redirectOutput(log.toFile()).start();
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
            while (!accepts(port)) {
                if (!process.isAlive()) {
                    throw new IllegalStateException("ElasticMQ exited: " + Files.readString(log));
                }
                if (System.nanoTime() > deadline) {
                    process.destroyForcibly();
                    throw new IllegalStateException("ElasticMQ did not open port " + port + " in 60 s: " + Files.readString(log));
                }
                Thread.sleep(50);
            }
            return new ElasticMq(port, process.toHandle());
        } catch (IOException e) {
            throw new IllegalStateException("ElasticMQ did not start: " + e, e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while starting ElasticMQ", e);
        }
    }

    public URI endpoint() {
        return URI.create("http://127.0.0.1:" + port);
    }

    public SqsClient client() {
        return SqsClient.builder().endpointOverride(endpoint()).region(Region.of(REGION))
                .credentialsProvider(StaticCredentialsProvider.create(AwsBasicCredentials.create("local", "local")))
                .httpClient(UrlConnectionHttpClient.create()).build();
    }

    private static boolean accepts(int port) {
        try (Socket s = new Socket()) {
            s.connect(new InetSocketAddress("127.0.0.1", port), 200);
            return true;
        } catch (IOException e) {
            return false;
        }
    }

    private static int freePort() throws IOException {
        try (ServerSocket socket = new ServerSocket(0)) {
            return socket.getLocalPort();
        }
    }
}
