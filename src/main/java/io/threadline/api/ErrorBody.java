package io.threadline.api;

import io.threadline.ErrorCode;
import io.threadline.ThreadlineException;

import java.util.Map;

/** The body of every error answer: {@code {"error": {"code", "message", "details"}}}. */
public record ErrorBody(String code, String message, Map<String, Object> details) {

    public static ErrorBody of(ThreadlineException e) {
        return new ErrorBody(e.code().name(), e.getMessage(), e.details());
    }

    public static ErrorBody of(ErrorCode code, String message) {
        return new ErrorBody(code.name(), message, Map.of());
    }

    /** The whole answer, as functions and the HTTP error handler write it. */
    public record Envelope(ErrorBody error) {}
}
