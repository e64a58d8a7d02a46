package io.threadline.runtime;

import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * What a runtime does with a stored thread whose latest checkpoint another version of its graph may have written:
 * the rule applied on every step and resume, and what the migration dry-run counts. Read from the thread's head
 * checkpoint alone (its {@code graph} fingerprint, {@code graphRoutes}, {@code graphPin} metadata and its next
 * nodes), so deciding costs no extra read.
 *
 * @param outcome        what the step does
 * @param threadGraph    the fingerprint recorded in the thread's head, or {@code null} when it was written before
 *                       checkpoints recorded one
 * @param deployedGraph  the fingerprint of the graph deciding
 * @param waitingAt      the nodes the thread waits at or is scheduled for (empty: a finished or new run, which starts
 *                       again from START)
 * @param scheduled      the nodes a step would run: {@code waitingAt} with declared node migrations applied
 *                       (empty for a refusal)
 * @param moved          node migrations applied: a removed node of the thread's graph → the node it goes on at
 * @param missing        for {@link Outcome#REFUSE}: what the deployed graph lacks, one sentence each
 *                       ({@code node 'review'}, {@code route 'review' → 'publish'})
 * @param pinnedTo       for {@link Outcome#PINNED}: the fingerprint the thread is pinned to, else {@code null}
 */
public record VersionCheck(Outcome outcome, String threadGraph, String deployedGraph, List<String> waitingAt,
                           List<String> scheduled, Map<String, String> moved, List<String> missing, String pinnedTo) {

    /** What a runtime does with the thread. */
    public enum Outcome {
        /**
         * Steps it: the same graph, or a compatible one — every node it waits at is still a node, and every route
         * recorded from there still a route (new nodes and new routes are fine).
         */
        CONTINUE,
        /** Steps it after moving it off removed nodes, as the graph declares ({@code StateGraph.migrateNode}). */
        MIGRATE,
        /** Refuses it with {@code GRAPH_INCOMPATIBLE}: a node it waits at, or a route from there, is gone. */
        REFUSE,
        /** Refuses it with {@code GRAPH_PINNED}: the thread is pinned to another graph's fingerprint. */
        PINNED
    }

    public VersionCheck {
        Objects.requireNonNull(outcome, "outcome");
        Objects.requireNonNull(deployedGraph, "deployedGraph");
        waitingAt = List.copyOf(waitingAt);
        scheduled = List.copyOf(scheduled);
        moved = Map.copyOf(moved);
        missing = List.copyOf(missing);
    }

    /** Whether the thread was written by this very graph (same fingerprint). */
    public boolean sameGraph() {
        return deployedGraph.equals(threadGraph);
    }

    /** One line for a person: what happens, and why. */
    public String describe() {
        return switch (outcome) {
            case CONTINUE -> sameGraph() ? "continues (same graph)"
                    : "continues: graph " + (threadGraph == null ? "(not recorded)" : threadGraph) + " → " + deployedGraph
                    + (waitingAt.isEmpty() ? ", no run in progress" : ", " + waitingAt + " and their routes are still there");
            case MIGRATE -> "migrates: " + moved.entrySet().stream().sorted(Map.Entry.comparingByKey())
                    .map(e -> "'" + e.getKey() + "' → '" + e.getValue() + "'").reduce((a, b) -> a + ", " + b).orElse("");
            case REFUSE -> "refused: graph " + deployedGraph + " lacks " + String.join(", ", missing);
            case PINNED -> "pinned to graph " + pinnedTo + ", served by the version that has it";
        };
    }
}
