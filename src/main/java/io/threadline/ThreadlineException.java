package io.threadline;

import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * The one exception type Threadline throws across its API: a stable {@link ErrorCode}, a message
 * that says what was wrong and what to do, and structured details (field paths, ids) for callers
 * that want to act on them.
 */
public class ThreadlineException extends RuntimeException {

    private final ErrorCode code;
    private final Map<String, Object> details;

    public ThreadlineException(ErrorCode code, String message) {
        this(code, message, Map.of(), null);
    }

    public ThreadlineException(ErrorCode code, String message, Map<String, Object> details) {
        this(code, message, details, null);
    }

    public ThreadlineException(ErrorCode code, String message, Map<String, Object> details, Throwable cause) {
        super(message, cause);
        this.code = Objects.requireNonNull(code, "code");
        this.details = Map.copyOf(details);
    }

    public ErrorCode code() {
        return code;
    }

    /** Structured details; values are strings, numbers, lists or maps of those (JSON-ready). */
    public Map<String, Object> details() {
        return details;
    }

    /** Convenience for the common "one list of problems" detail. */
    public static ThreadlineException withViolations(ErrorCode code, String message, List<?> violations) {
        return new ThreadlineException(code, message, Map.of("violations", List.copyOf(violations)));
    }

    @Override
    public String toString() {
        return code + ": " + getMessage() + (details.isEmpty() ? "" : " " + details);
    }
}
