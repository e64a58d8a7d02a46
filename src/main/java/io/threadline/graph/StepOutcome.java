package io.threadline.graph;

import io.threadline.state.AppliedUpdate;

import java.util.List;

/**
 * What one step of a graph did: the merged update of its nodes, the routing decisions taken after
 * them and the nodes scheduled next (empty when the run reached END).
 */
public record StepOutcome<S>(List<String> ran, AppliedUpdate<S> applied, List<RouteDecision> decisions, List<String> next) {
    public StepOutcome {
        ran = List.copyOf(ran);
        decisions = List.copyOf(decisions);
        next = List.copyOf(next);
    }
}
