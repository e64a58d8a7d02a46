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
 * <p>One known loss: a {@code double} of {@code -0.0} reads back as {@code 0.0} from a stored delta
 * or a materialised checkpoint (trees hold exact decimals, which have no negative zero). API input
 * is strict: a fractional number for an integer field is refused, not truncated.
 *
 * <p>One instance is thread-safe and meant to be shared.
 */
public final class StateCodec {

    /** Largest string a stored state may hold; larger states are refused long before this. */
    static final int MAX_STRING_CHARS = 256 * 1024 * 1024;

    private final ObjectMapper mapper;
    private final ObjectMapper treeMapper;

    public StateCodec() {
        this.mapper = newMapper(false);
        this.treeMapper = newMapper(true);
    }

    /** The mapper the codec uses, for adapters that must encode the same way (never reconfigure it). */
    public ObjectMapper mapper() {
        return mapper;
    }

    /**
     * @param exactTrees read JSON numbers into trees as exact decimals, so that a patch or a
     *                   materialised state keeps {@code 1.10} as {@code 1.10}
     */
    static ObjectMapper newMapper(boolean exactTrees) {
        ObjectMapper m = JsonMapper.builder()
                .addModule(new JavaTimeModule())
                .addModule(new Jdk8Module())
                .disable(SerializationFeature.WRITE_DATES_AS_TIMESTAMPS)
                .disable(SerializationFeature.WRITE_DURATIONS_AS_TIMESTAMPS)
                .enable(SerializationFeature.WRITE_DATES_WITH_ZONE_ID)
                .enable(SerializationFeature.ORDER_MAP_ENTRIES_BY_KEYS)
                .disable(SerializationFeature.FAIL_ON_EMPTY_BEANS)
                .disable(DeserializationFeature.ADJUST_DATES_TO_CONTEXT_TIME_ZONE)
                .configure(DeserializationFeature.USE_BIG_DECIMAL_FOR_FLOATS, exactTrees)
                .enable(DeserializationFeature.FAIL_ON_NULL_FOR_PRIMITIVES)
                .disable(DeserializationFeature.ACCEPT_FLOAT_AS_INT)
                // FAIL_ON_TRAILING_TOKENS stays off: TypedPatch decodes a patch's values mid-stream, which it would refuse
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
        return treeMapper.valueToTree(value);
    }

    public JsonNode readTree(byte[] json) {
        try {
            return treeMapper.readTree(json);
        } catch (IOException e) {
            throw corrupt("stored JSON is unreadable: " + e.getMessage(), e);
        }
    }

    public byte[] writeTree(JsonNode tree) {
        try {
            return treeMapper.writeValueAsBytes(tree);
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

    /**
     * Reads a value from a tree. Goes through the tree's exact JSON text rather than the tree's
     * number nodes, so that typed decimals keep their scale and untyped numbers ({@code Object},
     * {@code Map<String, Object>}) come back as the same Java types as from {@link #decode}.
     */
    public <T> T fromTree(JsonNode tree, Class<T> type) {
        return decode(writeTree(tree), type);
    }

    /** {@link #fromTree(JsonNode, Class)} for a generic type (a list's elements, a map's values, a state field). */
    public Object fromTree(JsonNode tree, Type type) {
        byte[] json = writeTree(tree);
        try {
            return mapper.readerFor(mapper.constructType(type)).readValue(json);
        } catch (IOException e) {
            throw corrupt("cannot read " + type.getTypeName() + ": " + e.getMessage(), e);
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
