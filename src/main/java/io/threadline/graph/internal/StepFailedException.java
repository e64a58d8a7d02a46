package io.threadline.graph.internal;

import java.util.List;
import java.util.Map;

/**
 * A node (or the router after it) threw, and its retry policy gave up. The runtime keeps such a
 * step as a FAILED checkpoint — its input, its effects so far and this error — instead of losing it.
 */
public final class StepFailedException extends RuntimeException {

    private final String node;
    private final int attempts;
    private final List<String> attempted;
    private final Map<String, Integer> attemptsByNode;

    public StepFailedException(String node, int attempts, List<String> attempted, Map<String, Integer> attemptsByNode,
                               Throwable cause) {
        super("node '" + node + "' failed after " + attempts + " attempt(s): " + cause, cause);
        this.node = node;
        this.attempts = attempts;
        this.attempted = List.copyOf(attempted);
        this.attemptsByNode = Map.copyOf(attemptsByNode);
    }

    /** The node that failed ({@code "<node>:router"} when its router threw). */
    public String node() {
        return node;
    }

    public int attempts() {
        return attempts;
    }

    /** Every node the step started, in order, the failed one last. */
    public List<String> attempted() {
        return attempted;
    }

    /** Attempts per node of this step, for nodes that needed more than one. */
    public Map<String, Integer> attemptsByNode() {
        return attemptsByNode;
    }
}
