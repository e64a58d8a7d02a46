package io.threadline.memory.opensearch;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.threadline.memory.Embeddings;
import io.threadline.memory.MemoryQuery;
import org.apache.hc.client5.http.impl.classic.CloseableHttpClient;
import org.apache.hc.client5.http.impl.classic.HttpClients;
import org.apache.hc.client5.http.impl.io.ManagedHttpClientConnectionFactory;
import org.apache.hc.client5.http.impl.io.PoolingHttpClientConnectionManagerBuilder;
import org.apache.hc.core5.http.ClassicHttpRequest;
import org.apache.hc.core5.http.ContentType;
import org.apache.hc.core5.http.config.Http1Config;
import org.apache.hc.core5.http.io.entity.ByteArrayEntity;
import org.apache.hc.core5.http.io.support.ClassicRequestBuilder;
import org.opensearch.client.opensearch.OpenSearchClient;

import java.io.BufferedInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.lang.management.ManagementFactory;
import java.lang.management.ThreadMXBean;
import java.net.HttpURLConnection;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.function.Function;

/**
 * Session 36's measurement of where a tenant-only search's time goes (bench only): one node, one index, the W2 queries,
 * every request shape sent for each query in turn (interleaved, so load hits all alike). Bodies are written by the
 * store's own code ({@link RawRequests}, {@link MemoryQueries}) so the bytes are the store's; the store itself runs
 * with and without its blocking client ({@link #asyncOnly}). Run by {@code io.threadline.bench.SearchShapesMain}
 * (bench/README.md, "Session 36").
 */
public final class SearchShapes {

    /** A request shape: its name and how it is sent; returns the answer's bytes (or null for the store). */
    public record Shape(String name, Function<Integer, byte[]> send) {}

    private final URI endpoint;
    private final String index;
    private final RawRequests raw;
    private final OpenSearchMemoryStore store;
    private final KnnSearches searches;
    private final HttpClient jdk = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();
    private final ObjectMapper json = new ObjectMapper();
    private Socket socket;
    private InputStream in;
    private OutputStream out;

    public SearchShapes(URI endpoint, String index, OpenSearchClient client, OpenSearchMemoryStore store, int efSearch) {
        this.endpoint = endpoint;
        this.index = index;
        this.raw = new RawRequests(client);
        this.store = store;
        this.searches = new KnnSearches(raw, index, efSearch);
    }

    /** The store's body for this query, as KnnSearches writes it, with {@code source} as its _source part and extras. */
    public byte[] body(MemoryQuery query, Instant now, int size, int k, String source, String extra) throws IOException {
        byte[] b = raw.json(g -> {
            g.writeStartObject();
            g.writeNumberField("size", size);
            g.writeBooleanField("seq_no_primary_term", true);
            g.writeFieldName("_source");
            g.writeRawValue(source);
            searches.writeQuery(g, Embeddings.normalized(query.vector()), k, MemoryQueries.filter(query, now));
            if (extra != null) {
                g.writeRaw("," + extra);
            }
            g.writeEndObject();
        });
        return b;
    }

    public byte[] viaJdk(byte[] body) {
        try {
            HttpResponse<byte[]> r = jdk.send(HttpRequest.newBuilder(endpoint.resolve("/" + index + "/_search"))
                    .header("Content-Type", "application/json").POST(HttpRequest.BodyPublishers.ofByteArray(body)).build(),
                    HttpResponse.BodyHandlers.ofByteArray());
            if (r.statusCode() != 200) {
                throw new IllegalStateException("HTTP " + r.statusCode() + ": " + new String(r.body(), StandardCharsets.UTF_8));
            }
            return r.body();
        } catch (IOException | InterruptedException e) {
            throw new IllegalStateException(e);
        }
    }

    /** HTTP/1.1 on one kept-alive blocking socket, read by Content-Length: the transport's floor. */
    public byte[] viaSocket(byte[] body) {
        try {
            if (socket == null) {
                socket = new Socket(endpoint.getHost(), endpoint.getPort());
                socket.setTcpNoDelay(true);
                in = new BufferedInputStream(socket.getInputStream(), 65536);
                out = socket.getOutputStream();
            }
            String head = "POST /" + index + "/_search HTTP/1.1\r\nHost: " + endpoint.getHost() + ":" + endpoint.getPort()
                    + "\r\nContent-Type: application/json\r\nContent-Length: " + body.length + "\r\n\r\n";
            byte[] h = head.getBytes(StandardCharsets.US_ASCII);
            byte[] all = Arrays.copyOf(h, h.length + body.length);
            System.arraycopy(body, 0, all, h.length, body.length);
            out.write(all);
            out.flush();
            int length = -1;
            String status = null;
            ByteArrayOutputStream line = new ByteArrayOutputStream();
            while (true) {
                int c = in.read();
                if (c == '\n') {
                    String l = line.toString(StandardCharsets.US_ASCII).trim();
                    line.reset();
                    if (status == null) {
                        status = l;
                    } else if (l.isEmpty()) {
                        break;
                    } else if (l.toLowerCase(Locale.ROOT).startsWith("content-length:")) {
                        length = Integer.parseInt(l.substring(15).trim());
                    }
                } else if (c < 0) {
                    throw new IOException("closed");
                } else {
                    line.write(c);
                }
            }
            byte[] answer = in.readNBytes(length);
            if (!status.contains(" 200")) {
                throw new IllegalStateException(status + ": " + new String(answer, StandardCharsets.UTF_8));
            }
            return answer;
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
    }

    private final CloseableHttpClient classic =
            HttpClients.custom()
                    .setConnectionManager(PoolingHttpClientConnectionManagerBuilder.create().build())
                    .disableAutomaticRetries().disableContentCompression().disableCookieManagement().disableRedirectHandling()
                    .disableAuthCaching().disableConnectionState().build();

    private final CloseableHttpClient classicBig = HttpClients.custom()
            .setConnectionManager(PoolingHttpClientConnectionManagerBuilder.create()
                    .setConnectionFactory(ManagedHttpClientConnectionFactory.builder()
                            .http1Config(Http1Config.custom().setBufferSize(65536).build()).build())
                    .build())
            .disableAutomaticRetries().disableContentCompression().disableCookieManagement().disableRedirectHandling()
            .disableAuthCaching().disableConnectionState().build();

    public byte[] viaClassicBig(byte[] body) {
        try {
            ClassicHttpRequest post = ClassicRequestBuilder.post(endpoint.resolve("/" + index + "/_search"))
                    .setEntity(new ByteArrayEntity(body, ContentType.APPLICATION_JSON)).build();
            return classicBig.execute(post, r -> r.getEntity().getContent().readAllBytes());
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
    }

    /** Apache HttpClient 5 classic (blocking I/O on the calling thread, pooled connections). */
    public byte[] viaClassic(byte[] body) {
        try {
            ClassicHttpRequest post = ClassicRequestBuilder
                    .post(endpoint.resolve("/" + index + "/_search"))
                    .setEntity(new ByteArrayEntity(body,
                            ContentType.APPLICATION_JSON)).build();
            return classic.execute(post, r -> {
                byte[] b = r.getEntity().getContent().readAllBytes();
                if (r.getCode() != 200) {
                    throw new IllegalStateException("HTTP " + r.getCode());
                }
                return b;
            });
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
    }

    /** The JDK's HttpURLConnection (blocking, its own keep-alive cache). */
    public byte[] viaUrlConnection(byte[] body) {
        try {
            HttpURLConnection c = (HttpURLConnection) endpoint.resolve("/" + index + "/_search").toURL().openConnection();
            c.setRequestMethod("POST");
            c.setDoOutput(true);
            c.setRequestProperty("Content-Type", "application/json");
            c.setFixedLengthStreamingMode(body.length);
            try (OutputStream o = c.getOutputStream()) {
                o.write(body);
            }
            if (c.getResponseCode() != 200) {
                throw new IllegalStateException("HTTP " + c.getResponseCode());
            }
            try (InputStream i = c.getInputStream()) {
                return i.readAllBytes();
            }
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
    }

    public record Figures(String name, double p50, double mean, double p95, double threadCpuUs, double tookMean, double kb) {}

    /** Each shape once per query per round, in rotating order; medians per shape. */
    public List<Figures> interleaved(List<Shape> shapes, int queries, int rounds) {
        ThreadMXBean mx = ManagementFactory.getThreadMXBean();
        Map<String, List<Double>> wall = new LinkedHashMap<>();
        Map<String, double[]> cpu = new LinkedHashMap<>();
        Map<String, double[]> took = new LinkedHashMap<>();
        Map<String, double[]> kb = new LinkedHashMap<>();
        shapes.forEach(s -> {
            wall.put(s.name(), new ArrayList<>());
            cpu.put(s.name(), new double[1]);
            took.put(s.name(), new double[2]);
            kb.put(s.name(), new double[1]);
        });
        int turn = 0;
        for (int r = 0; r < rounds; r++) {
            for (int q = 0; q < queries; q++) {
                turn++;
                for (int i = 0; i < shapes.size(); i++) {
                    Shape s = shapes.get((i + turn) % shapes.size());
                    long c0 = mx.getCurrentThreadCpuTime();
                    long t0 = System.nanoTime();
                    byte[] answer = s.send().apply(q);
                    long t1 = System.nanoTime();
                    long c1 = mx.getCurrentThreadCpuTime();
                    wall.get(s.name()).add((t1 - t0) / 1e6);
                    cpu.get(s.name())[0] += (c1 - c0) / 1e3;
                    if (answer != null) {
                        try {
                            JsonNode tree = json.readTree(answer);
                            took.get(s.name())[0] += tree.path("took").asDouble();
                            took.get(s.name())[1]++;
                            kb.get(s.name())[0] += answer.length / 1024.0;
                        } catch (IOException e) {
                            throw new IllegalStateException(e);
                        }
                    }
                }
            }
        }
        List<Figures> out = new ArrayList<>();
        for (Shape s : shapes) {
            double[] w = wall.get(s.name()).stream().mapToDouble(Double::doubleValue).sorted().toArray();
            int n = w.length;
            double[] t = took.get(s.name());
            out.add(new Figures(s.name(), w[n / 2], Arrays.stream(w).average().orElse(0), w[(int) Math.ceil(0.95 * n) - 1],
                    cpu.get(s.name())[0] / n, t[1] == 0 ? Double.NaN : t[0] / t[1], t[1] == 0 ? 0 : kb.get(s.name())[0] / t[1]));
        }
        return out;
    }

    public OpenSearchMemoryStore store() {
        return store;
    }

    /** The same client without its blocking client: every request through the asynchronous transport (main's path). */
    public static OpenSearchClient asyncOnly(OpenSearchClient client) {
        TimeLimitedTransport t = (TimeLimitedTransport) client._transport();
        return new OpenSearchClient(new TimeLimitedTransport(t.delegate, timeout(), Clock.systemUTC()));
    }

    public static Duration timeout() {
        return Duration.ofSeconds(30);
    }
}
