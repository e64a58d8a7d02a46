package io.threadline.memory.opensearch;

import com.sun.net.httpserver.HttpServer;
import io.threadline.ErrorCode;
import io.threadline.ThreadlineException;
import io.threadline.memory.Embeddings;
import io.threadline.memory.MemorySettings;
import io.threadline.memory.WordEmbeddingModel;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.time.Duration;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * What an answer that is not OpenSearch's own error document becomes — a proxy or gateway in front of the
 * cluster (an IAM-signing proxy's 403, a load balancer's 502), which the client reports as a transport
 * failure: only what is worth retrying is {@code DEPENDENCY_UNAVAILABLE}; a refusal is not.
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

    private OpenSearchMemoryStore storeAnswering(int status, String body) throws IOException {
        server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 4);
        server.createContext("/", exchange -> {
            try (exchange) {
                exchange.getRequestBody().readAllBytes();
                byte[] bytes = body.getBytes(StandardCharsets.UTF_8);
                exchange.getResponseHeaders().add("Content-Type", "text/html");
                exchange.sendResponseHeaders(status, bytes.length);
                exchange.getResponseBody().write(bytes);
            }
        });
        server.start();
        URI url = URI.create("http://127.0.0.1:" + server.getAddress().getPort());
        Embeddings embeddings = new Embeddings(new WordEmbeddingModel());
        return new OpenSearchMemoryStore(OpenSearchClients.create(url, Duration.ofSeconds(5)), embeddings, MemorySettings.DEFAULT,
                new OpenSearchMemorySettings("memories", "lucene", embeddings.dimension(), 4));
    }
}
