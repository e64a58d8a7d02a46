package io.threadline.runtime;

import io.threadline.checkpoint.Checkpoint;
import io.threadline.checkpoint.CheckpointStore;
import io.threadline.checkpoint.HeadPage;
import io.threadline.checkpoint.HeadScan;
import io.threadline.graph.CompiledGraph;
import io.threadline.runtime.internal.GraphVersions;

import java.util.ArrayList;
import java.util.EnumMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.TreeMap;
import java.util.function.BooleanSupplier;

/**
 * Reads every stored thread of a tenant — or of every tenant — and says what the graphs about to be deployed would do
 * with each ({@link VersionCheck}), without writing anything: the store is only read ({@link CheckpointStore#scanHeads}
 * a page at a time, then each head checkpoint), so memory is one page of heads, the counts and a few examples,
 * however many threads there are. Each thread is judged by the graph of its agent (checkpoint metadata
 * {@code agent}; threads naming none by the default agent's).
 */
public final class MigrationDryRun {

    /** Distinct missing nodes and routes a report keeps (refusals beyond them are still counted). */
    static final int MAX_MISSING_KINDS = 50;

    private final CheckpointStore store;
    private final Map<String, GraphVersions> graphs;
    private final String defaultAgent;
    private final int pageSize;
    private final int examples;

    private MigrationDryRun(Builder builder) {
        this.store = builder.store;
        this.graphs = Map.copyOf(builder.graphs);
        this.defaultAgent = builder.defaultAgent;
        this.pageSize = builder.pageSize;
        this.examples = builder.examples;
    }

    /** A dry-run over {@code store}; name the graphs with {@link Builder#graph}. */
    public static Builder over(CheckpointStore store) {
        return new Builder(store);
    }

    /** Builds a dry-run: the store, each agent's graph about to be deployed, the default agent, page size, examples. */
    public static final class Builder {
        private final CheckpointStore store;
        private final Map<String, GraphVersions> graphs = new TreeMap<>();
        private String defaultAgent;
        private boolean defaultNamed;
        private int pageSize = 500;
        private int examples = 5;

        private Builder(CheckpointStore store) {
            this.store = Objects.requireNonNull(store, "store");
        }

        /** The graph agent {@code agent} is about to be deployed with; the first one named is the default agent. */
        public Builder graph(String agent, CompiledGraph<?> graph) {
            graphs.put(Objects.requireNonNull(agent, "agent"), new GraphVersions(graph));
            if (defaultAgent == null && !defaultNamed) {
                defaultAgent = agent;
            }
            return this;
        }

        /**
         * The agent whose graph judges threads that name none (written before threads were bound to agents);
         * {@code null}: none — such threads are counted {@code unserved}, as a deployment without a default refuses them.
         */
        public Builder defaultAgent(String agent) {
            this.defaultAgent = agent;
            this.defaultNamed = true;
            return this;
        }

        /** Heads read per store page (1 to {@link HeadScan#MAX_LIMIT}; default 500). */
        public Builder pageSize(int pageSize) {
            this.pageSize = pageSize;
            return this;
        }

        /** Example threads kept per outcome (default 5). */
        public Builder examples(int examples) {
            if (examples < 0 || examples > 100) {
                throw new IllegalArgumentException("examples must be 0-100");
            }
            this.examples = examples;
            return this;
        }

        public MigrationDryRun build() {
            if (graphs.isEmpty()) {
                throw new IllegalStateException("a dry-run needs at least one agent's graph");
            }
            new HeadScan(null, pageSize, null);   // refuses a bad page size now, not on the first page
            return new MigrationDryRun(this);
        }
    }

    /** Every thread of {@code tenant} ({@code null}: of every tenant). */
    public MigrationReport run(String tenant) {
        return run(tenant, null, Long.MAX_VALUE);
    }

    /**
     * The threads of {@code tenant} ({@code null}: every tenant) from {@code cursor} on ({@code null}: the start), at most
     * about {@code maxThreads} (whole pages): a report with {@link MigrationReport#nextCursor} to go on from when it
     * stopped early — how an invocation with a time limit walks a large table in parts.
     */
    public MigrationReport run(String tenant, String cursor, long maxThreads) {
        return run(tenant, cursor, maxThreads, () -> true);
    }

    /**
     * As {@link #run(String, String, long)}, and stops after the page during which {@code goOn} turned false (an
     * invocation's deadline): the report's {@link MigrationReport#nextCursor} goes on from there.
     */
    public MigrationReport run(String tenant, String cursor, long maxThreads, BooleanSupplier goOn) {
        Map<VersionCheck.Outcome, Long> counts = new EnumMap<>(VersionCheck.Outcome.class);
        Map<VersionCheck.Outcome, List<MigrationReport.Example>> kept = new EnumMap<>(VersionCheck.Outcome.class);
        for (VersionCheck.Outcome o : VersionCheck.Outcome.values()) {
            counts.put(o, 0L);
            kept.put(o, new ArrayList<>());
        }
        Map<String, Long> missing = new LinkedHashMap<>();
        long threads = 0;
        long same = 0;
        long unserved = 0;
        HeadScan scan = new HeadScan(tenant, pageSize, cursor);
        String next;
        do {
            HeadPage page = store.scanHeads(scan);
            for (HeadPage.Entry entry : page.heads()) {
                Checkpoint head = store.get(entry.thread(), entry.head().checkpointId()).orElse(null);
                if (head == null) {
                    continue;   // stepped, pruned or deleted since the page was read: its newer head comes in a later page, or never
                }
                threads++;
                String agent = head.metadata().getOrDefault(ThreadRuntime.AGENT_KEY, defaultAgent);
                GraphVersions graph = agent == null ? null : graphs.get(agent);
                if (graph == null) {
                    unserved++;
                    continue;
                }
                VersionCheck check = graph.check(head);
                counts.merge(check.outcome(), 1L, Long::sum);
                if (check.outcome() == VersionCheck.Outcome.CONTINUE && check.sameGraph()) {
                    same++;
                }
                for (String what : check.missing()) {
                    if (missing.containsKey(what) || missing.size() < MAX_MISSING_KINDS) {
                        missing.merge(what, 1L, Long::sum);
                    }
                }
                List<MigrationReport.Example> list = kept.get(check.outcome());
                // A thread the same graph wrote is no example of anything: CONTINUE shows threads whose graph changes.
                if (list.size() < examples && !(check.outcome() == VersionCheck.Outcome.CONTINUE && check.sameGraph())) {
                    list.add(new MigrationReport.Example(head.thread().tenant(), head.thread().threadId(), agent, head.step(),
                            head.status().name(), check.waitingAt(), check.threadGraph(), check.describe()));
                }
            }
            next = page.nextCursor();
            scan = scan.after(next);
        } while (next != null && threads < maxThreads && goOn.getAsBoolean());
        Map<String, Long> byFrequency = new LinkedHashMap<>();
        missing.entrySet().stream().sorted(Map.Entry.<String, Long>comparingByValue().reversed().thenComparing(Map.Entry.comparingByKey()))
                .forEach(e -> byFrequency.put(e.getKey(), e.getValue()));
        Map<String, String> fingerprints = new TreeMap<>();
        graphs.forEach((agent, g) -> fingerprints.put(agent, g.fingerprint()));
        Map<VersionCheck.Outcome, List<MigrationReport.Example>> examplesOut = new EnumMap<>(VersionCheck.Outcome.class);
        kept.forEach((o, list) -> examplesOut.put(o, List.copyOf(list)));
        return new MigrationReport(tenant, fingerprints, threads, counts, same, unserved, byFrequency, examplesOut, next);
    }
}
