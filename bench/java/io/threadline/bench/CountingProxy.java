package io.threadline.bench;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.Executors;
import java.util.function.Function;

/**
 * A loopback HTTP proxy in front of a local service that counts the requests passing through, by a label
 * (the DynamoDB operation, or OpenSearch's method and path) and by phase (before or after the process
 * asked for its first invocation). It is how the cold start benchmark shows what start-up does and does
 * not do: no table creation or scan, no index creation, no call at all before the first invocation.
 */
final class CountingProxy {

    /** Headers java.net.http sets itself. */
    private static final Set<String> RESTRICTED = Set.of("connection", "content-length", "expect", "host", "upgrade",
            "transfer-encoding", "keep-alive");

    private final HttpServer server;
    private final HttpClient client = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();
    private final URI target;
    private final Function<HttpExchange, String> label;
    private final Map<String, Integer> counts = new TreeMap<>();
    private volatile String phase = "init";

    CountingProxy(URI target, Function<HttpExchange, String> label) throws IOException {
        this.target = target;
        this.label = label;
        this.server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 64);
        server.setExecutor(Executors.newCachedThreadPool(r -> {
            Thread t = new Thread(r, "counting-proxy");
            t.setDaemon(true);
            return t;
        }));
        server.createContext("/", this::forward);
        server.start();
    }

    /** The DynamoDB operation of a request (its X-Amz-Target, e.g. {@code TransactWriteItems}). */
    static String dynamoDbOperation(HttpExchange e) {
        String t = e.getRequestHeaders().getFirst("X-Amz-Target");
        return t == null ? e.getRequestMethod() + " " + e.getRequestURI().getPath() : t.substring(t.indexOf('.') + 1);
    }

    /** An OpenSearch request as method and path ({@code POST /threadline-memories/_search}). */
    static String openSearchRequest(HttpExchange e) {
        return e.getRequestMethod() + " " + e.getRequestURI().getPath();
    }

    String address() {
        return "http://127.0.0.1:" + server.getAddress().getPort();
    }

    /** Starts counting a new process: every request is "init" until {@link #invoked()}. */
    synchronized void reset() {
        counts.clear();
        phase = "init";
    }

    void invoked() {
        phase = "invocation";
    }

    /** {@code phase: label×n, …}, or {@code none}. */
    synchronized String summary(String phaseName) {
        StringBuilder out = new StringBuilder();
        counts.forEach((key, n) -> {
            if (key.startsWith(phaseName + " ")) {
                out.append(out.length() == 0 ? "" : ", ").append(key.substring(phaseName.length() + 1)).append(" ×").append(n);
            }
        });
        return out.length() == 0 ? "none" : out.toString();
    }

    synchronized int total(String phaseName) {
        return counts.entrySet().stream().filter(e -> e.getKey().startsWith(phaseName + " ")).mapToInt(Map.Entry::getValue).sum();
    }

    void stop() {
        server.stop(0);
    }

    private void forward(HttpExchange exchange) throws IOException {
        try (exchange) {
            synchronized (this) {
                counts.merge(phase + " " + label.apply(exchange), 1, Integer::sum);
            }
            byte[] body = exchange.getRequestBody().readAllBytes();
            HttpRequest.Builder request = HttpRequest.newBuilder(target.resolve(exchange.getRequestURI().toString()))
                    .method(exchange.getRequestMethod(), body.length == 0 ? HttpRequest.BodyPublishers.noBody()
                            : HttpRequest.BodyPublishers.ofByteArray(body));
            exchange.getRequestHeaders().forEach((name, values) -> {
                if (!RESTRICTED.contains(name.toLowerCase())) {
                    values.forEach(v -> request.header(name, v));
                }
            });
            HttpResponse<byte[]> response;
            try {
                response = client.send(request.build(), HttpResponse.BodyHandlers.ofByteArray());
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                exchange.sendResponseHeaders(502, -1);
                return;
            }
            response.headers().map().forEach((name, values) -> {
                if (!RESTRICTED.contains(name.toLowerCase()) && !name.startsWith(":")) {
                    exchange.getResponseHeaders().put(name, List.copyOf(values));
                }
            });
            byte[] out = response.body();
            boolean noBody = "HEAD".equals(exchange.getRequestMethod()) || out.length == 0;
            exchange.sendResponseHeaders(response.statusCode(), noBody ? -1 : out.length);
            if (!noBody) {
                exchange.getResponseBody().write(out);
            }
        }
    }
}
