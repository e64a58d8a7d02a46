package io.threadline.memory.opensearch;

import com.fasterxml.jackson.core.JacksonException;
import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.opensearch.client.json.JsonpMapper;
import org.opensearch.client.json.JsonpSerializable;
import org.opensearch.client.json.jackson.JacksonJsonpGenerator;
import org.opensearch.client.json.jackson.JacksonJsonpMapper;
import org.opensearch.client.opensearch.OpenSearchClient;
import org.opensearch.client.opensearch.generic.Body;
import org.opensearch.client.opensearch.generic.OpenSearchGenericClient;
import org.opensearch.client.opensearch.generic.Requests;
import org.opensearch.client.opensearch.generic.Response;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;

/**
 * Requests whose bodies are written here with a Jackson generator and whose answers are read with a Jackson
 * streaming parser, sent through the client's own transport (its generic client: the same connection pool, time
 * limits and signing as every other request). For the requests that carry vectors — a k-NN search's 384 floats —
 * opensearch-java's builders box every component and its JSON-P layer reads the whole answer into a generic
 * structure first; that was the largest part of a search's client time (bench/README.md, "Where a search's time
 * goes").
 */
final class RawRequests {

    static final String JSON = "application/json";
    static final String NDJSON = "application/x-ndjson";

    /** Reads an answer from a parser positioned before its first token. */
    @FunctionalInterface
    interface Answer<T> {
        T read(JsonParser parser) throws IOException;
    }

    /** Writes a request body. */
    @FunctionalInterface
    interface Writer {
        void write(JsonGenerator generator) throws IOException;
    }

    /** An answer of HTTP 400 or above, with its status, for the store's error mapping. */
    static final class StatusException extends IOException {
        private final int status;

        StatusException(int status, String message) {
            super(message);
            this.status = status;
        }

        int status() {
            return status;
        }
    }

    private final OpenSearchGenericClient generic;
    /** The client's time limits and blocking client, when it has them ({@link OpenSearchClients#create}); else null. */
    private final TimeLimitedTransport limited;
    private final JsonpMapper jsonp;
    private final ObjectMapper mapper;
    private final JsonFactory factory;

    RawRequests(OpenSearchClient client) {
        this.generic = client.generic();
        this.limited = client._transport() instanceof TimeLimitedTransport t && t.blocking() != null ? t : null;
        this.jsonp = client._transport().jsonpMapper();
        // OpenSearchClients always builds a Jackson mapper; a client built elsewhere gets one with the same settings.
        this.mapper = jsonp instanceof JacksonJsonpMapper jackson ? jackson.objectMapper() : OpenSearchClients.objectMapper();
        this.factory = mapper.getFactory();
    }

    ObjectMapper mapper() {
        return mapper;
    }

    /** A body of one JSON document. */
    byte[] json(Writer writer) throws IOException {
        ByteArrayOutputStream out = new ByteArrayOutputStream(4096);
        try (JsonGenerator g = factory.createGenerator(out)) {
            writer.write(g);
        }
        return out.toByteArray();
    }

    /** A body of newline-delimited JSON documents ({@code _msearch}, {@code _bulk}): each writer call adds lines. */
    byte[] ndjson(List<Writer> lines) throws IOException {
        ByteArrayOutputStream out = new ByteArrayOutputStream(4096 * Math.max(1, lines.size()));
        for (Writer line : lines) {
            try (JsonGenerator g = factory.createGenerator(out)) {
                g.disable(JsonGenerator.Feature.AUTO_CLOSE_TARGET);
                line.write(g);
            }
            out.write('\n');
        }
        return out.toByteArray();
    }

    /** Writes an opensearch-java object (a query built with its builders) into a hand-written body. */
    void write(JsonGenerator g, JsonpSerializable value) {
        JacksonJsonpGenerator wrapped = new JacksonJsonpGenerator(g);
        value.serialize(wrapped, jsonp);
        wrapped.flush();
    }

    /**
     * POSTs {@code body} to {@code path} and reads the answer. An answer of HTTP 400 or above is a {@link StatusException};
     * an answer that is not JSON (a proxy's page) fails as the typed client's would, with the parser's exception inside.
     */
    <T> T post(String path, Map<String, String> parameters, byte[] body, String contentType, Answer<T> answer) throws IOException {
        return send("POST", path, parameters, Body.from(body, contentType), answer);
    }

    /**
     * As {@link #post}, sent and answered on the calling thread when the client has a blocking client of its endpoint
     * ({@link BlockingHttp}: unsigned endpoints), within what is left of the store call; else as {@link #post}. For the
     * searches, whose round trip is short enough that the transport's hand-offs between threads (and the gzip answers
     * it asks for) are a large part of it.
     */
    <T> T postOnCallingThread(String path, byte[] body, String contentType, Answer<T> answer) throws IOException {
        if (limited == null) {
            return post(path, Map.of(), body, contentType, answer);
        }
        return limited.blocking().post(path, body, contentType, limited.forNextRequest(), (status, in) -> read(path, status, in, answer));
    }

    /** GETs {@code path} and reads the answer, as {@link #post} does. */
    <T> T get(String path, Answer<T> answer) throws IOException {
        return send("GET", path, Map.of(), null, answer);
    }

    private <T> T send(String method, String path, Map<String, String> parameters, Body body, Answer<T> answer) throws IOException {
        try (Response response = generic.execute(Requests.create(method, path, List.of(), parameters, body))) {
            return read(path, response.getStatus(), response.getBody().map(Body::body).orElse(InputStream.nullInputStream()), answer);
        }
    }

    private <T> T read(String path, int status, InputStream in, Answer<T> answer) throws IOException {
        if (status >= 400) {
            byte[] start = in.readNBytes(1000);
            throw new StatusException(status, "HTTP " + status + " from " + path + ": " + new String(start, StandardCharsets.UTF_8));
        }
        try (JsonParser parser = factory.createParser(in)) {
            return answer.read(parser);
        } catch (JacksonException e) {
            throw new IllegalStateException("Jackson exception reading the answer of " + path + ": " + e.getOriginalMessage(), e);
        }
    }
}
