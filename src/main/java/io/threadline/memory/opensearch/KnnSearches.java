package io.threadline.memory.opensearch;

import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.core.JsonParseException;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import org.opensearch.client.opensearch._types.query_dsl.Query;

import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * The memory store's k-NN searches, written and read by hand ({@link RawRequests}): a search for the {@code k} nearest
 * memories that pass a filter — the filter inside the k-NN clause, so candidates are drawn from the caller's memories
 * only — answered with their scores, versions and source <em>without</em> the embedding (the node has compared the
 * vectors already; the 384 floats of each hit were most of the answer) nor the fields only filters read, each source
 * read field by field ({@link MemoryDocumentReader}), and many searches for ids and scores only in
 * one {@code _msearch} (the writes' near-duplicate checks). The vector is written straight from the float array; the
 * filter is the one {@link MemoryQueries} builds.
 */
record KnnSearches(RawRequests raw, String index, int efSearch) {

    /** A hit: its document id, score, version, and source (null when the search asked for ids only). */
    record Hit(String docId, Double score, long seqNo, long primaryTerm, MemoryDocument source) {}

    /** The {@code k} nearest memories that pass {@code filter}, with their sources (no embedding) and versions. */
    List<Hit> search(float[] vector, int k, Query filter) throws IOException {
        byte[] body = raw.json(g -> {
            g.writeStartObject();
            g.writeNumberField("size", k);
            g.writeBooleanField("seq_no_primary_term", true);
            g.writeObjectFieldStart("_source");
            // Nor the fields only filters read (the record is built without them): a leaner answer to write and read.
            g.writeArrayFieldStart("excludes");
            g.writeString(MemoryIndex.EMBEDDING);
            g.writeString(MemoryIndex.METADATA_TERMS);
            g.writeString(MemoryIndex.EXPIRY);
            g.writeEndArray();
            g.writeEndObject();
            writeQuery(g, vector, k, filter);
            g.writeEndObject();
        });
        return raw.postOnCallingThread("/" + index + "/_search", body, RawRequests.JSON, p -> {
            p.nextToken();
            return readAnswer(p, "search memories").hits();
        });
    }

    /** Per vector, the {@code k} nearest memories that pass its filter (ids and scores): one {@code _msearch}. */
    List<List<Hit>> nearest(List<float[]> vectors, List<Query> filters, int k) throws IOException {
        if (vectors.isEmpty()) {
            return List.of();
        }
        List<RawRequests.Writer> lines = new ArrayList<>(vectors.size() * 2);
        for (int i = 0; i < vectors.size(); i++) {
            float[] vector = vectors.get(i);
            Query filter = filters.get(i);
            lines.add(g -> {
                g.writeStartObject();
                g.writeEndObject();
            });
            lines.add(g -> {
                g.writeStartObject();
                g.writeNumberField("size", k);
                g.writeBooleanField("_source", false);
                writeQuery(g, vector, k, filter);
                g.writeEndObject();
            });
        }
        return raw.post("/" + index + "/_msearch", Map.of(), raw.ndjson(lines), RawRequests.NDJSON, p -> {
            List<List<Hit>> out = new ArrayList<>(vectors.size());
            p.nextToken();
            eachInArray(p, "responses", answer -> out.add(readAnswer(answer, "search for near-duplicates").hits()));
            if (out.size() != vectors.size()) {
                throw new IOException("OpenSearch answered " + out.size() + " of " + vectors.size() + " near-duplicate searches");
            }
            return out;
        });
    }

    /** {@code "query": {"knn": {"embedding": {vector, k, filter, method_parameters}}}} (package-private: the bench's shapes). */
    void writeQuery(JsonGenerator g, float[] vector, int k, Query filter) throws IOException {
        g.writeObjectFieldStart("query");
        g.writeObjectFieldStart("knn");
        g.writeObjectFieldStart(MemoryIndex.EMBEDDING);
        g.writeArrayFieldStart("vector");
        for (float x : vector) {
            g.writeNumber(x);
        }
        g.writeEndArray();
        g.writeNumberField("k", k);
        g.writeFieldName("filter");
        raw.write(g, filter);
        // Only above k: an ef_search below k is raised to k by the engine anyway.
        if (efSearch > k) {
            g.writeObjectFieldStart("method_parameters");
            g.writeNumberField("ef_search", efSearch);
            g.writeEndObject();
        }
        g.writeEndObject();
        g.writeEndObject();
        g.writeEndObject();
    }

    private record Answer(List<Hit> hits) {}

    /** One search's answer, the parser on its START_OBJECT; an error inside an {@code _msearch} answer fails. */
    private Answer readAnswer(JsonParser p, String what) throws IOException {
        expect(p, p.currentToken(), JsonToken.START_OBJECT);
        List<Hit> hits = new ArrayList<>();
        String error = null;
        int status = 200;
        while (p.nextToken() == JsonToken.FIELD_NAME) {
            String field = p.currentName();
            JsonToken value = p.nextToken();
            switch (field) {
                case "hits" -> eachInArray(p, "hits", hit -> hits.add(readHit(hit)));
                case "error" -> error = value == JsonToken.VALUE_STRING ? p.getText() : raw.mapper().readTree(p).toString();
                case "status" -> status = p.getIntValue();
                default -> p.skipChildren();
            }
        }
        if (error != null) {
            throw new RawRequests.StatusException(status, "OpenSearch did not " + what + " (HTTP " + status + "): " + error);
        }
        return new Answer(hits);
    }

    /** Reads one element of an array, the parser on its START_OBJECT. */
    @FunctionalInterface
    private interface Element {
        void read(JsonParser p) throws IOException;
    }

    /** Reads the object the parser is on: each object of its array field {@code name} by {@code element}; skips the rest. */
    private static void eachInArray(JsonParser p, String name, Element element) throws IOException {
        expect(p, p.currentToken(), JsonToken.START_OBJECT);
        while (p.nextToken() == JsonToken.FIELD_NAME) {
            String field = p.currentName();
            JsonToken value = p.nextToken();
            if (field.equals(name) && value == JsonToken.START_ARRAY) {
                while (p.nextToken() == JsonToken.START_OBJECT) {
                    element.read(p);
                }
            } else {
                p.skipChildren();
            }
        }
    }

    private Hit readHit(JsonParser p) throws IOException {
        String id = null;
        Double score = null;
        long seqNo = -2;
        long primaryTerm = 0;
        MemoryDocument source = null;
        while (p.nextToken() == JsonToken.FIELD_NAME) {
            String field = p.currentName();
            JsonToken value = p.nextToken();
            switch (field) {
                case "_id" -> id = p.getText();
                case "_score" -> score = value == JsonToken.VALUE_NULL ? null : p.getDoubleValue();
                case "_seq_no" -> seqNo = p.getLongValue();
                case "_primary_term" -> primaryTerm = p.getLongValue();
                case "_source" -> source = MemoryDocumentReader.read(p);
                default -> p.skipChildren();
            }
        }
        return new Hit(id, score, seqNo, primaryTerm, source);
    }

    /** JSON that is not a search answer is as unreadable as a page that is not JSON (a parse error, not the network). */
    private static void expect(JsonParser p, JsonToken actual, JsonToken expected) throws IOException {
        if (actual != expected) {
            throw new JsonParseException(p, "OpenSearch's answer is not a search answer: " + expected + " expected, got " + actual);
        }
    }
}
