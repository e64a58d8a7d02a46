package io.threadline.graph;

import java.util.List;
import java.util.Objects;

/**
 * A router's choice: one or more targets (node names, or the labels of an enum route) and the reason.
 * Several targets fan out: they all run in the next step.
 */
public record Route(List<Object> targets, String reason) {

    public Route {
        targets = List.copyOf(targets);
        if (targets.isEmpty()) {
            throw new IllegalArgumentException("a route needs at least one target (use Route.end to finish)");
        }
        for (Object t : targets) {
            if (!(t instanceof String) && !(t instanceof Enum<?>)) {
                throw new IllegalArgumentException("a route target is a node name or an enum label, got " + t);
            }
        }
        if (reason == null || reason.isBlank()) {
            throw new IllegalArgumentException("a route needs a reason: say why the graph goes there");
        }
    }

    /** Go to one node. */
    public static Route to(String node, String reason) {
        return new Route(List.of(Objects.requireNonNull(node, "node")), reason);
    }

    /** Go to the node an enum route maps this label to. */
    public static Route to(Enum<?> label, String reason) {
        return new Route(List.of(Objects.requireNonNull(label, "label")), reason);
    }

    /** Fan out: every target runs in the next step. */
    public static Route toAll(List<?> targets, String reason) {
        return new Route(List.copyOf(targets), reason);
    }

    /** Finish the run. */
    public static Route end(String reason) {
        return new Route(List.of(StateGraph.END), reason);
    }
}
