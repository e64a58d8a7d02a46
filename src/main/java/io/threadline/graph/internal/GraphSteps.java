package io.threadline.graph.internal;

import io.threadline.graph.CompiledGraph;
import io.threadline.graph.Durability;
import io.threadline.graph.StepContext;
import io.threadline.graph.internal.StepFailedException;
import io.threadline.graph.internal.StepOutcome;

import java.time.Duration;
import java.util.Collection;
import java.util.Objects;

/**
 * The runtime's entry into a compiled graph: one step with a context per node and attempt, retries as each
 * node's policy says, waits between attempts as the environment does. Not for users: an agent's graph runs
 * through {@code ThreadRuntime}, and a test of a graph builds one ({@code ThreadRuntime.builder(graph).build()},
 * in memory). The engine's own tests run a bare step with {@link #execute(CompiledGraph, Object, Collection, StepContext)}.
 *
 * <p>{@link CompiledGraph} hands its step to this class when it loads (as the JDK's shared secrets do), so
 * that the entry is not on the graph's public face while the graph's workings stay private to it.
 */
public final class GraphSteps {

    /** How a compiled graph runs a step; registered once, by {@link CompiledGraph}. */
    public interface Engine {
        <S> StepOutcome<S> execute(CompiledGraph<S> graph, S state, Collection<String> scheduled, StepEnvironment environment);
    }

    private static volatile Engine engine;

    private GraphSteps() {
    }

    /** Called by {@link CompiledGraph}'s class initialiser; a second registration is refused. */
    public static synchronized void register(Engine compiledGraphs) {
        if (engine != null) {
            throw new IllegalStateException("the graph engine is registered once, by CompiledGraph");
        }
        engine = Objects.requireNonNull(compiledGraphs, "compiledGraphs");
    }

    /**
     * Runs the scheduled nodes on {@code state}, each attempt of each node with its own context from
     * {@code environment}. A node that throws is attempted again as its retry policy says; when the policy
     * gives up (or the router after it throws), the step fails with {@link StepFailedException}.
     * {@code ThreadlineException}s pass through unretried. (A graph instance exists, so its class has
     * loaded and registered the engine.)
     */
    public static <S> StepOutcome<S> execute(CompiledGraph<S> graph, S state, Collection<String> scheduled,
                                             StepEnvironment environment) {
        return engine.execute(graph, state, scheduled, environment);
    }

    /**
     * Runs the scheduled nodes on {@code state} (each sees the same input), merges their updates in
     * declaration order through the schema's reducers, then routes from each node on the merged state, every
     * node with {@code context}, with no waiting between retries: a bare step, without checkpoints.
     */
    public static <S> StepOutcome<S> execute(CompiledGraph<S> graph, S state, Collection<String> scheduled, StepContext context) {
        return execute(graph, state, scheduled, new StepEnvironment() {
            @Override
            public StepContext contextFor(String node, int attempt, Durability durability) {
                return context;
            }

            @Override
            public void pause(Duration backoff) {
            }
        });
    }
}
