package io.threadline.graph;

import java.util.List;

/** A routing decision as taken: the node routed from, the resolved targets, and the reason. */
public record RouteDecision(String from, List<String> to, String reason) {
    public RouteDecision {
        to = List.copyOf(to);
    }
}
