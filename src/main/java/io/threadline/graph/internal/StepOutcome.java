package io.threadline.graph.internal;

import io.threadline.graph.RouteDecision;
import io.threadline.state.AppliedUpdate;

import java.util.List;
import java.util.Map;

/**
 * What one step of a graph did: the merged update of its nodes, the routing decisions taken after
 * them, the nodes scheduled next (empty when the run reached END) and, for nodes that needed more
 * than one attempt, how many they took; {@code interruptedAfter} names the node the graph pauses
 * after (the step commits, then the thread waits for a resume), or is {@code null}.
 */
public record StepOutcome<S>(List<String> ran, AppliedUpdate<S> applied, List<RouteDecision> decisions, List<String> next,
                             Map<String, Integer> attempts, String interruptedAfter) {
    public StepOutcome {
        ran = List.copyOf(ran);
        decisions = List.copyOf(decisions);
        next = List.copyOf(next);
        attempts = Map.copyOf(attempts);
    }
}
