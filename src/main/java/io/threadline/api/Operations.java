package io.threadline.api;

import io.threadline.checkpoint.ThreadPage;
import io.threadline.checkpoint.ThreadQuery;
import io.threadline.checkpoint.ThreadTags;
import com.fasterxml.jackson.databind.JsonNode;
import io.threadline.ErrorCode;
import io.threadline.ThreadlineException;
import io.threadline.checkpoint.Checkpoint;
import io.threadline.checkpoint.CheckpointId;
import io.threadline.checkpoint.Payload;
import io.threadline.checkpoint.HistoryPage;
import io.threadline.checkpoint.HistoryQuery;
import io.threadline.checkpoint.ThreadKey;
import io.threadline.runtime.RunBudget;
import io.threadline.runtime.RunResult;
import io.threadline.runtime.StepResult;
import io.threadline.runtime.ThreadRuntime;
import io.threadline.runtime.ThreadState;
import io.threadline.state.StateCodec;
import io.threadline.state.Update;
import io.threadline.state.internal.UpdateDecoder;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * The operations, whatever the entry path (direct invocation, API Gateway, local HTTP): read the
 * checked request, call the runtime or the memory store, shape the answer. Failures are thrown as
 * {@link ThreadlineException}s; each entry path turns them into its own error answer.
 */
@ApplicationScoped
public class Operations {

    /** Operation names, as functions and routes. */
    public static final List<String> NAMES = io.threadline.OperationNames.ALL;

    /** One operation as a table entry: its request type, its tenant field and what it does. */
    private record Handler<R>(Class<R> type, java.util.function.Function<R, String> tenant,
                              java.util.function.BiFunction<Caller, R, Object> action) {

        Object handle(JsonNode body, java.util.function.Function<String, Caller> caller) {
            R request = RequestReader.read(body, type);
            return action.apply(caller.apply(tenant.apply(request)), request);
        }
    }

    private final Map<String, Handler<?>> handlers = Map.ofEntries(
            Map.entry("step", new Handler<>(Requests.Step.class, Requests.Step::tenant, this::step)),
            Map.entry("run", new Handler<>(Requests.Run.class, Requests.Run::tenant, this::run)),
            Map.entry("state", new Handler<>(Requests.State.class, Requests.State::tenant, this::state)),
            Map.entry("history", new Handler<>(Requests.History.class, Requests.History::tenant, this::history)),
            Map.entry("resume", new Handler<>(Requests.Resume.class, Requests.Resume::tenant, this::resume)),
            Map.entry("fork", new Handler<>(Requests.Fork.class, Requests.Fork::tenant, this::fork)),
            Map.entry("rewind", new Handler<>(Requests.Rewind.class, Requests.Rewind::tenant, this::rewind)),
            Map.entry("update", new Handler<>(Requests.Update.class, Requests.Update::tenant, this::update)),
            Map.entry("replay", new Handler<>(Requests.Replay.class, Requests.Replay::tenant, this::replay)),
            Map.entry("export", new Handler<>(Requests.Export.class, Requests.Export::tenant, this::export)),
            Map.entry("delete", new Handler<>(Requests.Delete.class, Requests.Delete::tenant, this::delete)),
            Map.entry("memory-search", new Handler<>(Requests.MemorySearch.class, Requests.MemorySearch::tenant, this::memorySearch)),
            Map.entry("memory-put", new Handler<>(Requests.MemoryPut.class, Requests.MemoryPut::tenant, this::memoryPut)),
            Map.entry("memory-delete", new Handler<>(Requests.MemoryDelete.class, Requests.MemoryDelete::tenant, this::memoryDelete)),
            Map.entry("memory-history", new Handler<>(Requests.MemoryHistory.class, Requests.MemoryHistory::tenant,
                    (c, r) -> this.memoryLifecycle.history(c, r))),
            Map.entry("memory-forget", new Handler<>(Requests.MemoryForget.class, Requests.MemoryForget::tenant,
                    (c, r) -> this.memoryLifecycle.forget(c, r))),
            Map.entry("start", new Handler<>(Requests.Start.class, Requests.Start::tenant, this::start)),
            Map.entry("cancel", new Handler<>(Requests.Cancel.class, Requests.Cancel::tenant, this::cancel)),
            Map.entry("threads", new Handler<>(Requests.Threads.class, Requests.Threads::tenant, this::threads)),
            Map.entry("tag", new Handler<>(Requests.Tag.class, Requests.Tag::tenant, this::tag)));

    {
        // One list of names for every entry path, span and route: a handler missing or extra is a defect found at start.
        if (!handlers.keySet().equals(java.util.Set.copyOf(NAMES))) {
            throw new IllegalStateException("operations handled " + new java.util.TreeSet<>(handlers.keySet())
                    + " differ from io.threadline.OperationNames " + new java.util.TreeSet<>(NAMES));
        }
    }

    /**
     * Runs operation {@code name} on a JSON request; {@code caller} turns the request's tenant field
     * (null when absent) into the verified caller, or refuses it.
     */
    public Object handle(String name, JsonNode body, java.util.function.Function<String, Caller> caller) {
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

    @Inject
    io.threadline.config.MemoryStores memoryStores;

    @Inject
    java.time.Clock clock;

    @Inject
    MemoryLifecycle memoryLifecycle;

    @Inject
    io.threadline.checkpoint.CheckpointStore store;

    @Inject
    io.threadline.config.Agents agents;

    @Inject
    StateCodec codec;

    @Inject
    ApiConfig config;

    @Inject
    io.threadline.config.Runs runs;

    public Replies.Step step(Caller caller, Requests.Step r) {
        ThreadRuntime<?> runtime = agents.runtime(r.agent());
        ThreadKey thread = key(caller, r.threadId());
        Update<?> input = decode(runtime, r.input());
        StepResult<?> result = admitted(caller, thread, r.multitask(), () -> stepOn(runtime, thread, input, r.idempotencyKey(),
                creationTags(thread, r.tags())));
        return new Replies.Step(CheckpointSummary.of(result.checkpoint()), codec.toTree(result.state()), result.duplicate(), null);
    }

    public Replies.Run run(Caller caller, Requests.Run r) {
        int maxSteps = r.maxSteps() == null ? config.runMaxSteps() : r.maxSteps();
        if (maxSteps < 1 || maxSteps > config.runMaxSteps()) {
            throw new ThreadlineException(ErrorCode.INVALID_INPUT,
                    "maxSteps must be between 1 and " + config.runMaxSteps(), Map.of("field", "maxSteps"));
        }
        ThreadRuntime<?> runtime = agents.runtime(r.agent());
        ThreadKey thread = key(caller, r.threadId());
        Update<?> input = decode(runtime, r.input());
        RunResult<?> result = admitted(caller, thread, r.multitask(), () -> runOn(runtime, thread, input,
                new RunBudget(maxSteps, caller.deadline()), r.idempotencyKey(), creationTags(thread, r.tags())));
        List<CheckpointSummary> steps = result.steps().stream().map(CheckpointSummary::of).toList();
        return new Replies.Run(steps, result.state() == null ? null : codec.toTree(result.state()), result.stopReason().name(),
                result.duplicate(), result.stoppedBy() == null ? null : ErrorBody.of(result.stoppedBy()), null);
    }

    public Replies.State state(Caller caller, Requests.State r) {
        ThreadRuntime<?> runtime = agents.runtime(r.agent());
        ThreadKey thread = key(caller, r.threadId());
        ThreadState<?> state = r.checkpointId() == null ? runtime.state(thread)
                : runtime.stateAt(thread, CheckpointId.parse(r.checkpointId()));
        return new Replies.State(CheckpointSummary.of(state.checkpoint()), codec.toTree(state.state()), null);
    }

    public Replies.History history(Caller caller, Requests.History r) {
        return history(caller, r, config.maxResponseBytes());
    }

    /**
     * History bounded by {@code maxBytes} ({@link ResponseSize}): entries are added while the answer stays
     * under it, at least one, and {@code nextCursor} continues right after the last one answered.
     */
    Replies.History history(Caller caller, Requests.History r, long maxBytes) {
        ThreadRuntime<?> runtime = agents.runtime(r.agent());
        ThreadKey thread = key(caller, r.threadId());
        int limit = r.limit() == null ? 20 : r.limit();
        HistoryPage page = runtime.history(thread, new HistoryQuery(limit, r.cursor()));
        List<Replies.CheckpointEntry> entries = new ArrayList<>();
        long used = ResponseSize.ENVELOPE_BYTES;
        for (int i = 0; i < page.checkpoints().size(); i++) {
            Replies.CheckpointEntry entry = entry(runtime, thread, page.checkpoints().get(i));
            long size = ResponseSize.of(codec.mapper(), entry) + 1;
            if (used + size > maxBytes) {
                if (!entries.isEmpty()) {
                    return new Replies.History(entries, page.cursorAfter(i - 1), null);
                }
                entry = ResponsePages.within(codec.mapper(), entry, maxBytes - used);
                size = ResponseSize.of(codec.mapper(), entry) + 1;
            }
            entries.add(entry);
            used += size;
        }
        return new Replies.History(entries, page.nextCursor(), null);
    }

    private Replies.CheckpointEntry entry(ThreadRuntime<?> runtime, ThreadKey thread, Checkpoint cp) {
        ThreadRuntime.Change c = runtime.diff(thread, cp);
        return new Replies.CheckpointEntry(CheckpointSummary.of(cp), shown(runtime, cp),
                io.threadline.state.Redaction.patch(runtime.graph().schema(), c.diff()),
                shown(runtime, thread, cp, cp.effects()), shown(runtime, thread, cp, cp.outbox()), null, null);
    }

    /** A checkpoint's stored change as history shows it: {@code @Sensitive} fields masked. */
    private JsonNode shown(ThreadRuntime<?> runtime, Checkpoint cp) {
        JsonNode change = codec.readTree(cp.change().json());
        io.threadline.state.StateSchema<?> schema = runtime.graph().schema();
        return cp.isSnapshot() ? io.threadline.state.Redaction.state(schema, change) : io.threadline.state.Redaction.patch(schema, change);
    }

    /**
     * A checkpoint's recorded effects or outbox as history shows them: a node may have copied a
     * {@code @Sensitive} value into a prompt, a tool's arguments or a memory it wrote, so the values
     * those fields held before and after the step are masked wherever they appear. Costs two state
     * reads per entry, only for schemas that mark fields sensitive.
     */
    private JsonNode shown(ThreadRuntime<?> runtime, ThreadKey thread, Checkpoint cp, Payload stored) {
        JsonNode tree = stored == null ? null : stored.tree();
        if (tree == null || runtime.graph().schema().sensitiveFields().isEmpty()) {
            return tree;
        }
        return io.threadline.state.Redaction.mask(tree, sensitiveValues(runtime, thread, cp.id(), cp.parent()));
    }

    /** What the schema's {@code @Sensitive} fields held at a checkpoint and at its parent. */
    private java.util.Set<String> sensitiveValues(ThreadRuntime<?> runtime, ThreadKey thread, CheckpointId id, CheckpointId parent) {
        io.threadline.state.StateSchema<?> schema = runtime.graph().schema();
        java.util.Set<String> values = new java.util.HashSet<>(
                io.threadline.state.Redaction.values(schema, codec.toTree(runtime.stateAt(thread, id).state())));
        if (parent != null) {
            try {
                values.addAll(io.threadline.state.Redaction.values(schema, codec.toTree(runtime.stateAt(thread, parent).state())));
            } catch (ThreadlineException pruned) {
                // the parent was pruned: what it held is no longer anywhere to be shown
            }
        }
        return values;
    }

    public Replies.Step resume(Caller caller, Requests.Resume r) {
        ThreadRuntime<?> runtime = agents.runtime(r.agent());
        ThreadKey thread = key(caller, r.threadId());
        StepResult<?> result = admitted(caller, thread, r.multitask(), () -> runtime.resume(thread, r.value(), r.idempotencyKey()));
        // A background run that stopped at this interrupt goes on in the background.
        runs.optional().ifPresent(bg -> bg.continueAfterResume(thread, result.checkpoint()));
        return new Replies.Step(CheckpointSummary.of(result.checkpoint()), codec.toTree(result.state()), result.duplicate(), null);
    }

    /**
     * Starts a background run (README "Background runs") and answers at once: the run and the thread's head. A
     * run already in progress is met by the request's {@code multitask} policy, or {@code threadline.runs.double-texting}.
     */
    public Replies.Start start(Caller caller, Requests.Start r) {
        io.threadline.runs.BackgroundRuns bg = runs.require();
        int maxSteps = r.maxSteps() == null ? runs.maxSteps() : r.maxSteps();
        if (maxSteps < 1 || maxSteps > runs.maxSteps()) {
            throw new ThreadlineException(ErrorCode.INVALID_INPUT, "maxSteps must be between 1 and " + runs.maxSteps(),
                    Map.of("field", "maxSteps"));
        }
        ThreadRuntime<?> runtime = agents.runtime(r.agent());
        ThreadKey thread = key(caller, r.threadId());
        io.threadline.runs.DoubleTexting policy = io.threadline.runs.DoubleTexting.parse(r.multitask(), runs.defaultPolicy());
        decode(runtime, r.input()); // refused here, not in the background: a bad input changes nothing
        if (r.idempotencyKey() != null && (r.idempotencyKey().isEmpty() || r.idempotencyKey().length() > 128)) {
            throw new ThreadlineException(ErrorCode.INVALID_INPUT, "idempotencyKey must be 1-128 characters", Map.of("field", "idempotencyKey"));
        }
        runtime.checkBound(store.head(thread).flatMap(h -> store.get(thread, h.checkpointId())).map(List::of).orElse(List.of()));
        io.threadline.runs.BackgroundRuns.Started started = bg.start(thread, runtime.agent().orElse(null), r.input(), maxSteps, policy,
                r.idempotencyKey(), who(caller, null));
        io.threadline.checkpoint.ThreadHead head = started.head();
        CheckpointSummary headSummary = head == null ? null
                : store.get(thread, head.checkpointId()).map(CheckpointSummary::of).orElse(null);
        return new Replies.Start(Replies.RunInfo.of(started.run()), headSummary, started.queued(), null);
    }

    /** Stops the thread's background run at its next step boundary; the history records who asked, and when. */
    public Replies.Cancel cancel(Caller caller, Requests.Cancel r) {
        io.threadline.runs.BackgroundRuns bg = runs.require();
        if (r.by() != null && (r.by().isBlank() || r.by().length() > 128)) {
            throw new ThreadlineException(ErrorCode.INVALID_INPUT, "by must be 1-128 characters", Map.of("field", "by"));
        }
        agents.runtime(r.agent());
        return new Replies.Cancel(Replies.RunInfo.of(bg.cancel(key(caller, r.threadId()), who(caller, r.by()))), null);
    }

    /**
     * A foreground request on a thread that may have a background run in progress: the run is met by the request's
     * double-texting policy first (README "Background runs"); a request that ended a run goes on past the step the run
     * had in flight.
     */
    private <T> T admitted(Caller caller, ThreadKey thread, String multitask, java.util.function.Supplier<T> action) {
        java.util.Optional<io.threadline.runs.BackgroundRuns> bg = runs.optional();
        if (bg.isEmpty()) {
            io.threadline.runs.DoubleTexting.parse(multitask, io.threadline.runs.DoubleTexting.REJECT);
            return action.get();
        }
        io.threadline.runs.DoubleTexting policy = io.threadline.runs.DoubleTexting.parse(multitask, runs.defaultPolicy());
        return bg.get().admit(thread, policy, who(caller, null)) ? bg.get().afterTakeover(action) : action.get();
    }

    /** Who a request acts for, as a run's record and history name them: the tenant and, when given, the caller's own label. */
    private static String who(Caller caller, String by) {
        return "tenant " + caller.tenant() + (by == null ? "" : " (" + by + ")");
    }

    public Replies.Step fork(Caller caller, Requests.Fork r) {
        ThreadKey source = key(caller, r.threadId());
        ThreadKey target = ThreadKey.of(caller.tenant(), RequestReader.required(r.newThreadId(), "newThreadId"));
        StepResult<?> result = agents.runtime(r.agent()).fork(source, CheckpointId.parse(RequestReader.required(r.checkpointId(), "checkpointId")),
                target, r.reason());
        return new Replies.Step(CheckpointSummary.of(result.checkpoint()), codec.toTree(result.state()), false, null);
    }

    public Replies.Step rewind(Caller caller, Requests.Rewind r) {
        StepResult<?> result = agents.runtime(r.agent()).rewind(key(caller, r.threadId()),
                CheckpointId.parse(RequestReader.required(r.checkpointId(), "checkpointId")), r.reason());
        return new Replies.Step(CheckpointSummary.of(result.checkpoint()), codec.toTree(result.state()), false, null);
    }

    public Replies.Step update(Caller caller, Requests.Update r) {
        if (r.input() == null || !r.input().isObject() || r.input().isEmpty()) {
            throw new ThreadlineException(ErrorCode.INVALID_INPUT, "update needs an input: a non-empty partial state",
                    Map.of("field", "input"));
        }
        ThreadRuntime<?> runtime = agents.runtime(r.agent());
        StepResult<?> result = updateOn(runtime, key(caller, r.threadId()), decode(runtime, r.input()),
                RequestReader.required(r.reason(), "reason"));
        return new Replies.Step(CheckpointSummary.of(result.checkpoint()), codec.toTree(result.state()), false, null);
    }

    @SuppressWarnings({"unchecked", "rawtypes"})
    private static StepResult<?> updateOn(ThreadRuntime runtime, ThreadKey thread, Update input, String reason) {
        return ((ThreadRuntime) runtime).update(thread, input, reason);
    }

    /**
     * The thread as a recording, so a failure seen in production becomes a regression test. Not masked:
     * a replay needs the values as they were — grant this operation like reading the state itself. A page
     * of it, oldest first, when the whole is larger than an answer may be ({@link ResponsePages#export}).
     */
    public Replies.Export export(Caller caller, Requests.Export r) {
        ThreadRuntime<?> runtime = agents.runtime(r.agent());
        ThreadKey thread = key(caller, r.threadId());
        io.threadline.runtime.RecordedThread recorded = ResponsePages.recordedAfter(store, thread, r.cursor());
        runtime.checkBound(recorded.checkpoints());
        return ResponsePages.export(codec.mapper(), recorded, config.maxResponseBytes());
    }

    public Replies.Replay replay(Caller caller, Requests.Replay r) {
        ThreadRuntime<?> runtime = agents.runtime(r.agent());
        ThreadKey thread = key(caller, r.threadId());
        CheckpointId id = CheckpointId.parse(RequestReader.required(r.checkpointId(), "checkpointId"));
        return new Replies.Replay(shown(runtime, thread, runtime.replay(thread, id)), null);
    }

    /**
     * A replay report as the caller may see it: field differences are masked by the runtime; a divergence
     * quotes the calls themselves (a prompt may carry a {@code @Sensitive} value), so those values are masked
     * there too, as in history's effects.
     */
    private io.threadline.runtime.ReplayReport shown(ThreadRuntime<?> runtime, ThreadKey thread, io.threadline.runtime.ReplayReport r) {
        if (r.divergence() == null || runtime.graph().schema().sensitiveFields().isEmpty()) {
            return r;
        }
        CheckpointId id = CheckpointId.parse(r.checkpointId());
        CheckpointId parent = store.get(thread, id).map(Checkpoint::parent).orElse(null);
        java.util.Set<String> values = sensitiveValues(runtime, thread, id, parent);
        var d = r.divergence();
        var divergence = new io.threadline.effects.NonDeterministicException.Divergence(d.node(), d.attempt(), d.index(),
                masked(d.expected(), values), masked(d.actual(), values), io.threadline.state.Redaction.mask(d.message(), values));
        return new io.threadline.runtime.ReplayReport(r.threadId(), r.checkpointId(), r.step(), r.nodes(), r.verdict(),
                io.threadline.state.Redaction.mask(r.summary(), values), r.recordedStatus(), r.replayedStatus(), r.fields(), r.patch(),
                r.recordedDecisions(), r.replayedDecisions(), r.recordedNext(), r.replayedNext(), r.recordedError(), r.replayedError(),
                divergence, r.effectsRecorded(), r.effectsServed(), r.memoryWritesSame()).withGraphs(r.recordedGraph(), r.replayedGraph());
    }

    private static io.threadline.effects.NonDeterministicException.Call masked(io.threadline.effects.NonDeterministicException.Call call,
                                                                               java.util.Set<String> values) {
        return call == null ? null
                : new io.threadline.effects.NonDeterministicException.Call(call.kind(), call.name(),
                io.threadline.state.Redaction.mask(call.request(), values));
    }

    /**
     * Deletes the caller's thread and the memories derived from it. The tenant is the caller's, so another
     * tenant's thread of the same id is out of reach; a thread of another agent than the one named is refused
     * ({@code AGENT_MISMATCH}) before anything is deleted.
     */
    public Replies.Delete delete(Caller caller, Requests.Delete r) {
        ThreadRuntime<?> runtime = agents.runtime(r.agent());
        io.threadline.runtime.DeleteReport report = runtime.delete(key(caller, r.threadId()));
        return new Replies.Delete(report.threadId(), report.existed(), report.byKind(), null);
    }

    public Replies.MemorySearch memorySearch(Caller caller, Requests.MemorySearch r) {
        io.threadline.memory.MemoryQuery query = new io.threadline.memory.MemoryQuery(caller.tenant(),
                RequestReader.required(r.query(), "query"), null, r.k() == null ? 10 : r.k(), r.namespace(),
                r.filters(), r.minScore() == null ? 0 : r.minScore());
        query = MemoryLifecycle.inTime(query, r);
        List<Replies.Memory> memories = new ArrayList<>();
        for (io.threadline.memory.MemoryHit hit : memory().search(query, clock.instant())) {
            memories.add(Replies.Memory.of(hit));
        }
        return new Replies.MemorySearch(memories, null);
    }

    public Replies.MemoryPut memoryPut(Caller caller, Requests.MemoryPut r) {
        if (r.ttlSeconds() != null && r.ttlSeconds() <= 0) {
            throw new ThreadlineException(ErrorCode.INVALID_INPUT, "ttlSeconds must be positive", Map.of("field", "ttlSeconds"));
        }
        io.threadline.memory.MemoryWrite write = new io.threadline.memory.MemoryWrite(r.id(), caller.tenant(),
                RequestReader.required(r.namespace(), "namespace"), RequestReader.required(r.content(), "content"),
                r.kind() == null ? "fact" : r.kind(), r.importance() == null ? 0.5 : r.importance(),
                r.ttlSeconds() == null ? null : java.time.Duration.ofSeconds(r.ttlSeconds()), null, null, r.metadata());
        write = MemoryLifecycle.inTime(write, r);
        io.threadline.memory.PutResult result = memory().put(write, clock.instant());
        return new Replies.MemoryPut(Replies.Memory.of(result.memory()), result.merged(), null);
    }

    public Replies.MemoryDelete memoryDelete(Caller caller, Requests.MemoryDelete r) {
        String id = RequestReader.required(r.id(), "id");
        return new Replies.MemoryDelete(memory().delete(caller.tenant(), id), null);
    }

    /** The configured memory store; a deployment without one refuses memory operations plainly. */
    private io.threadline.memory.MemoryStore memory() {
        return memoryStores.required();
    }

    @SuppressWarnings({"unchecked", "rawtypes"})
    private static StepResult<?> stepOn(ThreadRuntime runtime, ThreadKey thread, Update input, String idempotencyKey, ThreadTags tags) {
        return ((ThreadRuntime) runtime).step(thread, input, idempotencyKey, tags);
    }

    @SuppressWarnings({"unchecked", "rawtypes"})
    private static RunResult<?> runOn(ThreadRuntime runtime, ThreadKey thread, Update input, RunBudget budget, String idempotencyKey,
                                      ThreadTags tags) {
        return ((ThreadRuntime) runtime).run(thread, input, budget, idempotencyKey, tags);
    }

    /**
     * The tags a step or run request gives its thread: checked first (bad tags change nothing); stored with the
     * thread's first commit when the request creates it. On a thread that exists they must be tags it already holds
     * (a client may send the same tags with every request of a conversation); other tags are refused — the
     * {@code tag} operation changes them. Costs one read of the head's tags, only when tags are sent.
     */
    private ThreadTags creationTags(ThreadKey thread, Map<String, String> tags) {
        ThreadTags wanted = ThreadTags.of(tags);
        if (wanted.isEmpty()) {
            return wanted;
        }
        ThreadTags held;
        try {
            held = store.tags(thread);
        } catch (ThreadlineException e) {
            if (e.code() == ErrorCode.THREAD_NOT_FOUND) {
                return wanted;
            }
            throw e;
        }
        if (!held.containsAll(wanted.values())) {
            throw new ThreadlineException(ErrorCode.INVALID_INPUT, "thread " + thread.threadId() + " exists with tags " + held.values()
                    + ": tags on step and run are a new thread's; change an existing thread's with the tag operation",
                    Map.of("field", "tags"));
        }
        return ThreadTags.none();
    }

    /** The caller's threads, newest activity first (CheckpointStore#threads). */
    public Replies.Threads threads(Caller caller, Requests.Threads r) {
        ThreadQuery query = new ThreadQuery(r.limit() == null ? ThreadQuery.DEFAULT_LIMIT : r.limit(), r.cursor(), r.agent(),
                statuses(r.status()), instant(r.updatedSince(), "updatedSince"), instant(r.updatedBefore(), "updatedBefore"), r.tags());
        ThreadPage page = store.threads(caller.tenant(), query);
        return new Replies.Threads(page.threads().stream().map(Replies.ThreadEntry::of).toList(), page.nextCursor(), null);
    }

    /** Changes a thread's tags (CheckpointStore#retag): bad tags or an unknown thread change nothing. */
    public Replies.Tag tag(Caller caller, Requests.Tag r) {
        ThreadKey thread = key(caller, r.threadId());
        if ((r.set() == null || r.set().isEmpty()) && (r.remove() == null || r.remove().isEmpty())) {
            throw new ThreadlineException(ErrorCode.INVALID_INPUT, "tag needs set (tags to put) or remove (keys to take away)",
                    Map.of("field", "set"));
        }
        ThreadTags after = store.retag(thread, r.set() == null ? Map.of() : r.set(), r.remove() == null ? List.of() : r.remove());
        return new Replies.Tag(thread.threadId(), after.values(), null);
    }

    private static java.util.Set<String> statuses(JsonNode status) {
        if (status == null || status.isNull()) {
            return java.util.Set.of();
        }
        java.util.Set<String> out = new java.util.TreeSet<>();
        if (status.isTextual()) {
            out.add(status.asText());
        } else if (status.isArray()) {
            for (JsonNode s : status) {
                if (!s.isTextual()) {
                    throw new ThreadlineException(ErrorCode.INVALID_INPUT, "status is a status name or a list of them", Map.of("field", "status"));
                }
                out.add(s.asText());
            }
        } else {
            throw new ThreadlineException(ErrorCode.INVALID_INPUT, "status is a status name or a list of them", Map.of("field", "status"));
        }
        return out;
    }

    private static java.time.Instant instant(String value, String field) {
        if (value == null) {
            return null;
        }
        try {
            return java.time.Instant.parse(value);
        } catch (java.time.format.DateTimeParseException e) {
            throw new ThreadlineException(ErrorCode.INVALID_INPUT, field + " '" + value + "' is not an ISO-8601 instant such as "
                    + "2026-12-06T12:00:00Z", Map.of("field", field));
        }
    }

    private Update<?> decode(ThreadRuntime<?> runtime, JsonNode input) {
        if (input != null && codec.writeTree(input).length > config.maxInputBytes()) {
            throw new ThreadlineException(ErrorCode.PAYLOAD_TOO_LARGE,
                    "input is larger than " + config.maxInputBytes() + " bytes of JSON", Map.of("limit", config.maxInputBytes()));
        }
        return UpdateDecoder.decode(runtime.graph().schema(), input, codec);
    }

    private static ThreadKey key(Caller caller, String threadId) {
        return ThreadKey.of(caller.tenant(), RequestReader.required(threadId, "threadId"));
    }
}
