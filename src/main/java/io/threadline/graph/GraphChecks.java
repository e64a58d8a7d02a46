package io.threadline.graph;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

import static io.threadline.graph.StateGraph.END;
import static io.threadline.graph.StateGraph.START;

/** The structural checks {@link StateGraph#compile()} runs; each problem is one readable sentence. */
final class GraphChecks {

    private GraphChecks() {
    }

    static void check(Set<String> nodes, Map<String, List<String>> edges, Map<String, ? extends StateGraph.RouteSpec<?>> routes,
                      List<String> problems) {
        Map<String, Set<String>> successors = new HashMap<>();
        edges.forEach((from, targets) -> {
            checkSource(from, nodes, problems);
            for (String to : targets) {
                checkTarget(from, to, nodes, problems);
                successors.computeIfAbsent(from, k -> new LinkedHashSet<>()).add(to);
            }
        });
        routes.forEach((from, spec) -> {
            checkSource(from, nodes, problems);
            if (edges.containsKey(from)) {
                problems.add("node '" + from + "' has both plain edges and a router; put every target in the router");
            }
            for (String to : spec.targets()) {
                checkTarget(from, to, nodes, problems);
                successors.computeIfAbsent(from, k -> new LinkedHashSet<>()).add(to);
            }
        });
        if (!successors.containsKey(START)) {
            problems.add("nothing follows START: add edge(START, \"<first node>\")");
        }
        for (String node : nodes) {
            if (!successors.containsKey(node)) {
                problems.add("node '" + node + "' has no outgoing edge: add an edge or a route (to END to finish)");
            }
        }
        Set<String> reachable = reach(START, successors);
        for (String node : nodes) {
            if (!reachable.contains(node)) {
                problems.add("node '" + node + "' is unreachable from START");
            }
        }
        Map<String, Set<String>> predecessors = new HashMap<>();
        successors.forEach((from, tos) -> tos.forEach(to -> predecessors.computeIfAbsent(to, k -> new LinkedHashSet<>()).add(from)));
        Set<String> canFinish = reach(END, predecessors);
        for (String node : nodes) {
            if (reachable.contains(node) && successors.containsKey(node) && !canFinish.contains(node)) {
                problems.add("node '" + node + "' has no way to END: every path from it loops forever");
            }
        }
    }

    private static void checkSource(String from, Set<String> nodes, List<String> problems) {
        if (END.equals(from)) {
            problems.add("END cannot have outgoing edges");
        } else if (!START.equals(from) && !nodes.contains(from)) {
            problems.add("edge from unknown node '" + from + "'" + hint(nodes));
        }
    }

    private static void checkTarget(String from, String to, Set<String> nodes, List<String> problems) {
        if (START.equals(to)) {
            problems.add("edge from '" + from + "' to START: START is only an entry");
        } else if (!END.equals(to) && !nodes.contains(to)) {
            problems.add("edge from '" + from + "' to unknown node '" + to + "'" + hint(nodes));
        }
    }

    private static String hint(Set<String> nodes) {
        return " (nodes are " + nodes + ")";
    }

    private static Set<String> reach(String from, Map<String, Set<String>> next) {
        Set<String> seen = new LinkedHashSet<>();
        Deque<String> todo = new ArrayDeque<>(List.of(from));
        while (!todo.isEmpty()) {
            String n = todo.pop();
            if (seen.add(n)) {
                todo.addAll(next.getOrDefault(n, Set.of()));
            }
        }
        return seen;
    }

    static List<String> ordered(Set<String> names, List<String> order) {
        List<String> out = new ArrayList<>(names.size());
        for (String n : order) {
            if (names.contains(n)) {
                out.add(n);
            }
        }
        return out;
    }
}
