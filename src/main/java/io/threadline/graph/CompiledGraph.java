package io.threadline.graph;

import io.threadline.graph.internal.StepOutcome;
import io.threadline.graph.internal.GraphSteps;
import io.threadline.graph.internal.StepEnvironment;
import io.threadline.state.StateMigration;
import io.threadline.state.StateSchema;

import java.util.ArrayList;
import java.util.Collection;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.SortedSet;
import java.util.TreeSet;

import static io.threadline.graph.StateGraph.END;
import static io.threadline.graph.StateGraph.START;

/**
 * A checked, immutable graph. {@link #execute} computes one step as a function of the state, the
 * scheduled nodes and what the context supplies; it stores nothing. Thread-safe.
 *
 * @param <S> the state record type
 */
public final class CompiledGraph<S> {

    private final StateSchema<S> schema;
    private final Map<String, Node<S>> nodes;
    private final List<String> order;
    private final Map<String, List<String>> edges;
    private final Map<String, StateGraph.RouteSpec<S>> routes;
    private final Map<String, NodePolicy<S>> policies;
    private final Durability durability;
    private final Set<String> interruptBefore;
    private final Set<String> interruptAfter;
    private final Map<Integer, StateMigration> migrations;
    private final Map<String, String> nodeMigrations;
    private final boolean pinsThreads;
    private final GraphFingerprint fingerprint;
    private final StepExecution<S> execution;

    CompiledGraph(StateSchema<S> schema, Map<String, Node<S>> nodes, Map<String, List<String>> edges,
                  Map<String, StateGraph.RouteSpec<S>> routes, Map<String, NodePolicy<S>> policies, Durability durability,
                  Set<String> interruptBefore, Set<String> interruptAfter,
                  Map<Integer, StateMigration> migrations, Map<String, String> nodeMigrations, boolean pinsThreads) {
        this.schema = schema;
        this.nodeMigrations = Map.copyOf(nodeMigrations);
        this.pinsThreads = pinsThreads;
        this.interruptBefore = Set.copyOf(interruptBefore);
        this.interruptAfter = Set.copyOf(interruptAfter);
        this.migrations = Map.copyOf(migrations);
        this.policies = Map.copyOf(policies);
        this.durability = durability;
        this.nodes = Collections.unmodifiableMap(new LinkedHashMap<>(nodes));
        this.order = List.copyOf(nodes.keySet());
        Map<String, List<String>> e = new LinkedHashMap<>();
        edges.forEach((k, v) -> e.put(k, List.copyOf(new LinkedHashSet<>(v))));
        this.edges = Collections.unmodifiableMap(e);
        this.routes = Collections.unmodifiableMap(new LinkedHashMap<>(routes));
        this.fingerprint = GraphFingerprint.of(schema.version(), order, this.edges, this.routes, this.policies, durability,
                this.interruptBefore, this.interruptAfter);
        this.execution = new StepExecution<>(this, this.nodes, this.edges, this.routes, this.interruptBefore, this.interruptAfter);
    }

    /** The stable hash of this graph's structure that every checkpoint it writes records (see {@link GraphFingerprint}). */
    public GraphFingerprint fingerprint() {
        return fingerprint;
    }

    /** Whether {@code name} is a node of this graph (START and END are not). */
    public boolean hasNode(String name) {
        return nodes.containsKey(name);
    }

    /**
     * Where a run can go right after {@code node}: its plain edges' targets or every target its router declares
     * ({@link StateGraph#END} included), sorted; empty for a name that is not a node.
     */
    public SortedSet<String> targetsFrom(String node) {
        StateGraph.RouteSpec<S> spec = routes.get(node);
        return new TreeSet<>(spec != null ? spec.targets() : edges.getOrDefault(node, List.of()));
    }

    /**
     * The node migrations this graph declares ({@link StateGraph#migrateNode}): a node of an earlier version that
     * is gone, mapped to the node of this graph that a thread waiting at it goes on at.
     */
    public Map<String, String> nodeMigrations() {
        return nodeMigrations;
    }

    /** Whether threads this graph starts stay on it ({@link StateGraph#pinThreads}). */
    public boolean pinsThreads() {
        return pinsThreads;
    }

    public StateSchema<S> schema() {
        return schema;
    }

    /** The policy {@code node} runs with (the graph's durability and no retries unless it has its own). */
    public NodePolicy<S> policy(String node) {
        return policies.getOrDefault(node, NodePolicy.defaults());
    }

    /** Where a node's effects become durable: its own setting, else the graph's. */
    public Durability durabilityOf(String node) {
        Durability own = policy(node).durability();
        return own != null ? own : durability;
    }

    /** Upcasters by the version they migrate from (v → v+1). */
    public Map<Integer, StateMigration> migrations() {
        return migrations;
    }

    /** Node names in declaration order (the order nodes of one step run and merge in). */
    public List<String> nodeNames() {
        return order;
    }

    /** The nodes a new run can start with: START's successors, or every target of a router on START. */
    public List<String> entryNodes() {
        StateGraph.RouteSpec<S> entry = routes.get(START);
        List<String> targets = entry != null ? entry.targets() : edges.getOrDefault(START, List.of());
        return GraphChecks.ordered(new LinkedHashSet<>(targets), order);
    }

    static {
        GraphSteps.register(new GraphSteps.Engine() {
            @Override
            public <S> StepOutcome<S> execute(CompiledGraph<S> graph, S state, Collection<String> scheduled,
                                              StepEnvironment environment) {
                return graph.execution.run(state, scheduled, environment);
            }
        });
    }

    /**
     * Every edge, fixed ones first (from START, then in node order), then each router's targets, so a
     * tool can draw the graph without parsing {@link #toMermaid()}.
     */
    public List<GraphEdge> edges() {
        List<GraphEdge> out = new ArrayList<>();
        List<String> sources = new ArrayList<>(order.size() + 1);
        sources.add(START);
        sources.addAll(order);
        for (String from : sources) {
            for (String to : edges.getOrDefault(from, List.of())) {
                out.add(new GraphEdge(from, to, null, false));
            }
        }
        for (String from : sources) {
            StateGraph.RouteSpec<S> spec = routes.get(from);
            if (spec == null) {
                continue;
            }
            if (spec.labels().isEmpty()) {
                spec.targets().forEach(to -> out.add(new GraphEdge(from, to, null, true)));
            } else {
                spec.labels().forEach((label, to) -> out.add(new GraphEdge(from, to, String.valueOf(label), true)));
            }
        }
        return List.copyOf(out);
    }

    /** The graph as a Mermaid flowchart. */
    public String toMermaid() {
        return toMermaid(Set.of());
    }

    /** The graph as a Mermaid flowchart, with the given nodes highlighted (e.g. those scheduled next). */
    public String toMermaid(Collection<String> highlighted) {
        return GraphMermaid.render(this, highlighted);
    }
}
