package io.threadline.memory.opensearch;

import com.fasterxml.jackson.core.JsonParseException;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;

import java.io.IOException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * A memory's document read from a search answer with the streaming parser, field by field, instead of through
 * Jackson's data binding: a search reads 40 of them, and binding the record was a quarter of a search's client CPU
 * (bench/README.md, W2 "Session 35"). It gives what binding gave for every document the store writes: a field it
 * does not know is skipped, one that is missing keeps the record's default (null, 0), and a value of the wrong shape
 * is a parse error (the store's INTERNAL "could not read OpenSearch's answer").
 */
final class MemoryDocumentReader {

    private MemoryDocumentReader() {
    }

    /** The document whose START_OBJECT the parser is on; returns with the parser on its END_OBJECT. */
    static MemoryDocument read(JsonParser p) throws IOException {
        if (p.currentToken() == JsonToken.VALUE_NULL) {
            return null;
        }
        expect(p, p.currentToken() == JsonToken.START_OBJECT, "an object");
        String id = null, tenant = null, namespace = null, content = null, kind = null, createdAt = null, accessedAt = null;
        String expiresAt = null, sourceThread = null, sourceCheckpoint = null, sourceNode = null, derivedFrom = null;
        String contentHash = null, supersededBy = null;
        float[] embedding = null;
        double importance = 0;
        long expiry = 0, supersededAt = 0, validFrom = 0, validTo = 0;
        Long sourceStep = null;
        Map<String, String> metadata = null;
        List<String> metadataTerms = null, supersedes = null;
        while (p.nextToken() == JsonToken.FIELD_NAME) {
            String field = p.currentName();
            p.nextToken();
            switch (field) {
                case "id" -> id = text(p);
                case "tenant" -> tenant = text(p);
                case "namespace" -> namespace = text(p);
                case "content" -> content = text(p);
                case "embedding" -> embedding = floats(p);
                case "kind" -> kind = text(p);
                case "importance" -> importance = decimal(p);
                case "createdAt" -> createdAt = text(p);
                case "accessedAt" -> accessedAt = text(p);
                case "expiresAt" -> expiresAt = text(p);
                case "expiry" -> expiry = integer(p);
                case "sourceThread" -> sourceThread = text(p);
                case "sourceCheckpoint" -> sourceCheckpoint = text(p);
                case "sourceStep" -> sourceStep = p.currentToken() == JsonToken.VALUE_NULL ? null : integer(p);
                case "sourceNode" -> sourceNode = text(p);
                case "derivedFrom" -> derivedFrom = text(p);
                case "contentHash" -> contentHash = text(p);
                case "metadata" -> metadata = entries(p);
                case "metadataTerms" -> metadataTerms = texts(p);
                case "supersededAt" -> supersededAt = integer(p);
                case "supersededBy" -> supersededBy = text(p);
                case "supersedes" -> supersedes = texts(p);
                case "validFrom" -> validFrom = integer(p);
                case "validTo" -> validTo = integer(p);
                default -> p.skipChildren();
            }
        }
        expect(p, p.currentToken() == JsonToken.END_OBJECT, "the end of the document");
        return new MemoryDocument(id, tenant, namespace, content, embedding, kind, importance, createdAt, accessedAt, expiresAt, expiry,
                sourceThread, sourceCheckpoint, sourceStep, sourceNode, derivedFrom, contentHash, metadata, metadataTerms, supersededAt,
                supersededBy, supersedes, validFrom, validTo);
    }

    /** A string field: text, or null; a number's text as binding coerces it. */
    private static String text(JsonParser p) throws IOException {
        JsonToken t = p.currentToken();
        if (t == JsonToken.VALUE_NULL) {
            return null;
        }
        expect(p, t.isScalarValue(), "a string");
        return p.getText();
    }

    /** A floating-point field, as binding reads it: a number, or a string holding one; null is 0. */
    private static double decimal(JsonParser p) throws IOException {
        JsonToken t = p.currentToken();
        if (t == JsonToken.VALUE_NUMBER_INT || t == JsonToken.VALUE_NUMBER_FLOAT) {
            return p.getDoubleValue();
        }
        return t == JsonToken.VALUE_NULL ? 0 : parsed(p, Double::parseDouble);
    }

    /** An integer field, as binding reads it: a number (a fraction cut off), or a string holding one; null is 0. */
    private static long integer(JsonParser p) throws IOException {
        JsonToken t = p.currentToken();
        if (t == JsonToken.VALUE_NUMBER_INT || t == JsonToken.VALUE_NUMBER_FLOAT) {
            return p.getValueAsLong();
        }
        return t == JsonToken.VALUE_NULL ? 0 : parsed(p, Long::parseLong);
    }

    /** A single-precision element: parsed as a float, not rounded through a double. */
    private static float single(JsonParser p) throws IOException {
        JsonToken t = p.currentToken();
        if (t == JsonToken.VALUE_NUMBER_INT || t == JsonToken.VALUE_NUMBER_FLOAT) {
            return p.getFloatValue();
        }
        return t == JsonToken.VALUE_NULL ? 0 : parsed(p, Float::parseFloat);
    }

    /** A number held in a string. */
    @FunctionalInterface
    private interface Parse<T> {
        T parse(String text);
    }

    private static <T> T parsed(JsonParser p, Parse<T> parse) throws IOException {
        expect(p, p.currentToken() == JsonToken.VALUE_STRING, "a number");
        String s = p.getText().trim();
        try {
            return parse.parse(s);
        } catch (NumberFormatException e) {
            throw new JsonParseException(p, "a memory's document: not a number: '" + s + "'", e);
        }
    }

    private static List<String> texts(JsonParser p) throws IOException {
        if (p.currentToken() == JsonToken.VALUE_NULL) {
            return null;
        }
        expect(p, p.currentToken() == JsonToken.START_ARRAY, "an array");
        List<String> out = new ArrayList<>();
        while (p.nextToken() != JsonToken.END_ARRAY) {
            out.add(text(p));
        }
        return out;
    }

    private static Map<String, String> entries(JsonParser p) throws IOException {
        if (p.currentToken() == JsonToken.VALUE_NULL) {
            return null;
        }
        expect(p, p.currentToken() == JsonToken.START_OBJECT, "an object");
        Map<String, String> out = new LinkedHashMap<>();
        while (p.nextToken() == JsonToken.FIELD_NAME) {
            String key = p.currentName();
            p.nextToken();
            out.put(key, text(p));
        }
        return out;
    }

    private static float[] floats(JsonParser p) throws IOException {
        if (p.currentToken() == JsonToken.VALUE_NULL) {
            return null;
        }
        expect(p, p.currentToken() == JsonToken.START_ARRAY, "an array");
        float[] out = new float[16];
        int n = 0;
        while (p.nextToken() != JsonToken.END_ARRAY) {
            if (n == out.length) {
                out = Arrays.copyOf(out, n * 2);
            }
            out[n++] = single(p);
        }
        return Arrays.copyOf(out, n);
    }

    private static void expect(JsonParser p, boolean ok, String what) throws JsonParseException {
        if (!ok) {
            throw new JsonParseException(p, "a memory's document: " + what + " expected, got " + p.currentToken());
        }
    }
}
