package io.threadline.runtime;

import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;

/**
 * What the migration dry-run found ({@link MigrationDryRun}): for the graphs about to be deployed, how many stored
 * threads each would continue, migrate, refuse, or leave to the version they are pinned to — with a few examples of
 * each and, for refusals, what is missing how often.
 *
 * @param tenant      the tenant read, or {@code null} for every tenant
 * @param graphs      the fingerprint of each agent's graph, by agent name
 * @param threads     threads read
 * @param counts      threads by outcome (every outcome present, zeros included)
 * @param sameGraph   of the {@code CONTINUE} threads, those the very same graph wrote (nothing changes for them)
 * @param unserved    threads of an agent that is not among {@code graphs} (a step would be {@code AGENT_NOT_FOUND})
 * @param missing     for refusals: each missing node or route, and how many threads lack it (the most frequent first)
 * @param examples    up to the asked number of threads per outcome (for {@code CONTINUE}, threads whose graph changes)
 * @param nextCursor  where a dry-run cut short by its thread limit goes on ({@code null} when it read everything)
 */
public record MigrationReport(String tenant, Map<String, String> graphs, long threads, Map<VersionCheck.Outcome, Long> counts,
                              long sameGraph, long unserved, Map<String, Long> missing,
                              Map<VersionCheck.Outcome, List<Example>> examples, String nextCursor) {

    /** One thread and what the deployed graph would do with it. */
    public record Example(String tenant, String threadId, String agent, long step, String status, List<String> waitingAt,
                          String threadGraph, String verdict) {}

    public MigrationReport {
        Objects.requireNonNull(counts, "counts");
        graphs = Map.copyOf(graphs);
        counts = Map.copyOf(counts);
        missing = Collections.unmodifiableMap(new LinkedHashMap<>(missing));
        examples = Map.copyOf(examples);
    }

    public long count(VersionCheck.Outcome outcome) {
        return counts.getOrDefault(outcome, 0L);
    }

    /** The report as the dry-run command prints it. */
    public String render() {
        StringBuilder out = new StringBuilder();
        out.append("migration dry-run of ").append(tenant == null ? "every tenant" : "tenant " + tenant)
                .append(nextCursor == null ? "" : " (cut short: go on with --cursor " + nextCursor + ")").append('\n');
        graphs.entrySet().stream().sorted(Map.Entry.comparingByKey())
                .forEach(g -> out.append("  agent ").append(g.getKey()).append(": graph ").append(g.getValue()).append('\n'));
        out.append(String.format("%-10s %10s%n", "outcome", "threads"));
        for (VersionCheck.Outcome o : VersionCheck.Outcome.values()) {
            out.append(String.format("%-10s %10d%s%n", o.name().toLowerCase(Locale.ROOT), count(o),
                    o == VersionCheck.Outcome.CONTINUE ? "   (" + sameGraph + " on the same graph)" : ""));
        }
        if (unserved > 0) {
            out.append(String.format("%-10s %10d   (their agent is not in this build)%n", "unserved", unserved));
        }
        out.append(String.format("%-10s %10d%n", "read", threads));
        if (!missing.isEmpty()) {
            out.append("refused for lack of:\n");
            missing.forEach((what, n) -> out.append(String.format("  %-40s %8d%n", what, n)));
        }
        examples.entrySet().stream().sorted(Map.Entry.comparingByKey()).forEach(e -> {
            if (!e.getValue().isEmpty()) {
                out.append("examples, ").append(e.getKey().name().toLowerCase(Locale.ROOT)).append(":\n");
                for (Example x : e.getValue()) {
                    out.append("  ").append(x.tenant()).append('/').append(x.threadId()).append(" step ").append(x.step())
                            .append(' ').append(x.status()).append(" at ").append(x.waitingAt()).append(": ").append(x.verdict()).append('\n');
                }
            }
        });
        return out.toString();
    }
}
