package io.threadline.memory.opensearch;

import java.io.File;
import java.io.IOException;
import java.net.ServerSocket;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * A real single-node OpenSearch with the k-NN plugin — 2.19.1, or 3.5.0 when {@code OPENSEARCH_VERSION=3.5.0} is
 * set for the build (infra/opensearch/env) — lucene engine only: the Maven Central zips
 * carry no faiss/nmslib native libraries; started once per test JVM on free local ports and stopped when
 * the JVM exits. It runs as a separate process under the system user {@code opensearch} (OpenSearch refuses
 * root), through the project's own scripts: {@code infra/opensearch/prepare} (a no-op once the build ran it)
 * and {@code infra/opensearch/start}. If it cannot start, the tests that need it fail with the node's log:
 * they never skip.
 */
public final class OpenSearchNode {

    private static final Path SCRIPTS = Path.of("infra", "opensearch");
    private static final Path LOGS = Path.of("target");
    /** The first preparation downloads about 57 MB and resolves lang-painless. */
    private static final Duration PREPARE_TIMEOUT = Duration.ofMinutes(10);
    /** The start script gives up after 120 s itself; this only guards against a hung script. */
    private static final Duration START_TIMEOUT = Duration.ofMinutes(3);
    private static final Duration STOP_TIMEOUT = Duration.ofMinutes(1);

    private static OpenSearchNode instance;
    private static IllegalStateException failure;
    private static OpenSearchNode separate;
    /** Where {@link #separate()} records its node's port, for code of the same JVM under another class loader. */
    private static final String SEPARATE_PORT = "test.opensearch.separate-port";

    private final int port;

    private OpenSearchNode(int port) {
        this.port = port;
    }

    /** The node of this test JVM, started on first use; throws {@link IllegalStateException} if it cannot start. */
    public static synchronized OpenSearchNode get() {
        if (failure != null) {
            // Don't retry a two-minute failed start for every test class; report the first cause again.
            throw new IllegalStateException(failure.getMessage(), failure);
        }
        if (instance == null) {
            try {
                instance = start();
            } catch (IllegalStateException e) {
                failure = e;
                throw e;
            }
            OpenSearchNode started = instance;
            Runtime.getRuntime().addShutdownHook(new Thread(started::stop, "opensearch-node-stop"));
        }
        return instance;
    }

    /** Stops the node {@link #get()} started in this class loader, if any; the next {@code get()} starts another. */
    public static synchronized void stopShared() {
        if (instance != null) {
            instance.stop();
            instance = null;
        }
    }

    /**
     * A second node of this test JVM, for tests that stop it ({@link #freeze()}): stopping the shared node would
     * fail whatever other test class of the JVM uses it meanwhile. Started on first use (20–40 s on two cores),
     * stopped when the JVM exits.
     */
    public static synchronized OpenSearchNode separate() {
        String known = System.getProperty(SEPARATE_PORT);
        if (separate == null && known != null) {
            // Started by this JVM's code under another class loader (Quarkus tests): the same node.
            separate = new OpenSearchNode(Integer.parseInt(known));
        }
        if (separate == null) {
            separate = start();
            OpenSearchNode started = separate;
            Runtime.getRuntime().addShutdownHook(new Thread(started::stop, "opensearch-separate-node-stop"));
            System.setProperty(SEPARATE_PORT, Integer.toString(started.port));
        }
        return separate;
    }

    /**
     * Stops the node's JVM (SIGSTOP), as a hung host would be: its port still accepts connections (the kernel
     * completes them) but nothing is read or answered until {@link #thaw()}.
     */
    public void freeze() {
        signal("STOP");
    }

    /** Resumes the node stopped by {@link #freeze()} (SIGCONT). */
    public void thaw() {
        signal("CONT");
    }

    private void signal(String name) {
        // The node's pid is in the pid file infra/opensearch/start gave it ($OPENSEARCH_NODES/PORT/opensearch.pid).
        run("send SIG" + name + " to the OpenSearch node on port " + port, Duration.ofSeconds(30),
                LOGS.resolve("opensearch-signal-" + port + ".log"), "bash", "-c",
                ". infra/opensearch/env && kill -" + name + " \"$(cat \"$OPENSEARCH_NODES/" + port + "/opensearch.pid\")\"");
    }

    public URI endpoint() {
        return URI.create("http://127.0.0.1:" + port);
    }

    public int port() {
        return port;
    }

    private static OpenSearchNode start() {
        if (!Files.isRegularFile(SCRIPTS.resolve("start"))) {
            throw new IllegalStateException("infra/opensearch/start is not in " + Path.of("").toAbsolutePath()
                    + "; run the tests from the project folder (mvn test)");
        }
        int[] ports = freePorts(2);
        int http = ports[0];
        int transport = ports[1];
        run("prepare OpenSearch", PREPARE_TIMEOUT, LOGS.resolve("opensearch-prepare.log"),
                "bash", SCRIPTS.resolve("prepare").toString());
        run("start OpenSearch on port " + http, START_TIMEOUT, LOGS.resolve("opensearch-start-" + http + ".log"),
                "bash", SCRIPTS.resolve("start").toString(), Integer.toString(http), Integer.toString(transport));
        return new OpenSearchNode(http);
    }

    private void stop() {
        try {
            run("stop OpenSearch on port " + port, STOP_TIMEOUT, LOGS.resolve("opensearch-stop-" + port + ".log"),
                    "bash", SCRIPTS.resolve("stop").toString(), Integer.toString(port));
        } catch (IllegalStateException e) {
            System.err.println(e.getMessage());
        }
    }

    /** Runs a script to its end with its output in a file (the daemon it starts keeps a pipe open for ever). */
    private static void run(String what, Duration timeout, Path log, String... command) {
        try {
            Files.createDirectories(log.getParent());
            Process process = new ProcessBuilder(command)
                    .redirectErrorStream(true)
                    .redirectOutput(log.toFile())
                    .redirectInput(ProcessBuilder.Redirect.from(new File("/dev/null")))
                    .start();
            if (!process.waitFor(timeout.toSeconds(), TimeUnit.SECONDS)) {
                process.destroyForcibly();
                throw new IllegalStateException("could not " + what + ": no answer within " + timeout.toSeconds()
                        + " s. " + tail(log));
            }
            if (process.exitValue() != 0) {
                throw new IllegalStateException("could not " + what + " (" + String.join(" ", command) + " exited with "
                        + process.exitValue() + "). " + tail(log));
            }
        } catch (IOException e) {
            throw new IllegalStateException("could not " + what + ": " + e, e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while trying to " + what, e);
        }
    }

    private static String tail(Path log) {
        try {
            List<String> lines = Files.readAllLines(log, StandardCharsets.UTF_8);
            return "Output (" + log.toAbsolutePath() + "):\n"
                    + String.join("\n", lines.subList(Math.max(0, lines.size() - 60), lines.size()));
        } catch (IOException e) {
            return "No output could be read from " + log.toAbsolutePath() + ": " + e;
        }
    }

    /** Distinct free ports, held open together so that they differ. */
    private static int[] freePorts(int count) {
        List<ServerSocket> sockets = new ArrayList<>();
        try {
            int[] ports = new int[count];
            for (int i = 0; i < count; i++) {
                ServerSocket socket = new ServerSocket(0);
                sockets.add(socket);
                ports[i] = socket.getLocalPort();
            }
            return ports;
        } catch (IOException e) {
            throw new IllegalStateException("no free local port for OpenSearch: " + e, e);
        } finally {
            for (ServerSocket socket : sockets) {
                try {
                    socket.close();
                } catch (IOException ignored) {
                    // the port is free again either way
                }
            }
        }
    }
}
