package io.threadline.api;

import com.fasterxml.jackson.databind.JsonNode;
import io.threadline.ErrorCode;
import io.threadline.OperationNames;
import io.threadline.ThreadlineException;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;

import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.function.BiFunction;
import java.util.function.Function;

/**
 * The operations, whatever the entry path (direct invocation, API Gateway, local HTTP): a table from each
 * operation's name to its request type, its tenant field and the group class that does it
 * ({@link ThreadStepOperations}, {@link ThreadReadOperations}, {@link TimeTravelOperations},
 * {@link ThreadListOperations}, {@link MemoryOperations}, {@link BackgroundRunOperations}). Failures are thrown
 * as {@link ThreadlineException}s; each entry path turns them into its own error answer.
 */
@ApplicationScoped
public class Operations {

    /** Operation names, as functions and routes. */
    public static final List<String> NAMES = OperationNames.ALL;

    /** One operation as a table entry: its request type, its tenant field and what it does. */
    private record Handler<R>(Class<R> type, Function<R, String> tenant, BiFunction<Caller, R, Object> action) {

        Object handle(JsonNode body, Function<String, Caller> caller) {
            R request = RequestReader.read(body, type);
            return action.apply(caller.apply(tenant.apply(request)), request);
        }
    }

    @Inject
    ThreadStepOperations steps;

    @Inject
    ThreadReadOperations reads;

    @Inject
    TimeTravelOperations timeTravel;

    @Inject
    ThreadListOperations threads;

    @Inject
    MemoryOperations memory;

    @Inject
    BackgroundRunOperations background;

    @Inject
    RunStatusOperation runStatus;

    @Inject
    MigrationDryRunOperation migrationDryRuns;

    @Inject
    EraseOperation erase;

    @Inject
    MemoryLifecycle memoryLifecycle;

    // Lambdas, not method references: the groups are injected after this table is built.
    private final Map<String, Handler<?>> handlers = Map.ofEntries(
            Map.entry("step", new Handler<>(Requests.Step.class, Requests.Step::tenant, (c, r) -> steps.step(c, r))),
            Map.entry("run", new Handler<>(Requests.Run.class, Requests.Run::tenant, (c, r) -> steps.run(c, r))),
            Map.entry("resume", new Handler<>(Requests.Resume.class, Requests.Resume::tenant, (c, r) -> steps.resume(c, r))),
            Map.entry("state", new Handler<>(Requests.State.class, Requests.State::tenant, (c, r) -> reads.state(c, r))),
            Map.entry("history", new Handler<>(Requests.History.class, Requests.History::tenant, (c, r) -> reads.history(c, r))),
            Map.entry("fork", new Handler<>(Requests.Fork.class, Requests.Fork::tenant, (c, r) -> timeTravel.fork(c, r))),
            Map.entry("rewind", new Handler<>(Requests.Rewind.class, Requests.Rewind::tenant, (c, r) -> timeTravel.rewind(c, r))),
            Map.entry("update", new Handler<>(Requests.Update.class, Requests.Update::tenant, (c, r) -> timeTravel.update(c, r))),
            Map.entry("replay", new Handler<>(Requests.Replay.class, Requests.Replay::tenant, (c, r) -> timeTravel.replay(c, r))),
            Map.entry("export", new Handler<>(Requests.Export.class, Requests.Export::tenant, (c, r) -> timeTravel.export(c, r))),
            Map.entry("threads", new Handler<>(Requests.Threads.class, Requests.Threads::tenant, (c, r) -> threads.threads(c, r))),
            Map.entry("tag", new Handler<>(Requests.Tag.class, Requests.Tag::tenant, (c, r) -> threads.tag(c, r))),
            Map.entry("delete", new Handler<>(Requests.Delete.class, Requests.Delete::tenant, (c, r) -> threads.delete(c, r))),
            Map.entry("erase", new Handler<>(EraseOperation.Request.class, EraseOperation.Request::tenant, (c, r) -> erase.erase(c, r))),
            Map.entry("memory-search", new Handler<>(Requests.MemorySearch.class, Requests.MemorySearch::tenant, (c, r) -> memory.memorySearch(c, r))),
            Map.entry("memory-put", new Handler<>(Requests.MemoryPut.class, Requests.MemoryPut::tenant, (c, r) -> memory.memoryPut(c, r))),
            Map.entry("memory-delete", new Handler<>(Requests.MemoryDelete.class, Requests.MemoryDelete::tenant, (c, r) -> memory.memoryDelete(c, r))),
            Map.entry("memory-forget", new Handler<>(Requests.MemoryForget.class, Requests.MemoryForget::tenant,
                    (c, r) -> memoryLifecycle.forget(c, r))),
            Map.entry("memory-history", new Handler<>(Requests.MemoryHistory.class, Requests.MemoryHistory::tenant,
                    (c, r) -> memoryLifecycle.history(c, r))),
            Map.entry("start", new Handler<>(Requests.Start.class, Requests.Start::tenant, (c, r) -> background.start(c, r))),
            Map.entry("cancel", new Handler<>(Requests.Cancel.class, Requests.Cancel::tenant, (c, r) -> background.cancel(c, r))),
            Map.entry("run-status", new Handler<>(Requests.RunStatus.class, Requests.RunStatus::tenant, (c, r) -> runStatus.runStatus(c, r))),
            Map.entry("migration-dry-run", new Handler<>(Requests.MigrationDryRun.class, Requests.MigrationDryRun::tenant,
                    (c, r) -> migrationDryRuns.run(c, r))));

    {
        // One list of names for every entry path, span and route: a handler missing or extra is a defect found at start.
        if (!handlers.keySet().equals(Set.copyOf(NAMES))) {
            throw new IllegalStateException("operations handled " + new TreeSet<>(handlers.keySet())
                    + " differ from io.threadline.OperationNames " + new TreeSet<>(NAMES));
        }
    }

    /**
     * Runs operation {@code name} on a JSON request; {@code caller} turns the request's tenant field
     * (null when absent) into the verified caller, or refuses it.
     */
    public Object handle(String name, JsonNode body, Function<String, Caller> caller) {
        Handler<?> handler = handlers.get(name);
        if (handler == null) {
            throw unknownOperation("POST", "/" + name);
        }
        return handler.handle(body, caller);
    }

    /** The refusal of a request to a path that is no operation (HTTP 404), naming every operation. */
    static ThreadlineException unknownOperation(String method, String path) {
        return new ThreadlineException(ErrorCode.UNKNOWN_OPERATION, "no operation at " + method + " " + path
                + "; operations are POST /" + String.join(", /", NAMES), Map.of("path", String.valueOf(path)));
    }
}
