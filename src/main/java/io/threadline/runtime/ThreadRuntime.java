package io.threadline.runtime;

import io.threadline.ErrorCode;
import io.threadline.ThreadlineException;
import io.threadline.checkpoint.Checkpoint;
import io.threadline.checkpoint.CheckpointChain;
import io.threadline.checkpoint.CheckpointId;
import io.threadline.checkpoint.CheckpointStore;
import io.threadline.checkpoint.Commit;
import io.threadline.checkpoint.CommitResult;
import io.threadline.checkpoint.Decision;
import io.threadline.checkpoint.HistoryPage;
import io.threadline.checkpoint.HistoryQuery;
import io.threadline.checkpoint.StateChange;
import io.threadline.checkpoint.Status;
import io.threadline.checkpoint.ThreadHead;
import io.threadline.checkpoint.ThreadKey;
import io.threadline.graph.CompiledGraph;
import io.threadline.graph.RouteDecision;
import io.threadline.graph.StateGraph;
import io.threadline.graph.StepOutcome;
import io.threadline.runtime.internal.Head;
import io.threadline.runtime.internal.HeadCache;
import io.threadline.runtime.internal.StepScope;
import io.threadline.effects.Effect;
import io.threadline.effects.EffectJournal;
import io.threadline.effects.EffectSink;
import io.threadline.effects.Effects;
import io.threadline.effects.ToolBox;
import io.threadline.checkpoint.StepError;
import io.threadline.graph.Durability;
import io.threadline.graph.StepFailedException;
import dev.langchain4j.model.chat.ChatModel;
import io.threadline.runtime.internal.Outbox;
import io.threadline.memory.MemoryStore;
import io.threadline.runtime.internal.StateLoader;
import io.threadline.state.AppliedChange;
import io.threadline.state.AppliedUpdate;
import io.threadline.state.StateCodec;
import io.threadline.state.StateDelta;
import io.threadline.state.StateSchema;
import io.threadline.state.StateValidator;
import io.threadline.state.Update;
import jakarta.validation.Validator;

import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.regex.Pattern;

/**
 * Runs a graph on stored threads, one step per call: load the latest checkpoint, run the scheduled
 * node(s), validate, commit against the loaded version, answer with the new checkpoint.
 *
 * <p>Nothing is written unless the whole step succeeded and its state is valid. Two callers
 * stepping one thread at once: one commits, the other gets {@code CONFLICT} and nothing of its
 * step is stored. Thread-safe; one instance serves every thread of its graph.
 *
 * @param <S> the state record type
 */
public final class ThreadRuntime<S> {

    private static final Pattern IDEMPOTENCY_KEY = Pattern.compile("[\\x21-\\x7E]{1,128}");

    private final CompiledGraph<S> graph;
    private final StateSchema<S> schema;
    private final CheckpointStore store;
    private final RuntimeOptions options;
    private final StateCodec codec;
    private final StateValidator<S> validator;
    private final StateLoader<S> loader;
    private final HeadCache<S> cache;
    private final MemoryStore memory;
    private final Outbox outbox;
    private final ChatModel chatModel;
    private final ToolBox tools;

    public ThreadRuntime(CompiledGraph<S> graph, CheckpointStore store, Validator validator, StateCodec codec,
                         RuntimeOptions options) {
        this(graph, store, validator, codec, options, null);
    }

    /**
     * @param memory long-term memory for {@code StepContext.recall/remember}, or {@code null} for none
     */
    public ThreadRuntime(CompiledGraph<S> graph, CheckpointStore store, Validator validator, StateCodec codec,
                         RuntimeOptions options, MemoryStore memory) {
        this(graph, store, validator, codec, options, memory, null, ToolBox.none());
    }

    /**
     * @param memory    long-term memory for {@code StepContext.recall/remember}, or {@code null} for none
     * @param chatModel the model behind {@code StepContext.chat}, or {@code null} for none
     * @param tools     the tools behind {@code StepContext.executeTool}
     */
    public ThreadRuntime(CompiledGraph<S> graph, CheckpointStore store, Validator validator, StateCodec codec,
                         RuntimeOptions options, MemoryStore memory, ChatModel chatModel, ToolBox tools) {
        this.chatModel = chatModel;
        this.tools = Objects.requireNonNull(tools, "tools");
        this.graph = Objects.requireNonNull(graph, "graph");
        this.schema = graph.schema();
        this.store = Objects.requireNonNull(options, "options").observer().checkpointStore(Objects.requireNonNull(store, "store"));
        this.options = Objects.requireNonNull(options, "options");
        this.codec = Objects.requireNonNull(codec, "codec");
        this.validator = new StateValidator<>(schema, validator);
        this.loader = new StateLoader<>(schema, codec);
        this.cache = new HeadCache<>(options.headCacheThreads());
        this.memory = memory == null ? null : options.observer().memoryStore(memory);
        this.outbox = new Outbox(this.store, this.memory, codec, options.clock());
    }

    public CompiledGraph<S> graph() {
        return graph;
    }

    /** One step without input: runs what the thread has scheduled (or starts a new run). */
    public StepResult<S> step(ThreadKey thread) {
        return step(thread, Update.none(), null);
    }

    /**
     * One step. {@code input} is applied first, then the scheduled node(s) run on the result; on a
     * thread that is done (or new) the step starts a new run from START, otherwise the input joins
     * the run in progress. A non-null {@code idempotencyKey} makes retries safe: the same key on the
     * same thread returns the first answer and runs nothing again.
     */
    public StepResult<S> step(ThreadKey thread, Update<S> input, String idempotencyKey) {
        StepObserver.Step observed = options.observer().stepStarted(thread);
        try {
            StepResult<S> result = stepObserved(thread, input, idempotencyKey);
            observed.committed(result.checkpoint(), result.duplicate());
            return result;
        } catch (RuntimeException e) {
            observed.failed(e);
            throw e;
        }
    }

    private StepResult<S> stepObserved(ThreadKey thread, Update<S> input, String idempotencyKey) {
        Objects.requireNonNull(input, "input");
        if (idempotencyKey != null && !IDEMPOTENCY_KEY.matcher(idempotencyKey).matches()) {
            throw new ThreadlineException(ErrorCode.INVALID_INPUT,
                    "idempotencyKey must be 1-128 printable ASCII characters without spaces", Map.of("field", "idempotencyKey"));
        }
        Head<S> cached = options.trustHeadCache() ? cache.get(thread) : null;
        if (cached == null) {
            return stepOn(thread, currentHead(thread), input, idempotencyKey);
        }
        try {
            return stepOn(thread, cached, input, idempotencyKey);
        } catch (ThreadlineException e) {
            // A failure on an unchecked cached head may only mean the head was stale (another process
            // moved the thread): then decide again, once, on the stored head. A second failure, or a
            // failure on a head that is still current, goes to the caller.
            boolean stale = e.code() == ErrorCode.CONFLICT
                    || !store.head(thread).map(h -> h.checkpointId().equals(cached.checkpoint().id())).orElse(false);
            if (!stale) {
                throw e;
            }
            return stepOn(thread, loadHead(thread), input, idempotencyKey);
        }
    }

    private StepResult<S> stepOn(ThreadKey thread, Head<S> head, Update<S> input, String idempotencyKey) {
        if (head != null && idempotencyKey != null) {
            if (idempotencyKey.equals(head.checkpoint().idempotencyKey())) {
                return new StepResult<>(CheckpointSummary.of(head.checkpoint()), head.state(), true);
            }
            // A retry after the thread moved on: answer the first result without running anything.
            Checkpoint first = store.findByIdempotencyKey(thread, idempotencyKey).orElse(null);
            if (first != null) {
                return duplicateOf(thread, first);
            }
        }
        if (head != null && head.checkpoint().status() == Status.INTERRUPTED) {
            throw new ThreadlineException(ErrorCode.INTERRUPTED,
                    "thread " + thread.threadId() + " is interrupted and waits for a resume value",
                    Map.of("thread", thread.threadId(), "checkpointId", head.checkpoint().id().value()));
        }
        long step = head == null ? 1 : head.checkpoint().step() + 1;
        S before = head == null ? schema.initial() : head.state();
        List<String> scheduled = head == null || head.checkpoint().next().isEmpty() ? List.of(StateGraph.START) : head.checkpoint().next();
        Checkpoint failedHead = head != null && head.checkpoint().status() == Status.FAILED ? head.checkpoint() : null;
        if (failedHead != null && idempotencyKey != null && idempotencyKey.equals(failedHead.metadata().get(ATTEMPT_KEY))) {
            // The caller retries the very request that failed: its input is already in the FAILED checkpoint.
            input = Update.none();
        }

        if (outbox.behind(thread)) {
            outbox.catchUp(thread);
        }
        AppliedUpdate<S> withInput = schema.apply(before, input.changes());
        boolean sync = graph.usesSyncDurability();
        List<Effect> pending = sync ? pendingEffects(thread, step) : List.of();
        EffectSink sink = sync ? effect -> store.putPendingEffect(thread, step, effect.seq(), Effects.toJson(effect)) : null;
        StepScope scope = new StepScope(thread, step, options.clock(), options.random(), memory, chatModel, tools,
                EffectJournal.live(pending, failedHead == null ? Map.of() : seeds(failedHead), sink)
                        .observedBy(options.observer().stepRunning(thread, step, scheduled)), memory != null);
        StepOutcome<S> outcome;
        try {
            outcome = graph.execute(withInput.state(), scheduled, scope);
        } catch (StepFailedException failure) {
            return commitFailed(thread, head, withInput, scheduled, idempotencyKey, scope, failure, sync);
        }
        List<AppliedChange> changes = new ArrayList<>(withInput.changes());
        changes.addAll(outcome.applied().changes());
        AppliedUpdate<S> applied = new AppliedUpdate<>(outcome.applied().state(), changes);
        validator.check(head == null ? validator.validateAll(applied.state()) : validator.validateChanges(applied));

        Instant now = options.clock().instant().truncatedTo(ChronoUnit.MILLIS);
        Written written = encodeChange(head, applied, now);
        CheckpointId id = CheckpointId.next(now, options.random(), head == null ? null : head.checkpoint().id());
        Map<String, String> metadata = new java.util.TreeMap<>();
        if (scope.degradedRecall()) {
            metadata.put("degraded", "recall");
        }
        outcome.attempts().forEach((node, n) -> metadata.put("attempts." + node, Integer.toString(n)));
        if (failedHead != null) {
            metadata.put("retryOf", failedHead.id().value());
        }
        Checkpoint checkpoint = new Checkpoint(
                id, thread, step, head == null ? null : head.checkpoint().id(), outcome.ran(), decisions(outcome),
                outcome.next(), outcome.next().isEmpty() ? Status.DONE : Status.RUNNING, schema.version(),
                written.change(), now, idempotencyKey, metadata,
                outbox.encode(scope.remembered(), id.value()), inputPatch(withInput), Effects.toJson(scope.journal().log()), null);
        CommitResult result;
        try {
            result = store.commit(new Commit(checkpoint, step - 1, written.snapshotAt()));
        } catch (RuntimeException e) {
            cache.remove(thread);
            throw e;
        }
        if (result.duplicate()) {
            cache.remove(thread);
            return duplicateOf(thread, result.checkpoint());
        }
        clearPending(thread, step, sync);
        cache.put(thread, new Head<>(checkpoint, applied.state(), written.snapshotBytes(), written.deltaBytesSince(),
                written.snapshotAt()));
        outbox.publish(thread, checkpoint);
        return new StepResult<>(CheckpointSummary.of(checkpoint), applied.state(), false);
    }

    /** Metadata key of a FAILED checkpoint: the idempotency key of the request that failed (not claimed, so a retry runs). */
    static final String ATTEMPT_KEY = "attemptKey";

    /**
     * Keeps a step whose node failed as a FAILED checkpoint: the state with the step's input applied
     * (so a retry does not need the input again), the effects so far, the error; the same nodes stay
     * scheduled. Nothing of what the nodes changed is kept, and no memory is written.
     */
    private StepResult<S> commitFailed(ThreadKey thread, Head<S> head, AppliedUpdate<S> withInput, List<String> scheduled,
                                       String idempotencyKey, StepScope scope, StepFailedException failure, boolean sync) {
        long step = head == null ? 1 : head.checkpoint().step() + 1;
        Instant now = options.clock().instant().truncatedTo(ChronoUnit.MILLIS);
        Written written = encodeChange(head, withInput, now);
        CheckpointId id = CheckpointId.next(now, options.random(), head == null ? null : head.checkpoint().id());
        Map<String, String> metadata = new java.util.TreeMap<>();
        failure.attemptsByNode().forEach((node, n) -> metadata.put("attempts." + node, Integer.toString(n)));
        if (idempotencyKey != null) {
            metadata.put(ATTEMPT_KEY, idempotencyKey);
        }
        Checkpoint checkpoint = new Checkpoint(id, thread, step, head == null ? null : head.checkpoint().id(), failure.attempted(),
                List.of(), scheduled, Status.FAILED, schema.version(), written.change(), now, null, metadata, null,
                inputPatch(withInput), Effects.toJson(scope.journal().log()), stepError(failure));
        try {
            store.commit(new Commit(checkpoint, step - 1, written.snapshotAt()));
        } catch (RuntimeException e) {
            cache.remove(thread);
            e.addSuppressed(failure);
            throw e;
        }
        clearPending(thread, step, sync);
        cache.put(thread, new Head<>(checkpoint, withInput.state(), written.snapshotBytes(), written.deltaBytesSince(),
                written.snapshotAt()));
        return new StepResult<>(CheckpointSummary.of(checkpoint), withInput.state(), false);
    }

    private StepError stepError(StepFailedException failure) {
        Throwable cause = failure.getCause();
        io.threadline.effects.EffectError recorded = io.threadline.effects.EffectError.of(cause);
        java.io.StringWriter stack = new java.io.StringWriter();
        StackTraceElement[] frames = cause.getStackTrace();
        int shown = Math.min(frames.length, options.errorStackFrames());
        stack.append(cause.toString()).append('\n');
        for (int i = 0; i < shown; i++) {
            stack.append("\tat ").append(frames[i].toString()).append('\n');
        }
        if (shown < frames.length) {
            stack.append("\t... ").append(Integer.toString(frames.length - shown)).append(" more\n");
        }
        return new StepError(failure.node(), recorded.type(), recorded.message(), stack.toString());
    }

    /** The step's input as a JSON Patch against the parent state, or null when the step had none. */
    private String inputPatch(AppliedUpdate<S> withInput) {
        if (withInput.changes().isEmpty()) {
            return null;
        }
        return new String(codec.writeTree(StateDelta.toPatch(withInput.changes(), codec)), java.nio.charset.StandardCharsets.UTF_8);
    }

    /** Effects a killed attempt of this step already made durable (durability SYNC). */
    private List<Effect> pendingEffects(ThreadKey thread, long step) {
        List<Effect> out = new ArrayList<>();
        for (String json : store.pendingEffects(thread, step)) {
            out.add(Effects.effectFromJson(json));
        }
        return out;
    }

    /** What a retry of a FAILED step may reuse: per node, the effects of its last attempt there. */
    private Map<String, List<Effect>> seeds(Checkpoint failed) {
        Map<String, List<Effect>> byNode = new java.util.LinkedHashMap<>();
        Map<String, Integer> lastAttempt = new java.util.HashMap<>();
        List<Effect> all = Effects.fromJson(failed.effects());
        for (Effect e : all) {
            lastAttempt.merge(e.node(), e.attempt(), Math::max);
        }
        for (Effect e : all) {
            if (e.attempt() == lastAttempt.get(e.node()) && graph.nodeNames().contains(e.node())
                    && graph.durabilityOf(e.node()) == Durability.SYNC) {
                byNode.computeIfAbsent(e.node(), k -> new ArrayList<>()).add(e);
            }
        }
        return byNode;
    }

    /** Pending effects have served their purpose once the step committed; what a failed delete leaves expires. */
    private void clearPending(ThreadKey thread, long step, boolean sync) {
        if (!sync) {
            return;
        }
        try {
            store.clearPendingEffects(thread, step);
        } catch (RuntimeException e) {
            java.util.logging.Logger.getLogger(ThreadRuntime.class.getName()).log(java.util.logging.Level.WARNING,
                    "pending effects of step " + step + " of " + thread + " were not deleted (they expire): " + e.getMessage());
        }
    }

    /** The answer to a repeated idempotency key: the checkpoint first committed with it, and its state. */
    private StepResult<S> duplicateOf(ThreadKey thread, Checkpoint first) {
        return new StepResult<>(CheckpointSummary.of(first), stateAt(thread, first.id()).state(), true);
    }

    private record Written(StateChange change, long snapshotBytes, long deltaBytesSince, Instant snapshotAt) {}

    /** A delta against the parent, or the whole state when the snapshot policy says it is time. */
    private Written encodeChange(Head<S> head, AppliedUpdate<S> applied, Instant now) {
        if (head != null) {
            byte[] delta = codec.writeTree(StateDelta.toPatch(applied.changes(), codec));
            long since = head.deltaBytesSinceSnapshot() + delta.length;
            if (!options.snapshotPolicy().snapshotDue(head.snapshotBytes(), since, Duration.between(head.snapshotAt(), now))) {
                return new Written(new StateChange.Delta(delta), head.snapshotBytes(), since, head.snapshotAt());
            }
        }
        byte[] snapshot = codec.encode(applied.state());
        return new Written(new StateChange.Snapshot(snapshot), snapshot.length, 0, now);
    }

    private static List<Decision> decisions(StepOutcome<?> outcome) {
        List<Decision> out = new ArrayList<>(outcome.decisions().size());
        for (RouteDecision d : outcome.decisions()) {
            out.add(new Decision(d.from(), d.to(), d.reason()));
        }
        return out;
    }

    /**
     * Steps until the run ends (DONE or INTERRUPTED) or the budget is spent. {@code input} goes into
     * the first step only. Each step commits on its own, so a run cut short loses nothing.
     */
    public RunResult<S> run(ThreadKey thread, Update<S> input, RunBudget budget) {
        List<CheckpointSummary> steps = new ArrayList<>();
        Update<S> next = input;
        S state = null;
        while (true) {
            if (budget.deadline() != null && !options.clock().instant().isBefore(budget.deadline())) {
                return new RunResult<>(steps, state, RunResult.StopReason.DEADLINE);
            }
            StepResult<S> result = step(thread, next, null);
            next = Update.none();
            steps.add(result.checkpoint());
            state = result.state();
            if (result.checkpoint().status() == Status.DONE) {
                return new RunResult<>(steps, state, RunResult.StopReason.DONE);
            }
            if (result.checkpoint().status() == Status.INTERRUPTED) {
                return new RunResult<>(steps, state, RunResult.StopReason.INTERRUPTED);
            }
            if (result.checkpoint().status() == Status.FAILED) {
                return new RunResult<>(steps, state, RunResult.StopReason.FAILED);
            }
            if (steps.size() >= budget.maxSteps()) {
                return new RunResult<>(steps, state, RunResult.StopReason.MAX_STEPS);
            }
        }
    }

    /** The latest state of a thread; {@code THREAD_NOT_FOUND} if it has none. */
    public ThreadState<S> state(ThreadKey thread) {
        Head<S> head = currentHead(thread);
        if (head == null) {
            throw threadNotFound(thread);
        }
        return new ThreadState<>(CheckpointSummary.of(head.checkpoint()), head.state());
    }

    /** The state at any retained checkpoint; {@code CHECKPOINT_NOT_FOUND} if the store has none by that id. */
    public ThreadState<S> stateAt(ThreadKey thread, CheckpointId id) {
        CheckpointChain chain = store.load(thread, id).orElseThrow(() -> {
            if (store.head(thread).isEmpty()) {
                return threadNotFound(thread);
            }
            return new ThreadlineException(ErrorCode.CHECKPOINT_NOT_FOUND,
                    "thread " + thread.threadId() + " has no checkpoint " + id + " (pruned, or never existed)",
                    Map.of("thread", thread.threadId(), "checkpointId", id.value()));
        });
        return new ThreadState<>(CheckpointSummary.of(chain.target()), loader.state(chain));
    }

    /**
     * Re-runs the step that produced checkpoint {@code id} — on its parent's state, its recorded
     * input and its recorded effects, with no call to the model, tools or memory — and reports
     * whether the code still produces the same change (or, for a FAILED step, the same error).
     * Writes nothing.
     */
    public ReplayReport replay(ThreadKey thread, CheckpointId id) {
        Checkpoint cp = store.get(thread, id).orElseThrow(() -> checkpointNotFound(thread, id));
        Checkpoint parent = cp.parent() == null ? null : store.get(thread, cp.parent()).orElseThrow(() ->
                new ThreadlineException(ErrorCode.CHECKPOINT_NOT_FOUND, "checkpoint " + id + " cannot be replayed: its parent "
                        + cp.parent() + " was pruned", Map.of("thread", thread.threadId(), "checkpointId", cp.parent().value())));
        S before = parent == null ? schema.initial() : stateAt(thread, parent.id()).state();
        List<String> scheduled = parent == null || parent.next().isEmpty() ? List.of(StateGraph.START) : parent.next();
        S withInput = withPatch(before, cp.input());
        S recorded = stateAt(thread, id).state();
        List<Effect> effects = Effects.fromJson(cp.effects());
        EffectJournal journal = EffectJournal.replay(effects);
        StepScope scope = new StepScope(thread, cp.step(), options.clock(), options.random(), null, null, tools, journal,
                memory != null || replayNeedsMemory(cp, effects));
        StepOutcome<S> outcome = null;
        StepError replayedError = null;
        try {
            outcome = graph.execute(withInput, scheduled, scope);
        } catch (StepFailedException failure) {
            replayedError = stepError(failure);
        } catch (io.threadline.effects.NonDeterministicException divergence) {
            // reported below from the journal, which keeps the first divergence even if a node swallowed it
        } catch (ThreadlineException other) {
            replayedError = new StepError(String.join(",", cp.nodes()), other.getClass().getName(), other.getMessage(), null);
        }
        int calls = (int) effects.stream().filter(e -> e.kind() != io.threadline.effects.EffectKind.FAILURE).count();
        return ReplayReports.of(cp, schema, codec, recorded, withInput, outcome, replayedError, journal, calls,
                outbox.encode(scope.remembered(), cp.id().value()));
    }

    /** A state with a stored input patch applied (or the state itself when the step had no input). */
    private S withPatch(S state, String patch) {
        if (patch == null) {
            return state;
        }
        com.fasterxml.jackson.databind.JsonNode tree = codec.toTree(state);
        io.threadline.state.JsonPatch.apply(tree, codec.readTree(patch.getBytes(java.nio.charset.StandardCharsets.UTF_8)));
        return schema.readOnly(codec.fromTree(tree, schema.type()));
    }

    /** A runtime without memory replaying a step that used memory must still offer it, as the step saw it. */
    private static boolean replayNeedsMemory(Checkpoint cp, List<Effect> effects) {
        return cp.hasOutbox() || effects.stream().anyMatch(e -> e.kind() == io.threadline.effects.EffectKind.RECALL);
    }

    private ThreadlineException checkpointNotFound(ThreadKey thread, CheckpointId id) {
        if (store.head(thread).isEmpty()) {
            return threadNotFound(thread);
        }
        return new ThreadlineException(ErrorCode.CHECKPOINT_NOT_FOUND,
                "thread " + thread.threadId() + " has no checkpoint " + id + " (pruned, or never existed)",
                Map.of("thread", thread.threadId(), "checkpointId", id.value()));
    }

    /**
     * Applies the memory writes of every committed step of the thread that are not applied yet
     * (the runtime also does this on its own when it loads a thread); returns how many checkpoints
     * it completed.
     */
    public int publishPending(ThreadKey thread) {
        return outbox.catchUp(thread);
    }

    /** A page of the thread's history, newest first; {@code THREAD_NOT_FOUND} if it has none. */
    public HistoryPage history(ThreadKey thread, HistoryQuery query) {
        HistoryPage page = store.history(thread, query);
        if (page.checkpoints().isEmpty() && query.cursor() == null) {
            throw threadNotFound(thread);
        }
        return page;
    }

    /**
     * The thread's head: one load (HEAD + snapshot + deltas) when this runtime has not seen the thread,
     * else a cheap check that the cached head is still the store's head.
     */
    private Head<S> currentHead(ThreadKey thread) {
        Head<S> cached = cache.get(thread);
        if (cached != null) {
            ThreadHead stored = store.head(thread).orElse(null);
            if (stored == null) {
                cache.remove(thread);
                return null;
            }
            if (cached.checkpoint().id().equals(stored.checkpointId())) {
                return cached;
            }
        }
        return loadHead(thread);
    }

    /** The stored head, read in full (one load: HEAD + snapshot + deltas), and cached. */
    private Head<S> loadHead(ThreadKey thread) {
        CheckpointChain chain = store.loadLatest(thread).orElse(null);
        if (chain == null) {
            cache.remove(thread);
            return null;
        }
        Head<S> loaded = loader.head(chain);
        cache.replace(thread, loaded);
        if (memory != null) {
            // A process may have died between a commit and applying its memory writes: apply them now.
            outbox.catchUp(thread);
        }
        return loaded;
    }

    private static ThreadlineException threadNotFound(ThreadKey thread) {
        return new ThreadlineException(ErrorCode.THREAD_NOT_FOUND, "no thread " + thread.threadId() + " for this tenant",
                Map.of("thread", thread.threadId()));
    }
}
