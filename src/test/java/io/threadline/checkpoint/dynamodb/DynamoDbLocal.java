package io.threadline.checkpoint.dynamodb;

import io.threadline.testing.LocalServerProcess;
import software.amazon.awssdk.auth.credentials.AwsBasicCredentials;
import software.amazon.awssdk.auth.credentials.StaticCredentialsProvider;
import software.amazon.awssdk.http.urlconnection.UrlConnectionHttpClient;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.services.dynamodb.DynamoDbClient;
import software.amazon.awssdk.services.dynamodb.DynamoDbClientBuilder;

import java.io.IOException;
import java.net.URI;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * A real DynamoDB Local (Maven Central's DynamoDBLocal, jars copied by the build into
 * target/dynamodb-local/lib) as a separate process on a free port of 127.0.0.1 (through
 * infra/dynamodb-local's LoopbackServerRunner: DynamoDB Local's own runner listens on every interface), started once per test JVM
 * and stopped when it exits. It runs apart because the application's dependency versions break it
 * in-process. If it cannot start, tests that need it fail: the contract suite never skips.
 */
public final class DynamoDbLocal {

    public static final String REGION = "us-east-1";
    public static final String ACCESS_KEY = "local";
    public static final String SECRET_KEY = "local";

    private static DynamoDbLocal instance;

    /** Where {@link #separate()} records its server, for code of the same JVM under another class loader (Quarkus tests). */
    private static final String SEPARATE = "test.dynamodb-local.separate";

    private static DynamoDbLocal separate;

    private final int port;
    private final ProcessHandle process;

    private DynamoDbLocal(int port, ProcessHandle process) {
        this.port = port;
        this.process = process;
    }

    public static synchronized DynamoDbLocal get() {
        if (instance == null) {
            instance = start();
        }
        return instance;
    }

    /**
     * Stops the server {@link #get()} started in this class loader, if any; the next {@code get()} starts another.
     * For Quarkus tests ({@code DynamoDbLocalResource}), whose code runs in a class loader per application start.
     */
    public static synchronized void stopShared() {
        if (instance != null) {
            instance.stop();
            instance = null;
        }
    }

    /**
     * A DynamoDB Local of the caller's own, not the shared one: for tests that stop it ({@link #freeze()}) or
     * kill it, which would break every other test of the JVM on the shared one. Stopped when the JVM exits, or
     * by {@link #stop()}. {@link #separate()} is one such server shared by the JVM's tests that freeze it
     * (and never stop it); {@link #startSeparate()} starts one for the caller alone.
     */
    public static synchronized DynamoDbLocal separate() {
        if (separate == null) {
            String known = System.getProperty(SEPARATE);
            if (known != null) {
                // Started by this JVM's code under another class loader: the same server.
                String[] portAndPid = known.split(":");
                separate = new DynamoDbLocal(Integer.parseInt(portAndPid[0]),
                        ProcessHandle.of(Long.parseLong(portAndPid[1])).orElseThrow());
            } else {
                separate = startSeparate();
                System.setProperty(SEPARATE, separate.port + ":" + separate.process.pid());
            }
        }
        return separate;
    }

    public static DynamoDbLocal startSeparate() {
        return start();
    }

    /**
     * Stops the server's process (SIGSTOP) as a hung host would be: its port still accepts connections (the
     * kernel completes them), but nothing reads or answers until {@link #thaw()}.
     */
    public void freeze() {
        signal("STOP");
    }

    /** Resumes the process stopped by {@link #freeze()} (SIGCONT). */
    public void thaw() {
        signal("CONT");
    }

    public void stop() {
        thaw();
        process.destroyForcibly();
    }

    private void signal(String name) {
        try {
            Process kill = new ProcessBuilder("kill", "-" + name, Long.toString(process.pid())).inheritIO().start();
            if (!kill.waitFor(10, TimeUnit.SECONDS) || kill.exitValue() != 0) {
                throw new IllegalStateException("kill -" + name + " " + process.pid() + " failed");
            }
        } catch (IOException e) {
            throw new IllegalStateException("could not signal DynamoDB Local: " + e, e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while signalling DynamoDB Local", e);
        }
    }

    private static DynamoDbLocal start() {
        return start("-Xmx512m");
    }

    /**
     * A DynamoDB Local of the caller's own with {@code heap} (a JVM option such as {@code -Xmx2g}), stopped when the
     * JVM exits or by {@link #stop()}: the benchmarks start theirs this way, with the heap their workload needs.
     */
    public static DynamoDbLocal start(String heap) {
        Path lib = LocalServerProcess.jars("DynamoDB Local", "test.dynamodb-local.lib", "target/dynamodb-local/lib");
        LocalServerProcess server = LocalServerProcess.start("DynamoDB Local", port -> List.of(heap, "-cp", LocalServerProcess.classPath(lib),
                "io.threadline.infra.dynamodblocal.LoopbackServerRunner", "-inMemory", "-port", Integer.toString(port), "-disableTelemetry"));
        return new DynamoDbLocal(server.port(), server.process());
    }

    public URI endpoint() {
        return URI.create("http://127.0.0.1:" + port);
    }

    public int port() {
        return port;
    }

    /** A client builder pointed at this server, with the credentials and region every client shares. */
    public DynamoDbClientBuilder clientBuilder() {
        return DynamoDbClient.builder()
                .endpointOverride(endpoint())
                .region(Region.of(REGION))
                .credentialsProvider(StaticCredentialsProvider.create(AwsBasicCredentials.create(ACCESS_KEY, SECRET_KEY)))
                .httpClient(UrlConnectionHttpClient.create());
    }
}
