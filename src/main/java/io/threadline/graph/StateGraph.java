package io.threadline.graph;

import io.threadline.state.StateMigration;
import io.threadline.state.StateSchema;

import java.util.ArrayList;
import java.util.EnumSet;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.TreeMap;
import java.util.regex.Pattern;

/**
 * Builds a graph of nodes over a typed state. The seed's agent reads:
 *
 * <pre>{@code
 * CompiledGraph<AgentState> graph = StateGraph.of(AgentState.class)
 *         .node("process", this::process)
 *         .node("execute", this::execute)
 *         .node("respond", this::respond)
 *         .edge(START, "process")
 *         .route("process", this::needsTool, "execute", "respond")
 *         .chain("execute", "respond", END)
 *         .compile();
 * }</pre>
 *
 * {@link #compile()} checks the whole definition and reports every problem at once: unknown or
 * reserved names, duplicates, nodes unreachable from START, nodes with no way to END, routes whose
 * labels are not all mapped.
 *
 * @param <S> the state record type
 */
public final class StateGraph<S> {

    /** The entry of every graph. */
    public static final String START = "__start__";
    /** The exit of every graph. */
    public static final String END = "__end__";

    static final Pattern NODE_NAME = Pattern.compile("[A-Za-z][A-Za-z0-9_-]{0,63}");

    private final StateSchema<S> schema;
    private final Map<String, Node<S>> nodes = new LinkedHashMap<>();
    private final Map<String, List<String>> edges = new LinkedHashMap<>();
    private final Map<String, RouteSpec<S>> routes = new LinkedHashMap<>();
    private final Map<String, NodePolicy<S>> policies = new LinkedHashMap<>();
    private final List<String> problems = new ArrayList<>();
    private Durability durability = Durability.EXIT;
    private final Set<String> interruptBefore = new LinkedHashSet<>();
    private final Set<String> interruptAfter = new LinkedHashSet<>();
    private final Map<Integer, StateMigration> migrations = new TreeMap<>();
    private final Map<String, String> nodeMigrations = new TreeMap<>();
    private boolean pinThreads;

    /** A conditional edge: the router and everything it may choose. */
    record RouteSpec<S>(Router<S> router, List<String> targets, Map<Object, String> labels) {}

    private StateGraph(StateSchema<S> schema) {
        this.schema = Objects.requireNonNull(schema, "schema");
    }

    public static <S extends Record> StateGraph<S> of(Class<S> stateType) {
        return new StateGraph<>(StateSchema.of(stateType));
    }

    public static <S> StateGraph<S> of(StateSchema<S> schema) {
        return new StateGraph<>(schema);
    }

    /** Adds a node; nodes run in the order they are added when several run in one step. */
    public StateGraph<S> node(String name, Node<S> node) {
        Objects.requireNonNull(node, "node");
        if (START.equals(name) || END.equals(name)) {
            problems.add("'" + name + "' is reserved for START/END and cannot name a node");
        } else if (name == null || !NODE_NAME.matcher(name).matches()) {
            problems.add("node name '" + name + "' must start with a letter and use letters, digits, '_' or '-' (max 64)");
        } else if (nodes.putIfAbsent(name, node) != null) {
            problems.add("node '" + name + "' is added twice");
        }
        return this;
    }

    /** Adds a node with its own durability and retry policy. */
    public StateGraph<S> node(String name, Node<S> node, NodePolicy<S> policy) {
        node(name, node);
        policies.put(name, Objects.requireNonNull(policy, "policy"));
        return this;
    }

    /** When the effects of nodes without a durability of their own become durable (default {@link Durability#EXIT}). */
    public StateGraph<S> durability(Durability durability) {
        this.durability = Objects.requireNonNull(durability, "durability");
        return this;
    }

    /** Pauses every run before these nodes: the thread becomes INTERRUPTED and a resume runs them. */
    public StateGraph<S> interruptBefore(String... nodes) {
        interruptBefore.addAll(List.of(nodes));
        return this;
    }

    /** Pauses every run after these nodes: their step commits INTERRUPTED and a resume goes on. */
    public StateGraph<S> interruptAfter(String... nodes) {
        interruptAfter.addAll(List.of(nodes));
        return this;
    }

    /**
     * Registers the upcaster of stored states from schema version {@code fromVersion} to the next.
     * Versions below the current one must form an unbroken chain up to it (checked by {@link #compile}).
     */
    public StateGraph<S> migration(int fromVersion, StateMigration migration) {
        if (migrations.put(fromVersion, Objects.requireNonNull(migration, "migration")) != null) {
            problems.add("two migrations from schema version " + fromVersion);
        }
        return this;
    }

    /**
     * Declares that node {@code removed} of an earlier version of this graph (renamed, or removed) is continued by
     * {@code replacement}: a stored thread scheduled at (or interrupted in) {@code removed} goes on at
     * {@code replacement} when this graph steps it, and the checkpoint records the move
     * ({@code graphMigrated}). Checked by {@link #compile()}: {@code removed} must not be a node of this graph,
     * {@code replacement} must be one. Not part of the {@link GraphFingerprint}.
     */
    public StateGraph<S> migrateNode(String removed, String replacement) {
        if (nodeMigrations.put(Objects.requireNonNull(removed, "removed"), Objects.requireNonNull(replacement, "replacement")) != null) {
            problems.add("two node migrations from '" + removed + "'");
        }
        return this;
    }

    /**
     * Threads this graph starts are pinned to its {@link GraphFingerprint}: every checkpoint of theirs carries
     * {@code graphPin}, and a runtime of another graph refuses to step them ({@code GRAPH_PINNED}, naming the
     * fingerprint), so they finish on the version they started on while that version stays deployed (README,
     * "Deploying a new version"). Threads started before pinning was declared are not pinned.
     */
    public StateGraph<S> pinThreads() {
        this.pinThreads = true;
        return this;
    }

    /** A plain edge: after {@code from}, run {@code to}. Several edges from one node fan out. */
    public StateGraph<S> edge(String from, String to) {
        edges.computeIfAbsent(from, k -> new ArrayList<>()).add(to);
        return this;
    }

    /** Edges along a path: {@code chain(a, b, c)} is {@code edge(a, b).edge(b, c)}. */
    public StateGraph<S> chain(String... path) {
        if (path.length < 2) {
            problems.add("a chain needs at least two names");
        }
        for (int i = 0; i + 1 < path.length; i++) {
            edge(path[i], path[i + 1]);
        }
        return this;
    }

    /**
     * A conditional edge: after {@code from}, {@code router} picks among {@code targets} (node names
     * or {@link #END}). A router returning anything else fails the step, naming the router.
     */
    public StateGraph<S> route(String from, Router<S> router, String... targets) {
        if (targets.length == 0) {
            problems.add("route from '" + from + "' declares no targets");
        }
        addRoute(from, new RouteSpec<>(Objects.requireNonNull(router, "router"), List.of(targets), Map.of()));
        return this;
    }

    /**
     * A conditional edge whose router answers with labels of an enum, each mapped to a node. The
     * mapping must cover every label, so the router cannot choose a target that was not declared —
     * checked by {@link #compile()}.
     */
    public <E extends Enum<E>> StateGraph<S> route(String from, Class<E> labels, Router<S> router, Map<E, String> targets) {
        Objects.requireNonNull(router, "router");
        EnumSet<E> missing = EnumSet.allOf(labels);
        missing.removeAll(targets.keySet());
        if (!missing.isEmpty()) {
            problems.add("route from '" + from + "' does not map " + labels.getSimpleName() + " labels " + missing
                    + " to a node: the router could choose them");
        }
        Map<Object, String> byLabel = new LinkedHashMap<>();
        for (E label : labels.getEnumConstants()) {
            if (targets.containsKey(label)) {
                byLabel.put(label, targets.get(label));
            }
        }
        addRoute(from, new RouteSpec<>(router, List.copyOf(byLabel.values()), byLabel));
        return this;
    }

    private void addRoute(String from, RouteSpec<S> spec) {
        if (routes.putIfAbsent(from, spec) != null) {
            problems.add("node '" + from + "' has two routers; combine them into one");
        }
    }

    /** Checks the definition and freezes it. Throws {@link InvalidGraphException} listing all problems. */
    public CompiledGraph<S> compile() {
        List<String> found = new ArrayList<>(problems);
        GraphChecks.check(nodes.keySet(), edges, routes, found);
        if (!found.isEmpty()) {
            throw new InvalidGraphException(found);
        }
        for (Map.Entry<String, NodePolicy<S>> p : policies.entrySet()) {
            if (p.getValue().retry().attemptsField() != null) {
                // Checked here so a misnamed field fails at start-up, not on a step's first retry.
                String field = p.getValue().retry().attemptsField().name();
                if (!schema.hasField(field)) {
                    found.add("node '" + p.getKey() + "' counts retries in '" + field + "', which the state does not declare");
                }
            }
        }
        for (String n : interruptBefore) {
            if (!nodes.containsKey(n)) {
                found.add("interruptBefore names '" + n + "', which is not a node");
            }
        }
        for (String n : interruptAfter) {
            if (!nodes.containsKey(n)) {
                found.add("interruptAfter names '" + n + "', which is not a node");
            }
        }
        if (!migrations.isEmpty()) {
            int lowest = ((TreeMap<Integer, ?>) migrations).firstKey();
            for (int v = lowest; v < schema.version(); v++) {
                if (!migrations.containsKey(v)) {
                    found.add("no migration from schema version " + v + " to " + (v + 1) + " (migrations start at " + lowest + ")");
                }
            }
            for (int v : migrations.keySet()) {
                if (v < 1 || v >= schema.version()) {
                    found.add("a migration from version " + v + " cannot lead to the current schema version " + schema.version());
                }
            }
        }
        nodeMigrations.forEach((removed, replacement) -> {
            if (nodes.containsKey(removed)) {
                found.add("migrateNode('" + removed + "', …): '" + removed + "' is still a node; only a node of an earlier version can be migrated");
            }
            if (!nodes.containsKey(replacement)) {
                found.add("migrateNode(…, '" + replacement + "'): '" + replacement + "' is not a node");
            }
        });
        if (!found.isEmpty()) {
            throw new InvalidGraphException(found);
        }
        return new CompiledGraph<>(schema, nodes, edges, routes, policies, durability, interruptBefore, interruptAfter, migrations,
                nodeMigrations, pinThreads);
    }
}
