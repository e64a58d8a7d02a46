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
}
