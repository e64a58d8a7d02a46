package io.threadline.bench;

import java.io.File;
import java.io.IOException;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

/**
 * DynamoDB Local (the jars infra/dynamodb-local/pom.xml copies to target/dynamodb-local/lib) as a separate process on a
 * free loopback port, for the benchmarks that measure the DynamoDB path: started the same way by each, so their
 * figures are comparable. Stopped by {@link #stop()} or when the JVM exits.
 */
final class DynamoDbLocalServer {

    /** How long a start may take: 600 polls, 100 ms apart. */
    private static final int START_POLLS = 600;

    final int port;
    private final Process process;

    private DynamoDbLocalServer(int port, Process process) {
        this.port = port;
        this.process = process;
    }

    /** Starts one with {@code heap} (a JVM option such as {@code -Xmx2g}) and waits until it accepts connections. */
    static DynamoDbLocalServer start(String heap) throws IOException, InterruptedException {
        int port;
        try (ServerSocket s = new ServerSocket(0)) {
            port = s.getLocalPort();
        }
        Path lib = Path.of("target/dynamodb-local/lib");
        Path log = Files.createTempFile("dynamodb-local-bench", ".log");
        Process server = new ProcessBuilder(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                heap, "-cp", lib.toAbsolutePath() + File.separator + "*",
                "io.threadline.infra.dynamodblocal.LoopbackServerRunner", "-inMemory", "-port", Integer.toString(port),
                "-disableTelemetry")).redirectErrorStream(true).redirectOutput(log.toFile()).start();
        Runtime.getRuntime().addShutdownHook(new Thread(server::destroyForcibly));
        for (int i = 0; ; i++) {
            try (Socket s = new Socket("127.0.0.1", port)) {
                return new DynamoDbLocalServer(port, server);
            } catch (IOException e) {
                if (i > START_POLLS || !server.isAlive()) {
                    throw new IllegalStateException("DynamoDB Local did not start; see " + log);
                }
                Thread.sleep(100);
            }
        }
    }

    void stop() {
        process.destroyForcibly();
    }
}
