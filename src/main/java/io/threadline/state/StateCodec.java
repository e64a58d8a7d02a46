package io.threadline.state;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.StreamReadConstraints;
import com.fasterxml.jackson.core.StreamWriteConstraints;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.json.JsonMapper;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.datatype.jdk8.Jdk8Module;
import com.fasterxml.jackson.datatype.jsr310.JavaTimeModule;
import io.threadline.ErrorCode;
import io.threadline.ThreadlineException;

import java.io.IOException;
import java.lang.reflect.Type;
import java.util.List;
import java.util.Map;

/**
 * JSON codec for states and the values inside them. Configured for exact round trips rather than
 * for pretty output: {@code java.time} values keep their offset and zone, decimals keep their scale,
 * map entries are written in key order so equal states encode to equal bytes.
 *
 * <p>One instance is thread-safe and meant to be shared.
 */
public final class StateCodec {

    /** Largest string a stored state may hold; larger states are refused long before this. */
    static final int MAX_STRING_CHARS = 256 * 1024 * 1024;

    private final ObjectMapper mapper;

    public StateCodec() {
        this.mapper = newMapper();
    }

    /** The mapper the codec uses, for adapters that must encode the same way (never reconfigure it). */
    public ObjectMapper mapper() {
        return mapper;
    }

    static ObjectMapper newMapper() {
        ObjectMapper m = JsonMapper.builder()
                .addModule(new JavaTimeModule())
                .addModule(new Jdk8Module())
                .disable(SerializationFeature.WRITE_DATES_AS_TIMESTAMPS)
                .disable(SerializationFeature.WRITE_DURATIONS_AS_TIMESTAMPS)
                .enable(SerializationFeature.WRITE_DATES_WITH_ZONE_ID)
                .enable(SerializationFeature.ORDER_MAP_ENTRIES_BY_KEYS)
                .disable(SerializationFeature.FAIL_ON_EMPTY_BEANS)
                .disable(DeserializationFeature.ADJUST_DATES_TO_CONTEXT_TIME_ZONE)
                .enable(DeserializationFeature.USE_BIG_DECIMAL_FOR_FLOATS)
                .enable(DeserializationFeature.FAIL_ON_NULL_FOR_PRIMITIVES)
                .nodeFactory(JsonNodeFactory.withExactBigDecimals(true))
                .build();
        m.getFactory().setStreamReadConstraints(StreamReadConstraints.builder()
                .maxStringLength(MAX_STRING_CHARS)
                .maxNestingDepth(1000)
                .build());
        m.getFactory().setStreamWriteConstraints(StreamWriteConstraints.builder().maxNestingDepth(1000).build());
        return m;
    }

    public byte[] encode(Object value) {
        try {
            return mapper.writeValueAsBytes(value);
        } catch (JsonProcessingException e) {
            throw new ThreadlineException(ErrorCode.INTERNAL,
                    "cannot encode " + value.getClass().getName() + " as JSON: " + e.getOriginalMessage(), Map.of(), e);
        }
    }

    public JsonNode toTree(Object value) {
        return mapper.valueToTree(value);
    }

    public JsonNode readTree(byte[] json) {
        try {
            return mapper.readTree(json);
        } catch (IOException e) {
            throw corrupt("stored JSON is unreadable: " + e.getMessage(), e);
        }
    }

    public byte[] writeTree(JsonNode tree) {
        try {
            return mapper.writeValueAsBytes(tree);
        } catch (JsonProcessingException e) {
            throw new ThreadlineException(ErrorCode.INTERNAL, "cannot write JSON tree", Map.of(), e);
        }
    }

    public <T> T decode(byte[] json, Class<T> type) {
        try {
            return mapper.readValue(json, type);
        } catch (IOException e) {
            throw corrupt("cannot read " + type.getSimpleName() + ": " + e.getMessage(), e);
        }
    }

    public <T> T fromTree(JsonNode tree, Class<T> type) {
        try {
            return mapper.treeToValue(tree, type);
        } catch (JsonProcessingException | IllegalArgumentException e) {
            throw corrupt("cannot read " + type.getSimpleName() + ": " + e.getMessage(), e);
        }
    }

    /**
     * Converts a caller-supplied JSON value (an API input) to a field's Java type; a value of the
     * wrong shape is the caller's error, reported as {@code INVALID_INPUT} naming the field.
     */
    public Object convertInput(JsonNode value, Type type, String fieldPath) {
        try {
            return mapper.readerFor(mapper.constructType(type)).readValue(value);
        } catch (IOException | IllegalArgumentException e) {
            throw ThreadlineException.withViolations(ErrorCode.INVALID_INPUT,
                    "'" + fieldPath + "' does not have the expected type " + type.getTypeName(),
                    List.of(Map.of("path", fieldPath, "message", "expected " + type.getTypeName())));
        }
    }

    private static ThreadlineException corrupt(String message, Exception cause) {
        return new ThreadlineException(ErrorCode.INTERNAL, message, Map.of(), cause);
    }
}
