package io.threadline.memory.opensearch;

import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.net.URI;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The searches' blocking client against a server that accepts connections and never answers (what a frozen node
 * looks like from the client): however early or late in a request its time runs out — waiting for a connection of
 * the pool, connecting, sending, waiting for the answer — the request fails with a {@link SocketTimeoutException}
 * or another IOException (the store's DEPENDENCY_UNAVAILABLE), never with the HTTP client's own runtime exception for
 * an aborted step.
 */
class BlockingHttpTest {

    @Test
    void aRequestCutAtAnyStepFailsAsATimeout() throws Exception {
        List<Socket> accepted = new CopyOnWriteArrayList<>();
        try (ServerSocket silent = new ServerSocket(0, 50, InetAddress.getLoopbackAddress());
             BlockingHttp http = new BlockingHttp(URI.create("http://127.0.0.1:" + silent.getLocalPort()), Duration.ofSeconds(5),
                     Duration.ofSeconds(1))) {
            Thread acceptor = new Thread(() -> {
                try {
                    while (true) {
                        accepted.add(silent.accept()); // kept open, never read or answered
                    }
                } catch (IOException e) {
                    // the server socket closed: the test is over
                }
            });
            acceptor.setDaemon(true);
            acceptor.start();
            // Limits from 10 to 59 ms, from many threads at once (more than the pool's 10 connections), so cuts land
            // while requests wait for a connection, connect, send and wait for the answer.
            List<Throwable> failures = new CopyOnWriteArrayList<>();
            List<Thread> callers = new ArrayList<>();
            for (int t = 0; t < 16; t++) {
                int offset = t;
                Thread caller = new Thread(() -> {
                    for (int ms = 10 + offset % 4; ms < 60; ms += 4) {
                        try {
                            http.post("/memories/_search", "{}".getBytes(), RawRequests.JSON, Duration.ofMillis(ms),
                                    (status, in) -> status);
                            failures.add(new AssertionError("a request to a silent server was answered"));
                        } catch (Throwable e) {
                            failures.add(e);
                        }
                    }
                });
                callers.add(caller);
                caller.start();
            }
            for (Thread caller : callers) {
                caller.join(60_000);
            }
            // An IOException is what the store maps to DEPENDENCY_UNAVAILABLE (StoreCalls); a runtime exception escapes it.
            assertThat(failures).hasSize(200).allSatisfy(e -> assertThat(e).isInstanceOf(IOException.class));
            assertThat(failures).anySatisfy(e -> assertThat(e).isInstanceOf(SocketTimeoutException.class)
                    .hasMessageStartingWith("no answer within"));
        } finally {
            for (Socket s : accepted) {
                s.close();
            }
        }
    }
}
