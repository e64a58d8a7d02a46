package io.threadline.state.internal;

import io.threadline.state.Channel;
import io.threadline.state.FieldUpdate;
import io.threadline.state.ListChannel;
import io.threadline.state.MapChannel;
import io.threadline.state.ReducingChannel;
import io.threadline.state.StateCodec;
import io.threadline.state.StateSchema;
import io.threadline.state.Update;
import com.fasterxml.jackson.databind.JsonNode;
import io.threadline.ErrorCode;
import io.threadline.ThreadlineException;

import java.lang.reflect.ParameterizedType;
import java.lang.reflect.Type;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Reads a partial update from JSON, as API callers send it: an object whose keys are state fields.
 * Each value goes through the field's channel — items to append for a list channel
 * ({@code {"messages": [{"role": "user", "content": "hi"}]}}), entries to put for a map channel,
 * the new value otherwise. Unknown fields and values of the wrong type are {@code INVALID_INPUT}
 * naming the field path.
 */
public final class UpdateDecoder {

    private UpdateDecoder() {
    }

    @SuppressWarnings({"unchecked", "rawtypes"})
    public static <S> Update<S> decode(StateSchema<S> schema, JsonNode input, StateCodec codec) {
        if (input == null || input.isNull() || input.isMissingNode()) {
            return Update.none();
        }
        if (!input.isObject()) {
            throw invalid("input", "input must be a JSON object of state fields, e.g. {\"" + schema.fieldNames().get(0) + "\": …}");
        }
        List<FieldUpdate<S>> changes = new ArrayList<>();
        Iterator<Map.Entry<String, JsonNode>> fields = input.fields();
        while (fields.hasNext()) {
            Map.Entry<String, JsonNode> e = fields.next();
            String field = e.getKey();
            if (!schema.hasField(field)) {
                throw ThreadlineException.withViolations(ErrorCode.INVALID_INPUT,
                        "input." + field + " is not a field of the state; fields are " + schema.fieldNames(),
                        List.of(Map.of("path", "input." + field, "message", "unknown field")));
            }
            Channel<S, ?> channel = schema.channel(field);
            Type type = schema.fieldGenericType(field);
            String path = "input." + field;
            JsonNode value = e.getValue();
            switch (channel.kind()) {
                case APPEND -> {
                    if (!value.isArray()) {
                        throw invalid(path, path + " appends: give an array of items");
                    }
                    List<Object> items = (List<Object>) codec.convertInput(value, type, path);
                    changes.add(((ListChannel) channel).appendAll(items));
                }
                case MERGE -> {
                    if (!value.isObject()) {
                        throw invalid(path, path + " merges: give an object of entries");
                    }
                    Map<String, Object> entries = (Map<String, Object>) codec.convertInput(value, type, path);
                    changes.add(((MapChannel) channel).putAll(new LinkedHashMap<>(entries)));
                }
                case CUSTOM -> changes.add(((ReducingChannel) channel).update(convert(codec, value, type, path, schema, field)));
                default -> changes.add(new FieldUpdate.Set<>(channel, convert(codec, value, type, path, schema, field)));
            }
        }
        return Update.of(changes);
    }

    private static Object convert(StateCodec codec, JsonNode value, Type type, String path, StateSchema<?> schema, String field) {
        if (value.isNull()) {
            if (schema.fieldType(field).isPrimitive()) {
                throw invalid(path, path + " cannot be null");
            }
            return null;
        }
        return codec.convertInput(value, type instanceof ParameterizedType ? type : schema.fieldType(field), path);
    }

    private static ThreadlineException invalid(String path, String message) {
        return ThreadlineException.withViolations(ErrorCode.INVALID_INPUT, message, List.of(Map.of("path", path, "message", message)));
    }
}
