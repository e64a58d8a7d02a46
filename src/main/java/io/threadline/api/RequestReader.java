package io.threadline.api;

import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.exc.InvalidFormatException;
import com.fasterxml.jackson.databind.exc.MismatchedInputException;
import com.fasterxml.jackson.databind.exc.UnrecognizedPropertyException;
import com.fasterxml.jackson.databind.json.JsonMapper;
import io.threadline.ErrorCode;
import io.threadline.ThreadlineException;

import java.io.IOException;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;

/**
 * Binds a request's JSON to its record, strictly, so that a caller learns exactly which field was
 * wrong: unknown fields, wrong types and fractional numbers for integers are {@code INVALID_INPUT}
 * naming the field. Functions take raw JSON and bind here because the Lambda binding would
 * otherwise fail before our code with an error in another shape.
 */
final class RequestReader {

    /** The longest short text field a request may send ({@code by}, {@code runId}), as README says. */
    static final int SHORT_TEXT = 128;
    private static final ObjectMapper STRICT = JsonMapper.builder()
            .enable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES)
            .disable(DeserializationFeature.ACCEPT_FLOAT_AS_INT)
            .enable(DeserializationFeature.FAIL_ON_NULL_FOR_PRIMITIVES)
            .build();

    private RequestReader() {
    }

    static <T> T read(JsonNode json, Class<T> type) {
        if (json == null || !json.isObject()) {
            throw new ThreadlineException(ErrorCode.INVALID_INPUT, "the request must be a JSON object", Map.of());
        }
        refuseLoneSurrogates(json);
        try {
            return STRICT.readerFor(type).readValue(json);
        } catch (UnrecognizedPropertyException e) {
            throw invalid(e.getPropertyName(), "'" + e.getPropertyName() + "' is not a field of this request; fields are "
                    + e.getKnownPropertyIds());
        } catch (MismatchedInputException e) {
            String field = path(e);
            throw invalid(field, "'" + field + "' has the wrong type" + (e instanceof InvalidFormatException f
                    ? " (got " + f.getValue() + ")" : "") + "; expected " + (e.getTargetType() == null ? "another type"
                    : e.getTargetType().getSimpleName()));
        } catch (IOException e) {
            throw new ThreadlineException(ErrorCode.INVALID_INPUT, "the request cannot be read: " + e.getMessage(), Map.of());
        }
    }

    /**
     * Refuses a string or field name holding half of a UTF-16 surrogate pair ({@code "\\ud800"} in JSON):
     * it is no Unicode text, and storing it as UTF-8 would quietly turn it into {@code '?'}. Every entry
     * path binds its request here, so this is the one check for all of them.
     */
    private static void refuseLoneSurrogates(JsonNode json) {
        Deque<Map.Entry<String, JsonNode>> todo = new ArrayDeque<>();
        todo.push(Map.entry("", json));
        while (!todo.isEmpty()) {
            Map.Entry<String, JsonNode> next = todo.pop();
            String at = next.getKey();
            JsonNode node = next.getValue();
            if (node.isTextual() && hasLoneSurrogate(node.textValue())) {
                throw invalid(at, "'" + at + "' holds a lone UTF-16 surrogate (e.g. \\ud800 without its pair), which is not "
                        + "valid Unicode text; send well-formed strings");
            } else if (node.isObject()) {
                for (Iterator<Map.Entry<String, JsonNode>> fields = node.fields(); fields.hasNext(); ) {
                    Map.Entry<String, JsonNode> field = fields.next();
                    if (hasLoneSurrogate(field.getKey())) { // named by its parent: the name itself is no text to answer
                        String where = at.isEmpty() ? "the request" : "'" + at + "'";
                        throw invalid(at, "a field name in " + where + " holds a lone UTF-16 surrogate, which is not "
                                + "valid Unicode text; send well-formed strings");
                    }
                    todo.push(Map.entry(at.isEmpty() ? field.getKey() : at + "." + field.getKey(), field.getValue()));
                }
            } else if (node.isArray()) {
                for (int i = 0; i < node.size(); i++) {
                    todo.push(Map.entry(at + "[" + i + "]", node.get(i)));
                }
            }
        }
    }

    private static boolean hasLoneSurrogate(String s) {
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if (Character.isHighSurrogate(c) && i + 1 < s.length() && Character.isLowSurrogate(s.charAt(i + 1))) {
                i++; // a pair
            } else if (Character.isSurrogate(c)) {
                return true;
            }
        }
        return false;
    }

    private static String path(MismatchedInputException e) {
        return e.getPath().stream().map(r -> r.getFieldName() != null ? r.getFieldName() : "[" + r.getIndex() + "]")
                .collect(Collectors.joining("."));
    }

    private static ThreadlineException invalid(String field, String message) {
        return ThreadlineException.withViolations(ErrorCode.INVALID_INPUT, message, List.of(Map.of("path", String.valueOf(field), "message", message)));
    }

    /** A required string field. */
    static String required(String value, String field) {
        if (value == null || value.isBlank()) {
            throw invalid(field, "'" + field + "' is required");
        }
        return value;
    }

    /**
     * An optional text field ({@code by}, {@code runId}): absent is fine; blank or longer than {@code max} characters is
     * INVALID_INPUT naming the field, before anything is read or written.
     */
    static String optionalText(String value, String field, int max) {
        if (value != null && (value.isBlank() || value.length() > max)) {
            throw new ThreadlineException(ErrorCode.INVALID_INPUT, field + " must be 1-" + max + " characters", Map.of("field", field));
        }
        return value;
    }

    /** An optional ISO-8601 instant field: null when absent; anything else is {@code INVALID_INPUT} naming the field. */
    static Instant instant(String value, String field) {
        if (value == null) {
            return null;
        }
        try {
            return Instant.parse(value);
        } catch (DateTimeParseException e) {
            throw new ThreadlineException(ErrorCode.INVALID_INPUT, field + " '" + value + "' is not an ISO-8601 instant such as "
                    + "2026-12-06T12:00:00Z", Map.of("field", field));
        }
    }

    /** An optional whole-number field: {@code fallback} when absent; outside {@code min..max}, INVALID_INPUT naming the field. */
    static int bounded(Integer value, String field, int fallback, int min, int max) {
        return bounded(value, field, fallback, min, max, "");
    }

    /** {@link #bounded(Integer, String, int, int, int)}, its refusal ending with {@code hint}: where the bound is set, what to do. */
    static int bounded(Integer value, String field, int fallback, int min, int max, String hint) {
        int chosen = value == null ? fallback : value;
        if (chosen < min || chosen > max) {
            throw new ThreadlineException(ErrorCode.INVALID_INPUT, field + " must be between " + min + " and " + max + hint,
                    Map.of("field", field));
        }
        return chosen;
    }
}
