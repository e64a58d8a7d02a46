package io.threadline.memory.opensearch;

import com.sun.net.httpserver.HttpServer;
import io.threadline.ErrorCode;
import io.threadline.InvocationDeadline;
import io.threadline.ThreadlineException;
import io.threadline.memory.Embeddings;
import io.threadline.memory.MemoryQuery;
import io.threadline.memory.MemorySettings;
import io.threadline.memory.WordEmbeddingModel;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import java.io.IOException;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.Arrays;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

import static io.threadline.DependencyAssertions.failsUnavailable;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * What an answer that is not OpenSearch's own error document becomes — a proxy or gateway in front of the
 * cluster (an IAM-signing proxy's 403, a load balancer's 502), which the client reports as a transport
 * failure: only what is worth retrying is {@code DEPENDENCY_UNAVAILABLE}; a refusal is not. Searches are sent by
 * their own blocking client ({@link BlockingHttp}), so each failure is also asserted for a search.
 */
class OpenSearchErrorMappingTest {

    private HttpServer server;

    @AfterEach
    void stop() {
        if (server != null) {
            server.stop(0);
        }
    }

    @ParameterizedTest(name = "HTTP {0} -> {1}")
    @CsvSource({"403, INTERNAL", "400, INTERNAL", "404, INTERNAL", "409, CONFLICT", "429, DEPENDENCY_UNAVAILABLE", "502, DEPENDENCY_UNAVAILABLE",
            "503, DEPENDENCY_UNAVAILABLE"})
    void aForeignErrorAnswerMapsByStatus(int status, ErrorCode expected) throws IOException {
        OpenSearchMemoryStore store = storeAnswering(status, "<html><body>denied by the proxy</body></html>");

        assertThatThrownBy(() -> store.get("acme", "m-1")).isInstanceOf(ThreadlineException.class)
                .satisfies(e -> {
                    assertThat(((ThreadlineException) e).code()).isEqualTo(expected);
                    assertThat(e.getMessage()).contains("OpenSearch");
                });
    }

    @ParameterizedTest(name = "HTTP {0} to a search -> {1}")
    @CsvSource({"403, INTERNAL", "400, INTERNAL", "404, INTERNAL", "409, CONFLICT", "429, DEPENDENCY_UNAVAILABLE", "502, DEPENDENCY_UNAVAILABLE",
            "503, DEPENDENCY_UNAVAILABLE"})
    void aForeignErrorAnswerToASearchMapsByStatus(int status, ErrorCode expected) throws IOException {
        OpenSearchMemoryStore store = storeAnswering(status, "<html><body>denied by the proxy</body></html>");

        assertThatThrownBy(() -> store.search(MemoryQuery.text("acme", "sky", 3), Instant.now())).isInstanceOf(ThreadlineException.class)
                .satisfies(e -> {
                    assertThat(((ThreadlineException) e).code()).isEqualTo(expected);
                    assertThat(e.getMessage()).contains("OpenSearch");
                    if (status != 409) {
                        assertThat(e.getMessage()).contains("HTTP " + status).contains("denied by the proxy");
                    }
                });
    }

    @Test
    void aSearchAnsweredWithAPageThatIsNotJsonIsInternal() throws IOException {
        OpenSearchMemoryStore store = storeAnswering(200, "<html><body>a captive portal</body></html>");

        assertThatThrownBy(() -> store.search(MemoryQuery.text("acme", "sky", 3), Instant.now())).isInstanceOfSatisfying(
                ThreadlineException.class, e -> {
                    assertThat(e.code()).isEqualTo(ErrorCode.INTERNAL);
                    assertThat(e.getMessage()).contains("could not read OpenSearch's answer");
                });
    }

    @Test
    void aSearchOfANodeThatIsNotThereIsDependencyUnavailable() throws IOException {
        int port;
        try (ServerSocket free = new ServerSocket(0)) {
            port = free.getLocalPort(); // closed again: nothing listens there
        }
        OpenSearchMemoryStore store = storeOn(URI.create("http://127.0.0.1:" + port), Duration.ofSeconds(5));

        failsUnavailable(() -> store.search(MemoryQuery.text("acme", "sky", 3), Instant.now()));
    }

    @Test
    void aSearchWithNoTimeLeftIsNotSentAndIsDependencyUnavailable() throws IOException {
        AtomicInteger requests = new AtomicInteger();
        OpenSearchMemoryStore store = storeAnswering(200, "{}", requests);

        failsUnavailable(() -> InvocationDeadline.within(Instant.now().plusMillis(2),
                () -> store.search(MemoryQuery.text("acme", "sky", 3), Instant.now())));

        assertThat(requests.get()).isZero();
    }

    /**
     * An answer that comes a byte at a time, each well within the read timeout: no socket timeout ends it, so only the
     * store call's hard limit does (the blocking client's timer), at the limit and not when the answer would end.
     */
    @Test
    void aSearchWhoseAnswerTricklesIsCutAtTheStoreCallsLimit() throws IOException {
        AtomicInteger sent = new AtomicInteger();
        server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 4);
        server.createContext("/", exchange -> {
            try (exchange) {
                exchange.getRequestBody().readAllBytes();
                exchange.getResponseHeaders().add("Content-Type", "application/json");
                exchange.sendResponseHeaders(200, 0);
                OutputStream out = exchange.getResponseBody();
                out.write("{\"took\":".getBytes(StandardCharsets.UTF_8)); // the parser waits for the value
                for (int i = 0; i < 600; i++) { // a minute at most
                    out.write(' ');
                    out.flush();
                    sent.incrementAndGet();
                    Thread.sleep(100);
                }
            } catch (IOException | InterruptedException e) {
                // the client went away: what the test expects
            }
        });
        server.start();
        Duration limit = Duration.ofSeconds(2);
        OpenSearchMemoryStore store = storeOn(URI.create("http://127.0.0.1:" + server.getAddress().getPort()), limit);

        Duration took = failsUnavailable(() -> store.search(MemoryQuery.text("acme", "sky", 3), Instant.now()));

        assertThat(took).isLessThan(limit.plusSeconds(5));
        assertThat(sent.get()).as("the answer was still coming when the search gave up").isGreaterThan(5);
    }

    /**
     * The path itself: while the node holds a search's answer, the caller is inside the blocking client's read, not
     * waiting for a future the transport's I/O thread completes (every other test here passes either way).
     */
    @Test
    void aSearchIsSentAndAnsweredOnTheCallingThread() throws Exception {
        CountDownLatch searched = new CountDownLatch(1);
        CountDownLatch answer = new CountDownLatch(1);
        server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 4);
        server.createContext("/", exchange -> {
            try (exchange) {
                exchange.getRequestBody().readAllBytes();
                if (exchange.getRequestURI().getPath().endsWith("/_search")) {
                    searched.countDown();
                    answer.await(10, TimeUnit.SECONDS);
                }
                byte[] bytes = "{\"took\":1,\"timed_out\":false,\"hits\":{\"hits\":[]}}".getBytes(StandardCharsets.UTF_8);
                exchange.getResponseHeaders().add("Content-Type", "application/json");
                exchange.sendResponseHeaders(200, bytes.length);
                exchange.getResponseBody().write(bytes);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        });
        server.start();
        OpenSearchMemoryStore store = storeOn(URI.create("http://127.0.0.1:" + server.getAddress().getPort()), Duration.ofSeconds(10));
        Thread caller = new Thread(() -> store.search(MemoryQuery.text("acme", "sky", 3), Instant.now()), "the-caller");
        caller.start();
        assertThat(searched.await(10, TimeUnit.SECONDS)).as("the search reached the node").isTrue();
        boolean inBlockingRead = false;
        for (int i = 0; i < 100 && !inBlockingRead; i++) {
            inBlockingRead = Arrays.stream(caller.getStackTrace()).anyMatch(f -> f.getClassName().equals(BlockingHttp.class.getName()));
            Thread.sleep(10);
        }
        answer.countDown();
        caller.join(10_000);
        assertThat(inBlockingRead).as("the calling thread waits in BlockingHttp for the answer").isTrue();
    }

    private OpenSearchMemoryStore storeAnswering(int status, String body) throws IOException {
        return storeAnswering(status, body, new AtomicInteger());
    }

    private OpenSearchMemoryStore storeAnswering(int status, String body, AtomicInteger requests) throws IOException {
        server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 4);
        server.createContext("/", exchange -> {
            requests.incrementAndGet();
            try (exchange) {
                exchange.getRequestBody().readAllBytes();
                byte[] bytes = body.getBytes(StandardCharsets.UTF_8);
                exchange.getResponseHeaders().add("Content-Type", "text/html");
                exchange.sendResponseHeaders(status, bytes.length);
                exchange.getResponseBody().write(bytes);
            }
        });
        server.start();
        return storeOn(URI.create("http://127.0.0.1:" + server.getAddress().getPort()), Duration.ofSeconds(5));
    }

    private static OpenSearchMemoryStore storeOn(URI url, Duration timeout) {
        Embeddings embeddings = new Embeddings(new WordEmbeddingModel());
        return new OpenSearchMemoryStore(OpenSearchClients.create(url, timeout), embeddings, MemorySettings.DEFAULT,
                new OpenSearchMemorySettings("memories", "lucene", embeddings.dimension(), 4));
    }
}
