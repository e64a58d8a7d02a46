package io.threadline.graph;

import io.threadline.graph.internal.StepFailedException;
import io.threadline.graph.internal.StepOutcome;
import io.threadline.graph.internal.InterruptSignal;
import io.threadline.graph.internal.GraphSteps;
import io.threadline.graph.internal.StepEnvironment;
import io.threadline.state.StateMigration;
import io.threadline.ErrorCode;
import io.threadline.ThreadlineException;
import io.threadline.state.AppliedUpdate;
import io.threadline.state.Channel;
import io.threadline.state.FieldUpdate;
import io.threadline.state.StateSchema;
import io.threadline.state.Update;

import java.util.ArrayList;
import java.util.Collection;
import java.util.Collections;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

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
    private final java.util.Set<String> interruptBefore;
    private final java.util.Set<String> interruptAfter;
    private final Map<Integer, StateMigration> migrations;
    private final Map<String, String> nodeMigrations;
    private final boolean pinsThreads;
    private final GraphFingerprint fingerprint;

    CompiledGraph(StateSchema<S> schema, Map<String, Node<S>> nodes, Map<String, List<String>> edges,
                  Map<String, StateGraph.RouteSpec<S>> routes, Map<String, NodePolicy<S>> policies, Durability durability,
                  java.util.Set<String> interruptBefore, java.util.Set<String> interruptAfter,
                  Map<Integer, StateMigration> migrations, Map<String, String> nodeMigrations, boolean pinsThreads) {
        this.schema = schema;
        this.nodeMigrations = Map.copyOf(nodeMigrations);
        this.pinsThreads = pinsThreads;
        this.interruptBefore = java.util.Set.copyOf(interruptBefore);
        this.interruptAfter = java.util.Set.copyOf(interruptAfter);
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
    public java.util.SortedSet<String> targetsFrom(String node) {
        StateGraph.RouteSpec<S> spec = routes.get(node);
        return new java.util.TreeSet<>(spec != null ? spec.targets() : edges.getOrDefault(node, List.of()));
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
                return graph.step(state, scheduled, environment);
            }
        });
    }

    /**
     * Like {@link GraphSteps#execute(CompiledGraph, Object, Collection, StepContext)}, each attempt of each node with its own
     * context from {@code environment} (the runtime's entry: {@link GraphSteps#execute}). A node that throws
     * is attempted again as its {@link RetryPolicy} says; when the policy gives up (or the router after it
     * throws), the step fails with {@link StepFailedException}. {@link ThreadlineException}s pass through unretried.
     */
    private StepOutcome<S> step(S state, Collection<String> scheduled, StepEnvironment environment) {
        List<RouteDecision> decisions = new ArrayList<>();
        if (scheduled.contains(START)) {
            if (scheduled.size() != 1) {
                throw new ThreadlineException(ErrorCode.INTERNAL, "START starts a run and cannot be scheduled with other nodes: " + scheduled);
            }
            scheduled = entry(state, decisions);
        }
        List<String> ran = GraphChecks.ordered(new LinkedHashSet<>(scheduled), order);
        if (ran.size() != new LinkedHashSet<>(scheduled).size()) {
            throw new ThreadlineException(ErrorCode.INTERNAL, "scheduled nodes " + scheduled + " are not all in the graph " + order);
        }
        if (!environment.resuming()) {
            for (String name : ran) {
                if (interruptBefore.contains(name)) {
                    throw new InterruptSignal(name, InterruptPoint.BEFORE, Map.of("before", name));
                }
            }
        }
        List<FieldUpdate<S>> merged = new ArrayList<>();
        Map<String, String> overwrittenBy = new HashMap<>();
        Map<String, Integer> attempts = new LinkedHashMap<>();
        List<String> started = new ArrayList<>();
        for (String name : ran) {
            started.add(name);
            Update<S> update = runNode(name, state, environment, started, attempts);
            for (FieldUpdate<S> change : update.changes()) {
                Channel.Kind kind = change.channel().kind();
                if (kind == Channel.Kind.OVERWRITE || change instanceof FieldUpdate.Set<S>) {
                    String previous = overwrittenBy.put(change.channel().name(), name);
                    if (previous != null && !previous.equals(name)) {
                        throw ThreadlineException.withViolations(ErrorCode.VALIDATION_FAILED,
                                "nodes '" + previous + "' and '" + name + "' both overwrite '" + change.channel().name()
                                        + "' in one step; give the field a reducer (append, merge or custom)",
                                List.of(Map.of("path", change.channel().name(), "message", "overwritten by two nodes in one step")));
                    }
                }
                merged.add(change);
            }
        }
        AppliedUpdate<S> applied = schema.apply(state, merged);
        Set<String> next = new LinkedHashSet<>();
        for (String name : ran) {
            StateGraph.RouteSpec<S> spec = routes.get(name);
            if (spec != null) {
                RouteDecision decision = decideOrFail(name, spec, applied.state(), started, attempts);
                decisions.add(decision);
                next.addAll(decision.to());
            } else {
                next.addAll(edges.getOrDefault(name, List.of()));
            }
        }
        next.remove(END);
        String pauseAfter = ran.stream().filter(interruptAfter::contains).findFirst().orElse(null);
        return new StepOutcome<>(ran, applied, decisions, GraphChecks.ordered(next, order), attempts, pauseAfter);
    }

    /** The nodes a run starts with; a router on START decides on the state the run starts from. */
    private Collection<String> entry(S state, List<RouteDecision> decisions) {
        StateGraph.RouteSpec<S> router = routes.get(START);
        if (router == null) {
            return edges.getOrDefault(START, List.of());
        }
        RouteDecision decision = decideOrFail(START, router, state, List.of(), Map.of());
        decisions.add(decision);
        Set<String> nodes = new LinkedHashSet<>(decision.to());
        nodes.remove(END);
        return nodes;
    }

    private Update<S> runNode(String name, S state, StepEnvironment environment, List<String> started,
                              Map<String, Integer> attempts) {
        NodePolicy<S> policy = policy(name);
        Durability nodeDurability = durabilityOf(name);
        int first = environment.firstAttempt(name);
        for (int attempt = first; ; attempt++) {
            Update<S> update;
            try {
                update = nodes.get(name).apply(state, environment.contextFor(name, attempt, nodeDurability));
                if (update == null) {
                    throw new IllegalStateException("node '" + name + "' returned null; return Update.none() when it changes nothing");
                }
            } catch (ThreadlineException | InterruptSignal e) {
                throw e;
            } catch (RuntimeException e) {
                environment.attemptEnded(name, attempt, e);
                if (!policy.retry().retries(e, attempt)) {
                    attempts.put(name, attempt);
                    throw new StepFailedException(name, attempt, started, attempts, e);
                }
                environment.pause(policy.retry().backoffAfter(attempt));
                continue;
            }
            environment.attemptEnded(name, attempt, null);
            if (attempt > 1) {
                attempts.put(name, attempt);
            }
            return policy.retry().attemptsField() == null ? update : update.and(policy.retry().attemptsField().set(policy.retry().retriesRecorded(attempt)));
        }
    }

    /** A routing decision; a router that throws or answers nonsense fails the step like a node would. */
    private RouteDecision decideOrFail(String from, StateGraph.RouteSpec<S> spec, S state, List<String> started,
                                       Map<String, Integer> attempts) {
        try {
            return decide(from, spec, state);
        } catch (ThreadlineException e) {
            Throwable cause = e.getCause() != null ? e.getCause() : new IllegalStateException(e.getMessage());
            throw new StepFailedException(from + ":router", 1, started, attempts, cause);
        }
    }

    private RouteDecision decide(String from, StateGraph.RouteSpec<S> spec, S state) {
        Route route;
        try {
            route = spec.router().route(state);
        } catch (RuntimeException e) {
            throw new ThreadlineException(ErrorCode.INTERNAL, "router after '" + from + "' failed: " + e,
                    Map.of("node", from, "exception", e.getClass().getName()), e);
        }
        if (route == null) {
            throw new ThreadlineException(ErrorCode.INTERNAL, "router after '" + from + "' returned no route", Map.of("node", from));
        }
        List<String> to = new ArrayList<>();
        for (Object target : route.targets()) {
            String node = END.equals(target) ? END
                    : spec.labels().isEmpty() ? (target instanceof String s ? s : null)
                    : spec.labels().get(target);
            if (node == null || !spec.targets().contains(node)) {
                throw new ThreadlineException(ErrorCode.INTERNAL,
                        "router after '" + from + "' chose '" + target + "', which its route does not declare "
                                + (spec.labels().isEmpty() ? spec.targets() : spec.labels()),
                        Map.of("node", from, "target", String.valueOf(target)));
            }
            to.add(node);
        }
        return new RouteDecision(from, to, route.reason());
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
