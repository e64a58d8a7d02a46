package io.threadline.runtime.internal;

import io.threadline.ErrorCode;
import io.threadline.ThreadlineException;
import io.threadline.checkpoint.Checkpoint;
import io.threadline.checkpoint.Status;
import io.threadline.graph.CompiledGraph;
import io.threadline.graph.StateGraph;
import io.threadline.runtime.VersionCheck;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;

/**
 * The version rule between a deployed graph and a stored thread (see {@link VersionCheck}), and the metadata
 * every checkpoint carries so that a later version can apply it: the fingerprint of the graph that wrote it
 * ({@value #GRAPH_KEY}), the routes from the nodes it schedules next ({@value #ROUTES_KEY}: a later graph cannot
 * know an earlier graph's routes otherwise), the pin ({@value #PIN_KEY}), and, on the first checkpoint after a
 * change of graph, the fingerprint before ({@value #FROM_KEY}) and the node migrations applied ({@value #MIGRATED_KEY}).
 */
public final class GraphVersions {

    /** The fingerprint of the graph that wrote the checkpoint. */
    public static final String GRAPH_KEY = "graph";
    /** The fingerprint of the graph that wrote the parent, when it was another one (a recorded version change). */
    public static final String FROM_KEY = "graphFrom";
    /** The node migrations a step applied: {@code old>new}, {@code ;}-separated. */
    public static final String MIGRATED_KEY = "graphMigrated";
    /** The fingerprint a pinned thread is pinned to; carried by every checkpoint of the thread. */
    public static final String PIN_KEY = "graphPin";
    /** The routes out of the next nodes, in the graph that wrote it: {@code node>target,target}, {@code ;}-separated. */
    public static final String ROUTES_KEY = "graphRoutes";

    private final CompiledGraph<?> graph;
    private final String fingerprint;

    public GraphVersions(CompiledGraph<?> graph) {
        this.graph = graph;
        this.fingerprint = graph.fingerprint().value();
    }

    public String fingerprint() {
        return fingerprint;
    }

    /** What this graph does with a thread whose latest checkpoint is {@code head}. */
    public VersionCheck check(Checkpoint head) {
        Map<String, String> metadata = head.metadata();
        String threadGraph = metadata.get(GRAPH_KEY);
        List<String> waiting = waitingAt(head);
        String pin = metadata.get(PIN_KEY);
        if (pin != null && !pin.equals(fingerprint)) {
            return new VersionCheck(VersionCheck.Outcome.PINNED, threadGraph, fingerprint, waiting, List.of(), Map.of(), List.of(), pin);
        }
        Set<String> scheduled = new LinkedHashSet<>();
        Map<String, String> moved = new LinkedHashMap<>();
        List<String> missing = new ArrayList<>();
        for (String node : waiting) {
            if (graph.hasNode(node)) {
                scheduled.add(node);
            } else if (graph.nodeMigrations().containsKey(node)) {
                moved.put(node, graph.nodeMigrations().get(node));
                scheduled.add(graph.nodeMigrations().get(node));
            } else {
                missing.add("node '" + node + "'");
            }
        }
        if (threadGraph != null && !threadGraph.equals(fingerprint)) {
            // Routes are checked only where the graph changed: the same fingerprint has the same routes.
            Map<String, List<String>> routes = parseRoutes(metadata.get(ROUTES_KEY));
            for (String node : waiting) {
                if (!graph.hasNode(node)) {
                    continue;   // missing, or moved by a declared migration (which is the developer's word for it)
                }
                Set<String> now = graph.targetsFrom(node);
                for (String target : routes.getOrDefault(node, List.of())) {
                    String renamed = graph.nodeMigrations().get(target);
                    if (!now.contains(target) && (renamed == null || !now.contains(renamed))) {
                        missing.add("route '" + node + "' → '" + target + "'");
                    }
                }
            }
        }
        List<String> ordered = new ArrayList<>();
        for (String node : graph.nodeNames()) {
            if (scheduled.contains(node)) {
                ordered.add(node);
            }
        }
        if (!missing.isEmpty()) {
            return new VersionCheck(VersionCheck.Outcome.REFUSE, threadGraph, fingerprint, waiting, List.of(), moved, missing, null);
        }
        return new VersionCheck(moved.isEmpty() ? VersionCheck.Outcome.CONTINUE : VersionCheck.Outcome.MIGRATE, threadGraph,
                fingerprint, waiting, ordered, moved, List.of(), null);
    }

    /**
     * The check a step makes: refused outcomes become their error (nothing is written), the others are returned.
     */
    public VersionCheck require(Checkpoint head) {
        VersionCheck check = check(head);
        String thread = head.thread().threadId();
        if (check.outcome() == VersionCheck.Outcome.PINNED) {
            throw new ThreadlineException(ErrorCode.GRAPH_PINNED, "thread " + thread + " is pinned to graph " + check.pinnedTo()
                    + " and this deployment runs graph " + fingerprint + ": send it to the version that runs " + check.pinnedTo()
                    + " (README, \"Deploying a new version\")",
                    Map.of("thread", thread, "pinnedTo", check.pinnedTo(), "deployedGraph", fingerprint));
        }
        if (check.outcome() == VersionCheck.Outcome.REFUSE) {
            Map<String, Object> details = new LinkedHashMap<>();
            details.put("thread", thread);
            details.put("missing", check.missing());
            details.put("threadGraph", check.threadGraph() == null ? "" : check.threadGraph());
            details.put("deployedGraph", fingerprint);
            throw new ThreadlineException(ErrorCode.GRAPH_INCOMPATIBLE, "thread " + thread + " waits at " + check.waitingAt()
                    + ", written by graph " + (check.threadGraph() == null ? "(not recorded)" : check.threadGraph())
                    + "; this deployment's graph " + fingerprint + " lacks " + String.join(", ", check.missing())
                    + ": keep them, declare StateGraph.migrateNode for removed nodes, or leave such threads to the previous version",
                    details);
        }
        return check;
    }

    /**
     * The version metadata of a checkpoint about to be committed after {@code parent} ({@code null} for a thread's
     * first): the fingerprint, the routes out of its next nodes, the pin, and the version change it crosses.
     */
    public Map<String, String> stamp(Checkpoint parent, List<String> next) {
        Map<String, String> out = new TreeMap<>();
        out.put(GRAPH_KEY, fingerprint);
        StringBuilder routes = new StringBuilder();
        for (String node : new TreeSet<>(next)) {
            if (graph.hasNode(node)) {
                routes.append(routes.isEmpty() ? "" : ";").append(node).append('>').append(String.join(",", graph.targetsFrom(node)));
            }
        }
        if (!routes.isEmpty()) {
            out.put(ROUTES_KEY, routes.toString());
        }
        String pin = parent == null ? (graph.pinsThreads() ? fingerprint : null) : parent.metadata().get(PIN_KEY);
        if (pin != null) {
            out.put(PIN_KEY, pin);
        }
        String before = parent == null ? null : parent.metadata().get(GRAPH_KEY);
        if (before != null && !before.equals(fingerprint)) {
            out.put(FROM_KEY, before);
        }
        return out;
    }

    /** The metadata value recording applied node migrations. */
    public static String migrated(Map<String, String> moved) {
        StringBuilder out = new StringBuilder();
        new TreeMap<>(moved).forEach((from, to) -> out.append(out.isEmpty() ? "" : ";").append(from).append('>').append(to));
        return out.toString();
    }

    /** The nodes a thread waits at or is scheduled for: its next nodes (an interrupted one's include the node it stopped in). */
    static List<String> waitingAt(Checkpoint head) {
        List<String> waiting = new ArrayList<>(head.next());
        if (head.status() == Status.INTERRUPTED && head.interrupt() != null && !"AFTER".equals(head.interrupt().when())
                && !waiting.contains(head.interrupt().node())) {
            waiting.add(head.interrupt().node());
        }
        waiting.remove(StateGraph.START);
        return waiting;
    }

    private static Map<String, List<String>> parseRoutes(String text) {
        Map<String, List<String>> out = new TreeMap<>();
        if (text == null || text.isEmpty()) {
            return out;
        }
        for (String entry : text.split(";")) {
            int at = entry.indexOf('>');
            if (at > 0) {
                String targets = entry.substring(at + 1);
                out.put(entry.substring(0, at), targets.isEmpty() ? List.of() : List.of(targets.split(",")));
            }
        }
        return out;
    }
}
