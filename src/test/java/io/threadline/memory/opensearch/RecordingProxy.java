package io.threadline.memory.opensearch;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;

import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;

/**
 * A small HTTP proxy on a loopback port in front of a real OpenSearch node: it records each request as it arrived
 * (method, path and query, headers, body) and forwards it unchanged but for the hop-by-hop headers, then hands the
 * node's answer back as it came. The signing tests read the recorded signature headers; the node's answers prove
 * the signed requests went through.
 */
public final class RecordingProxy implements AutoCloseable {

    /** One request as the proxy received it; header names in lower case. */
    public record Recorded(String method, String pathAndQuery, Map<String, String> headers, byte[] body) {}

    /** Set by the JDK HTTP client itself, or hop-by-hop: not forwarded. */
    private static final Set<String> NOT_FORWARDED = Set.of("host", "content-length", "connection", "expect", "upgrade",
            "transfer-encoding", "keep-alive");

    private final List<Recorded> requests = new CopyOnWriteArrayList<>();
    private final HttpServer server;
    // HTTP/1.1 as the store's client speaks: the JDK client otherwise asks for an h2c upgrade, which OpenSearch 3.x
    // grants, and its answers then carry HTTP/2's ":status" pseudo-header, which forwarded is no HTTP/1.1 header.
    private final HttpClient client = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
            .connectTimeout(Duration.ofSeconds(5)).build();
    private final URI target;

    private RecordingProxy(URI target) throws IOException {
        this.target = target;
        server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
        server.createContext("/", this::forward);
        server.setExecutor(Executors.newFixedThreadPool(4));
        server.start();
    }

    /** A proxy to {@code target} (e.g. {@code http://127.0.0.1:9200}). */
    public static RecordingProxy to(URI target) {
        try {
            return new RecordingProxy(target);
        } catch (IOException e) {
            throw new IllegalStateException("cannot open a loopback port for the recording proxy", e);
        }
    }

    public URI endpoint() {
        return URI.create("http://127.0.0.1:" + server.getAddress().getPort());
    }

    public List<Recorded> requests() {
        return List.copyOf(requests);
    }

    public void clear() {
        requests.clear();
    }

    private final Map<String, byte[]> fixed = new ConcurrentHashMap<>();

    /**
     * Answers a request for exactly {@code path} itself with {@code json} (HTTP 200) instead of forwarding it: what a
     * node could answer that the local one cannot be brought to (a task id a restarted node gave to another task).
     */
    public RecordingProxy answering(String path, String json) {
        fixed.put(path, json.getBytes(StandardCharsets.UTF_8));
        return this;
    }

    private void forward(HttpExchange exchange) throws IOException {
        try (exchange) {
            byte[] body = exchange.getRequestBody().readAllBytes();
            Map<String, String> headers = new TreeMap<>();
            exchange.getRequestHeaders().forEach((name, values) -> headers.put(name.toLowerCase(Locale.ROOT), String.join(",", values)));
            String pathAndQuery = exchange.getRequestURI().getRawPath()
                    + (exchange.getRequestURI().getRawQuery() == null ? "" : "?" + exchange.getRequestURI().getRawQuery());
            requests.add(new Recorded(exchange.getRequestMethod(), pathAndQuery, Map.copyOf(headers), body));
            byte[] own = fixed.get(exchange.getRequestURI().getRawPath());
            if (own != null) {
                exchange.getResponseHeaders().add("Content-Type", "application/json");
                exchange.sendResponseHeaders(200, own.length);
                exchange.getResponseBody().write(own);
                return;
            }

            HttpRequest.Builder out = HttpRequest.newBuilder(target.resolve(pathAndQuery)).timeout(Duration.ofSeconds(30))
                    .method(exchange.getRequestMethod(), body.length == 0 ? HttpRequest.BodyPublishers.noBody()
                            : HttpRequest.BodyPublishers.ofByteArray(body));
            headers.forEach((name, value) -> {
                if (!NOT_FORWARDED.contains(name)) {
                    out.header(name, value);
                }
            });
            HttpResponse<byte[]> answer;
            try {
                answer = client.send(out.build(), HttpResponse.BodyHandlers.ofByteArray());
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IOException("interrupted while forwarding", e);
            }
            answer.headers().map().forEach((name, values) -> {
                if (!NOT_FORWARDED.contains(name.toLowerCase(Locale.ROOT))) {
                    exchange.getResponseHeaders().put(name, values);
                }
            });
            byte[] bytes = answer.body();
            boolean noBody = "HEAD".equals(exchange.getRequestMethod()) || bytes.length == 0;
            exchange.sendResponseHeaders(answer.statusCode(), noBody ? -1 : bytes.length);
            if (!noBody) {
                exchange.getResponseBody().write(bytes);
            }
        }
    }

    @Override
    public void close() {
        server.stop(0);
        ((ExecutorService) server.getExecutor()).shutdownNow();
    }
}
