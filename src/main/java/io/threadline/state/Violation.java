package io.threadline.state;

import java.util.Map;

/** One broken constraint: the field path (e.g. {@code messages[3].content}) and what is wrong. */
public record Violation(String path, String message) {

    public Map<String, Object> toMap() {
        return Map.of("path", path, "message", message);
    }

    @Override
    public String toString() {
        return path + ": " + message;
    }
}
