package io.threadline.graph.internal;

import io.threadline.graph.InterruptPoint;
import io.threadline.graph.StepContext;

import java.util.Locale;
import java.util.Objects;

/**
 * Thrown through a step to stop it and wait for a human (or any outside caller): by
 * {@link StepContext#interrupt} inside a node, or by the graph before/after a node it was told to
 * pause at. The runtime keeps the step as an INTERRUPTED checkpoint with {@link #payload()}; a later
 * {@code resume} continues exactly there. Not an error: retry policies never see it. Engine-internal: a
 * node that catches {@code RuntimeException} must let it pass.
 */
public final class InterruptSignal extends RuntimeException {

    private final String node;
    private final InterruptPoint when;
    private final transient Object payload;

    public InterruptSignal(String node, InterruptPoint when, Object payload) {
        super("interrupted " + when.name().toLowerCase(Locale.ROOT) + " node '" + node + "'", null, false, false);
        this.node = Objects.requireNonNull(node, "node");
        this.when = Objects.requireNonNull(when, "when");
        this.payload = payload;
    }

    public String node() {
        return node;
    }

    public InterruptPoint when() {
        return when;
    }

    /** What the node (or graph) shows whoever resumes: a question, a tool call to approve… (JSON-able). */
    public Object payload() {
        return payload;
    }
}
