package io.threadline.api;

import io.threadline.checkpoint.CheckpointStore;
import io.threadline.config.Agents;
import io.threadline.runtime.MigrationDryRun;
import io.threadline.runtime.MigrationReport;
import io.threadline.runtime.VersionCheck;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;

import java.time.Clock;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * The {@code migration-dry-run} operation (README "Deploying a new version"): what the graphs of the agents this
 * deployment serves — made by {@link Agents}, exactly as the application makes them for a step — would do with the
 * caller's stored threads: continue, migrate, refuse, or leave to the version they are pinned to. It only reads
 * ({@link MigrationDryRun}: a page of heads at a time, then each head checkpoint), and stops at
 * {@code threadline.api.migration-dry-run-max-threads} threads or the invocation's deadline, whichever comes first,
 * answering a cursor to go on from.
 *
 * <p>Over HTTP the tenant is the token's, always. A direct invocation (IAM decides who may make it) may name the
 * tenant {@value #EVERY_TENANT}: every tenant's threads, a Scan of the thread index — the operator's view before a
 * deploy, which no tenant's token can ask for.
 */
@ApplicationScoped
public class MigrationDryRunOperation {

    /** The tenant a direct invocation names to read every tenant's threads. */
    public static final String EVERY_TENANT = "*";

    /** Examples per outcome a caller may ask for (each costs nothing to find, but makes the answer longer). */
    static final int MAX_EXAMPLES = 100;

    @Inject
    CheckpointStore store;

    @Inject
    Agents agents;

    @Inject
    ApiConfig config;

    @Inject
    Clock clock;

    public Replies.MigrationDryRun run(Caller caller, Requests.MigrationDryRun r) {
        int max = config.migrationDryRunMaxThreads();
        int maxThreads = RequestReader.bounded(r.maxThreads(), "maxThreads", max, 1, max,
                " (threadline.api.migration-dry-run-max-threads); go on with nextCursor");
        int examples = RequestReader.bounded(r.examples(), "examples", 5, 0, MAX_EXAMPLES);
        String tenant = !caller.http() && EVERY_TENANT.equals(caller.tenant()) ? null : caller.tenant();
        MigrationDryRun.Builder builder = MigrationDryRun.over(store);
        for (String name : agents.names()) {
            builder.graph(name, agents.runtime(name).graph());
        }
        builder.defaultAgent(agents.defaultAgent().orElse(null));
        Instant deadline = caller.deadline();
        MigrationReport report = builder.pageSize(Math.min(config.migrationDryRunPageSize(), maxThreads)).examples(examples).build()
                .run(tenant, r.cursor(), maxThreads, () -> deadline == null || clock.instant().isBefore(deadline));
        return reply(report);
    }

    static Replies.MigrationDryRun reply(MigrationReport report) {
        Map<String, Long> counts = new LinkedHashMap<>();
        Map<String, List<Replies.DryRunExample>> examples = new LinkedHashMap<>();
        for (VersionCheck.Outcome o : VersionCheck.Outcome.values()) {
            String name = o.name().toLowerCase(Locale.ROOT);
            counts.put(name, report.count(o));
            examples.put(name, report.examples().getOrDefault(o, List.of()).stream()
                    .map(x -> new Replies.DryRunExample(x.tenant(), x.threadId(), x.agent(), x.step(), x.status(), x.waitingAt(),
                            x.threadGraph(), x.verdict())).toList());
        }
        return new Replies.MigrationDryRun(report.tenant() == null ? EVERY_TENANT : report.tenant(), report.graphs(), report.threads(),
                counts, report.sameGraph(), report.unserved(), report.missing(), examples, report.nextCursor(), report.render(), null);
    }
}
