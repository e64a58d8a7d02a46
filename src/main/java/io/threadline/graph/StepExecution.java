package io.threadline.graph;

import io.threadline.ErrorCode;
import io.threadline.ThreadlineException;
import io.threadline.graph.internal.GraphSteps;
import io.threadline.graph.internal.InterruptSignal;
import io.threadline.graph.internal.StepEnvironment;
import io.threadline.graph.internal.StepFailedException;
import io.threadline.graph.internal.StepOutcome;
import io.threadline.state.AppliedUpdate;
import io.threadline.state.Channel;
import io.threadline.state.FieldUpdate;
import io.threadline.state.Update;

import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

import static io.threadline.graph.StateGraph.END;
import static io.threadline.graph.StateGraph.START;

/**
 * Runs one step of a {@link CompiledGraph}: the scheduled nodes with their retries, the merge of their updates, the
 * routing after them, and the interrupts around them. The graph describes; this runs. It reaches the graph's nodes,
 * edges, routers and interrupt points as the graph hands them over, and the rest through the graph's public face.
 *
 * @param <S> the state record type
 */
final class StepExecution<S> {

    private final CompiledGraph<S> graph;
    private final Map<String, Node<S>> nodes;
    private final Map<String, List<String>> edges;
    private final Map<String, StateGraph.RouteSpec<S>> routes;
    private final Set<String> interruptBefore;
    private final Set<String> interruptAfter;

    StepExecution(CompiledGraph<S> graph, Map<String, Node<S>> nodes, Map<String, List<String>> edges,
                  Map<String, StateGraph.RouteSpec<S>> routes, Set<String> interruptBefore, Set<String> interruptAfter) {
        this.graph = graph;
        this.nodes = nodes;
        this.edges = edges;
        this.routes = routes;
        this.interruptBefore = interruptBefore;
        this.interruptAfter = interruptAfter;
    }

    /**
     * Like {@link GraphSteps#execute(CompiledGraph, Object, Collection, StepContext)}, each attempt of each node with its own
     * context from {@code environment} (the runtime's entry: {@link GraphSteps#execute}). A node that throws
     * is attempted again as its {@link RetryPolicy} says; when the policy gives up (or the router after it
     * throws), the step fails with {@link StepFailedException}. {@link ThreadlineException}s pass through unretried.
     */
    StepOutcome<S> run(S state, Collection<String> scheduled, StepEnvironment environment) {
        List<RouteDecision> decisions = new ArrayList<>();
        if (scheduled.contains(START)) {
            if (scheduled.size() != 1) {
                throw new ThreadlineException(ErrorCode.INTERNAL, "START starts a run and cannot be scheduled with other nodes: " + scheduled);
            }
            scheduled = entry(state, decisions);
        }
        List<String> ran = GraphChecks.ordered(new LinkedHashSet<>(scheduled), graph.nodeNames());
        if (ran.size() != new LinkedHashSet<>(scheduled).size()) {
            throw new ThreadlineException(ErrorCode.INTERNAL, "scheduled nodes " + scheduled + " are not all in the graph " + graph.nodeNames());
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
        AppliedUpdate<S> applied = graph.schema().apply(state, merged);
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
        return new StepOutcome<>(ran, applied, decisions, GraphChecks.ordered(next, graph.nodeNames()), attempts, pauseAfter);
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
        NodePolicy<S> policy = graph.policy(name);
        Durability nodeDurability = graph.durabilityOf(name);
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
}
