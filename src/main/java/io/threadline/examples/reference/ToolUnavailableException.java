package io.threadline.examples.reference;

/**
 * A tool could not run this time — a service it needs is down or timed out — and another attempt
 * may succeed. The reference agent's {@code execute} node retries it (durability SYNC: the tool calls
 * that did succeed are not made again); any other exception a tool throws is its answer, handed to
 * the model as the tool's output. Tools throw it themselves, or an {@link java.io.UncheckedIOException},
 * which the agent treats the same way.
 */
public class ToolUnavailableException extends RuntimeException {

    public ToolUnavailableException(String message) {
        super(message);
    }

    public ToolUnavailableException(String message, Throwable cause) {
        super(message, cause);
    }
}
