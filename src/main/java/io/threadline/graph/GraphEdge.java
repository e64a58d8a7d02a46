package io.threadline.graph;

import java.util.Objects;

/**
 * One edge of a compiled graph, as tools that draw it need it (the inspector): a fixed edge, or one
 * target of a router (conditional), with the router's label for that target when it declared labels.
 *
 * @param from        the source node, or {@link StateGraph#START}
 * @param to          the target node, or {@link StateGraph#END}
 * @param label       the router's label for this target, or {@code null}
 * @param conditional whether a router chooses this edge at run time
 */
public record GraphEdge(String from, String to, String label, boolean conditional) {

    public GraphEdge {
        Objects.requireNonNull(from, "from");
        Objects.requireNonNull(to, "to");
    }
}
