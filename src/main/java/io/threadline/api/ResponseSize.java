package io.threadline.api;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;

/**
 * What a part of an answer costs against {@link ApiConfig#maxResponseBytes()}: its JSON as the entry
 * paths write it, counted as it travels behind API Gateway. There the answer is the {@code body} of the
 * proxy response, a JSON <em>string</em>, so every {@code "} and {@code \} of it is escaped once more:
 * a quote-heavy answer (a state of many short strings, tool arguments that are JSON in a string) grows
 * by a third or more. Counting those bytes twice measures exactly that escaping (written JSON has no raw
 * control characters, and non-ASCII stays UTF-8), and the same count, a little pessimistic for a direct
 * invocation (not escaped), keeps that path under Lambda's limit too.
 */
final class ResponseSize {

    /** Room kept for what surrounds the measured parts: the reply's other fields, the proxy response's status and headers. */
    static final int ENVELOPE_BYTES = 2048;

    private ResponseSize() {
    }

    /** The bytes {@code value} costs as part of an answer written by {@code mapper}. */
    static long of(ObjectMapper mapper, Object value) {
        byte[] json;
        try {
            json = mapper.writeValueAsBytes(value);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("cannot write part of an answer", e);
        }
        long size = json.length;
        for (byte b : json) {
            if (b == '"' || b == '\\') {
                size++;
            }
        }
        return size;
    }
}
