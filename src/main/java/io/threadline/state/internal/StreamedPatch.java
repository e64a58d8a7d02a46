package io.threadline.state.internal;

import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.ObjectReader;

import java.io.IOException;
import java.lang.reflect.Type;

/**
 * Reads a JSON Patch in one pass over its tokens for {@link TypedPatch}: each operation's value is decoded as the
 * parser reaches it, where a tree of the patch was built, each value written back to text and that text decoded.
 * Anything this does not read as the tree way does — a name twice in one object (the tree keeps the last: strict
 * duplicate detection refuses it here), a value ahead of its operation's {@code op} or {@code path}, an {@code op} or
 * {@code path} that is not a string, text that is not a list of objects — answers false, and the caller reads the chain
 * the tree way.
 */
final class StreamedPatch {

    /** Applies one operation: its kind, its path, its value (null when it has none). False where it is not applied. */
    interface Operation {
        boolean apply(String kind, String path, TypedPatch.Value value) throws IOException;
    }

    private StreamedPatch() {
    }

    /** Hands each of the patch's operations to {@code operation}, in order; false as soon as one is not applied. */
    static boolean apply(ObjectMapper mapper, byte[] patchJson, Operation operation) {
        try (JsonParser p = mapper.createParser(patchJson)) {
            p.enable(JsonParser.Feature.STRICT_DUPLICATE_DETECTION);
            if (p.nextToken() != JsonToken.START_ARRAY) {
                return false;
            }
            JsonToken t;
            while ((t = p.nextToken()) == JsonToken.START_OBJECT) {
                String kind = null;
                String path = null;
                boolean applied = false;
                while ((t = p.nextToken()) == JsonToken.FIELD_NAME) {
                    String name = p.currentName();
                    JsonToken v = p.nextToken();
                    if ("op".equals(name) || "path".equals(name)) {
                        if (v != JsonToken.VALUE_STRING || applied) {
                            return false; // not an operation or a pointer this reads
                        }
                        if ("op".equals(name)) {
                            kind = p.getText();
                        } else {
                            path = p.getText();
                        }
                    } else if ("value".equals(name)) {
                        ParserValue value = new ParserValue(p);
                        if (kind == null || path == null || !operation.apply(kind, path, value)) {
                            return false;
                        }
                        if (!value.read) {
                            p.skipChildren();
                        }
                        applied = true;
                    } else {
                        p.skipChildren();
                    }
                }
                if (t != JsonToken.END_OBJECT || (!applied && !operation.apply(kind, path, null))) {
                    return false;
                }
            }
            return t == JsonToken.END_ARRAY;
        } catch (IOException | RuntimeException e) {
            return false;
        }
    }

    /** The value the parser is at, decoded from its tokens (and the parser left at its last). */
    private static final class ParserValue implements TypedPatch.Value {
        private final JsonParser parser;
        boolean read;

        ParserValue(JsonParser parser) {
            this.parser = parser;
        }

        @Override
        public Object decode(Type type, ObjectReader reader) throws IOException {
            read = true;
            return reader.readValue(parser);
        }
    }
}
