package io.threadline.bench;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * Where a W2 search's time goes: the same k-NN requests as the memory store sends, written by hand and sent
 * with the JDK's HTTP client (keep-alive, HTTP/1.1), so the node's own time ({@code took}), the round trip and
 * the bytes of the answer can be read without the store's client in the way. Each request shape runs every query
 * of the set once after a warm-up; the figures are medians over the queries.
 *
 * <ul>
 *   <li><b>node</b>: the answer's {@code took} (ms, as the node reports it: query + fetch phases, integer ms);</li>
 *   <li><b>round trip</b>: request written → answer read, on loopback (node + HTTP + the node's JSON writing);</li>
 *   <li><b>parse</b>: reading the answer into a Jackson tree in this process;</li>
 *   <li>the store's own end-to-end figure minus the round trip of the shape it sends is the client's part
 *       (building the request, opensearch-java's JSON-P parsing, mapping to records, re-ranking).</li>
 * </ul>
 */
final class W2Breakdown {

    /** One request shape: how the k-NN query is written. */
    enum Shape {
        /** Before this change: the full _source (vectors included) of k·4 hits, expiry as bool/should(must_not exists, range). */
        FULL_SOURCE_EXISTS_EXPIRY,
        /** The full _source, expiry as one range on the always-present {@code expiry} field. */
        FULL_SOURCE_RANGE_EXPIRY,
        /** The store's request now: _source without the embedding, expiry as one range. */
        NO_VECTORS_RANGE_EXPIRY,
        /** As above, the old bool/should/exists expiry: what the expiry clause alone costs. */
        NO_VECTORS_EXISTS_EXPIRY,
        /** No _source at all (ids and scores): the floor of the fetch phase. */
        NO_SOURCE_RANGE_EXPIRY
    }

    private final HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();
    private final ObjectMapper json = new ObjectMapper();
    private final URI search;
    private final int candidates;

    W2Breakdown(URI endpoint, String index, int candidates) {
        this.search = endpoint.resolve("/" + index + "/_search");
        this.candidates = candidates;
    }

    String body(Shape shape, float[] vector, String tenant, String prefix, long nowMillis) {
        int k = W2Recall.K * candidates;
        StringBuilder b = new StringBuilder(8192);
        b.append("{\"size\":").append(k).append(",\"seq_no_primary_term\":true,");
        switch (shape) {
            case FULL_SOURCE_EXISTS_EXPIRY, FULL_SOURCE_RANGE_EXPIRY -> { }
            case NO_VECTORS_RANGE_EXPIRY, NO_VECTORS_EXISTS_EXPIRY -> b.append("\"_source\":{\"excludes\":[\"embedding\"]},");
            case NO_SOURCE_RANGE_EXPIRY -> b.append("\"_source\":false,");
        }
        b.append("\"query\":{\"knn\":{\"embedding\":{\"vector\":[");
        for (int i = 0; i < vector.length; i++) {
            b.append(i == 0 ? "" : ",").append(vector[i]);
        }
        b.append("],\"k\":").append(k).append(",\"filter\":{\"bool\":{\"filter\":[");
        b.append("{\"term\":{\"tenant\":\"").append(tenant).append("\"}}");
        if (prefix != null) {
            b.append(",{\"bool\":{\"minimum_should_match\":1,\"should\":[{\"term\":{\"namespace\":\"").append(prefix)
                    .append("\"}},{\"prefix\":{\"namespace\":\"").append(prefix).append("/\"}}]}}");
        }
        boolean exists = shape == Shape.FULL_SOURCE_EXISTS_EXPIRY || shape == Shape.NO_VECTORS_EXISTS_EXPIRY;
        String now = Instant.ofEpochMilli(nowMillis).toString();
        if (exists) {
            b.append(",{\"bool\":{\"minimum_should_match\":1,\"should\":[{\"bool\":{\"must_not\":[{\"exists\":{\"field\":\"expiresAt\"}}]}},")
                    .append("{\"range\":{\"expiresAt\":{\"gt\":\"").append(now).append("\"}}}]}}");
        } else {
            b.append(",{\"range\":{\"expiry\":{\"gt\":").append(nowMillis).append("}}}");
            // Current at that time (mapping version 4): the store's filter has this range too.
            b.append(",{\"range\":{\"supersededAt\":{\"gt\":").append(nowMillis).append("}}}");
        }
        b.append("]}}}}}}");
        return b.toString();
    }

    /** Medians over the set's queries of one shape. */
    record Figures(Shape shape, String set, double nodeMs, double roundTripMs, double parseMs, double answerKb) {}

    Figures measure(Shape shape, W2Recall.QuerySet set, long nowMillis, int warmup) throws IOException, InterruptedException {
        int n = set.vectors().length;
        for (int q = 0; q < Math.min(warmup, n); q++) {
            send(body(shape, set.vectors()[q], set.tenants()[q], set.prefixes()[q], nowMillis));
        }
        double[] took = new double[n];
        double[] round = new double[n];
        double[] parse = new double[n];
        double[] kb = new double[n];
        for (int q = 0; q < n; q++) {
            String body = body(shape, set.vectors()[q], set.tenants()[q], set.prefixes()[q], nowMillis);
            long t0 = System.nanoTime();
            byte[] answer = send(body);
            long t1 = System.nanoTime();
            JsonNode tree = json.readTree(answer);
            long t2 = System.nanoTime();
            if (tree.path("hits").path("hits").size() == 0) {
                throw new IllegalStateException(shape + " query " + q + " found nothing: " + new String(answer, 0,
                        Math.min(answer.length, 500), StandardCharsets.UTF_8));
            }
            took[q] = tree.path("took").asDouble();
            round[q] = (t1 - t0) / 1e6;
            parse[q] = (t2 - t1) / 1e6;
            kb[q] = answer.length / 1024.0;
        }
        return new Figures(shape, set.name(), Machine.median(took), Machine.median(round), Machine.median(parse), Machine.median(kb));
    }

    private byte[] send(String body) throws IOException, InterruptedException {
        HttpResponse<byte[]> r = http.send(HttpRequest.newBuilder(search).header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString(body)).build(), HttpResponse.BodyHandlers.ofByteArray());
        if (r.statusCode() != 200) {
            throw new IllegalStateException("HTTP " + r.statusCode() + ": " + new String(r.body(), StandardCharsets.UTF_8));
        }
        return r.body();
    }

    /** Every shape on every set; prints the table. */
    static void report(URI endpoint, String index, int candidates, List<W2Recall.QuerySet> sets, long nowMillis, int warmup)
            throws IOException, InterruptedException {
        W2Breakdown b = new W2Breakdown(endpoint, index, candidates);
        List<Figures> all = new ArrayList<>();
        for (W2Recall.QuerySet set : sets) {
            for (Shape shape : Shape.values()) {
                all.add(b.measure(shape, set, nowMillis, warmup));
            }
        }
        System.out.println();
        System.out.println("where the time goes (raw HTTP with the JDK client, medians over the queries; node = the answer's 'took'):");
        System.out.println("| query set | request shape | node (ms) | round trip (ms) | HTTP + node's JSON (ms) | parse here (ms) | answer (KiB) |");
        System.out.println("|---|---|---|---|---|---|---|");
        for (Figures f : all) {
            System.out.printf(Locale.ROOT, "| %s | %s | %.0f | %.2f | %.2f | %.2f | %.1f |%n", f.set(), label(f.shape()), f.nodeMs(),
                    f.roundTripMs(), Math.max(0, f.roundTripMs() - f.nodeMs()), f.parseMs(), f.answerKb());
        }
        for (Figures f : all) {
            System.out.printf(Locale.ROOT, "RESULT w2.breakdown.%s.%s.node_ms %.0f%n", f.set(), f.shape().name().toLowerCase(Locale.ROOT),
                    f.nodeMs());
            System.out.printf(Locale.ROOT, "RESULT w2.breakdown.%s.%s.round_trip_ms %.2f%n", f.set(),
                    f.shape().name().toLowerCase(Locale.ROOT), f.roundTripMs());
        }
    }

    private static String label(Shape s) {
        return switch (s) {
            case FULL_SOURCE_EXISTS_EXPIRY -> "before: full _source, bool/should/exists expiry";
            case FULL_SOURCE_RANGE_EXPIRY -> "full _source, range expiry";
            case NO_VECTORS_EXISTS_EXPIRY -> "_source without embedding, bool/should/exists expiry";
            case NO_VECTORS_RANGE_EXPIRY -> "now: _source without embedding, range expiry";
            case NO_SOURCE_RANGE_EXPIRY -> "floor: no _source, range expiry";
        };
    }
}
