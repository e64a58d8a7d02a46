package io.threadline.testing;

import java.io.File;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.function.IntFunction;

/**
 * A server that tests and benchmarks run as a separate Java process on a free port of 127.0.0.1 (DynamoDB Local,
 * ElasticMQ): started from the jars the build copied, waited for until its port accepts connections, and destroyed
 * when the JVM exits ({@code port}, {@code process}: the server started). If it cannot start, the caller gets an exception that says why (with the server's output):
 * tests that need it fail, never skip.
 */
public record LocalServerProcess(int port, ProcessHandle process) {

    /** How long a server may take to open its port (a loaded machine with several builds at once). */
    private static final Duration START_TIMEOUT = Duration.ofSeconds(60);

    /**
     * The folder of a server's jars: system property {@code property} when set, else {@code folder} — refused when
     * missing, since only the Maven build copies them there.
     */
    public static Path jars(String name, String property, String folder) {
        Path lib = Path.of(System.getProperty(property, folder));
        if (!Files.isDirectory(lib)) {
            throw new IllegalStateException(name + "'s jars are not in " + lib.toAbsolutePath()
                    + "; run the tests through Maven (mvn verify), which copies them there");
        }
        return lib;
    }

    /** The class path of every jar in {@code lib}, as {@code java -cp} reads it. */
    public static String classPath(Path lib) {
        return lib.toAbsolutePath() + File.separator + "*";
    }

    /**
     * Starts {@code java} with the arguments {@code arguments} gives for a free port, and waits until that port
     * accepts connections; the server's output goes to a temporary file, quoted when it exits or does not open
     * its port in time.
     */
    public static LocalServerProcess start(String name, IntFunction<List<String>> arguments) {
        try {
            int port = freePort();
            Path log = Files.createTempFile(name.toLowerCase().replace(' ', '-') + "-", ".log");
            List<String> command = new ArrayList<>();
            command.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
            command.addAll(arguments.apply(port));
            Process process = new ProcessBuilder(command).redirectErrorStream(true).redirectOutput(log.toFile()).start();
            Runtime.getRuntime().addShutdownHook(new Thread(process::destroyForcibly));
            long deadline = System.nanoTime() + START_TIMEOUT.toNanos();
            while (!accepts(port)) {
                if (!process.isAlive()) {
                    throw new IllegalStateException(name + " exited: " + Files.readString(log));
                }
                if (System.nanoTime() > deadline) {
                    process.destroyForcibly();
                    throw new IllegalStateException(name + " did not open port " + port + " in " + START_TIMEOUT.toSeconds() + " s: "
                            + Files.readString(log));
                }
                Thread.sleep(50);
            }
            return new LocalServerProcess(port, process.toHandle());
        } catch (IOException e) {
            throw new IllegalStateException(name + " did not start: " + e, e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while starting " + name, e);
        }
    }

    public URI endpoint() {
        return URI.create("http://127.0.0.1:" + port);
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
