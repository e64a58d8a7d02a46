package io.threadline.checkpoint.dynamodb;

import software.amazon.awssdk.auth.credentials.AwsBasicCredentials;
import software.amazon.awssdk.auth.credentials.StaticCredentialsProvider;
import software.amazon.awssdk.http.urlconnection.UrlConnectionHttpClient;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.services.dynamodb.DynamoDbClient;
import software.amazon.awssdk.services.dynamodb.DynamoDbClientBuilder;

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
            Runtime.getRuntime().addShutdownHook(new Thread(instance.process::destroyForcibly));
        }
        return instance;
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
        DynamoDbLocal separate = start();
        Runtime.getRuntime().addShutdownHook(new Thread(separate.process::destroyForcibly));
        return separate;
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
        Path lib = Path.of(System.getProperty("test.dynamodb-local.lib", "target/dynamodb-local/lib"));
        if (!Files.isDirectory(lib)) {
            throw new IllegalStateException("DynamoDB Local's jars are not in " + lib.toAbsolutePath()
                    + "; run the tests through Maven (mvn verify), which copies them there");
        }
        try {
            int port = freePort();
            Path log = Files.createTempFile("dynamodb-local-", ".log");
            String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
            Process process = new ProcessBuilder(List.of(java, "-Xmx512m", "-cp", lib.toAbsolutePath() + File.separator + "*",
                    "io.threadline.infra.dynamodblocal.LoopbackServerRunner",
                    "-inMemory", "-port", Integer.toString(port), "-disableTelemetry"))
                    .redirectErrorStream(true)
                    .redirectOutput(log.toFile())
                    .start();
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
            while (!accepts(port)) {
                if (!process.isAlive()) {
                    throw new IllegalStateException("DynamoDB Local exited: " + Files.readString(log));
                }
                if (System.nanoTime() > deadline) {
                    process.destroyForcibly();
                    throw new IllegalStateException("DynamoDB Local did not open port " + port + " in 60 s: " + Files.readString(log));
                }
                Thread.sleep(50);
            }
            return new DynamoDbLocal(port, process.toHandle());
        } catch (IOException e) {
            throw new IllegalStateException("DynamoDB Local did not start: " + e, e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while starting DynamoDB Local", e);
        }
    }

    private static boolean accepts(int port) {
        try (Socket s = new Socket()) {
            s.connect(new InetSocketAddress("127.0.0.1", port), 200);
            return true;
        } catch (IOException e) {
            return false;
        }
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

    private static int freePort() throws IOException {
        try (ServerSocket socket = new ServerSocket(0)) {
            return socket.getLocalPort();
        }
    }
}
