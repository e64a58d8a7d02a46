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
import io.threadline.runtime.internal.StepPending;
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
    private final StepReplayer<S> replayer;
    private final TimeTravel<S> timeTravel;
    private final String agent;

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
        this(graph, store, validator, codec, options, memory, chatModel, tools, null);
    }

    ThreadRuntime(CompiledGraph<S> graph, CheckpointStore store, Validator validator, StateCodec codec,
                  RuntimeOptions options, MemoryStore memory, ChatModel chatModel, ToolBox tools, String agent) {
        this.agent = agent;
        this.chatModel = chatModel;
        this.tools = Objects.requireNonNull(tools, "tools");
        this.graph = Objects.requireNonNull(graph, "graph");
        this.schema = graph.schema();
        this.store = Objects.requireNonNull(options, "options").observer().checkpointStore(Objects.requireNonNull(store, "store"));
        this.options = Objects.requireNonNull(options, "options");
        this.codec = Objects.requireNonNull(codec, "codec");
        this.validator = new StateValidator<>(schema, validator);
        this.loader = new StateLoader<>(schema, codec, graph.migrations());
        this.cache = new HeadCache<>(options.headCacheThreads());
        this.memory = memory == null ? null : options.observer().memoryStore(memory);
        this.outbox = new Outbox(this.store, this.memory, codec, options.clock());
        this.replayer = new StepReplayer<>(graph, this.store, codec, loader, options, tools, this.memory != null, outbox,
                this::stateAt, this::checkpointNotFound);
        this.timeTravel = new TimeTravel<>(this.store, codec, schema, this.validator, options.observer(), new RuntimeThreads());
    }

    /** A builder for a runtime of {@code graph}: every other part has a default (see {@link ThreadRuntimeBuilder}). */
    public static <S> ThreadRuntimeBuilder<S> builder(CompiledGraph<S> graph) {
        return new ThreadRuntimeBuilder<>(graph);
    }

    /** A builder for a runtime of {@code agent}: its graph, name, tools and (if it has one) chat model. */
    public static <S> ThreadRuntimeBuilder<S> builder(ThreadlineAgent<S> agent) {
        return new ThreadRuntimeBuilder<>(agent);
    }

    /** The agent this runtime serves, stamped on its threads; empty for a runtime built without one. */
    public java.util.Optional<String> agent() {
        return java.util.Optional.ofNullable(agent);
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
        return advance(thread, input, idempotencyKey, null);
    }

    /**
     * Answers an interrupt: the step the thread stopped in runs again (for an interrupt inside a node,
     * that node's {@code interrupt()} call now returns {@code value}; for one before a node, the node
     * runs; after a node, the run goes on), with {@code value} recorded as the step's resume effect.
     * A thread that is not interrupted is refused with {@code INTERRUPTED}, and nothing is written.
     * {@code value} is any JSON-able value: a record the node reads back with
     * {@code ctx.interrupt(payload, Decision.class)}, a boolean, a string.
     */
    public StepResult<S> resume(ThreadKey thread, Object value, String idempotencyKey) {
        return resume(thread, value instanceof com.fasterxml.jackson.databind.JsonNode json ? json : codec.toTree(value), idempotencyKey);
    }

    /** {@link #resume(ThreadKey, Object, String)} with the value as JSON, as the API receives it. */
    public StepResult<S> resume(ThreadKey thread, com.fasterxml.jackson.databind.JsonNode value, String idempotencyKey) {
        return advance(thread, Update.none(), idempotencyKey,
                value == null ? com.fasterxml.jackson.databind.node.NullNode.getInstance() : value);
    }

    private StepResult<S> advance(ThreadKey thread, Update<S> input, String idempotencyKey,
                                  com.fasterxml.jackson.databind.JsonNode resume) {
        return observed(options.observer().stepStarted(thread), () -> advanceObserved(thread, input, idempotencyKey, resume, null));
    }

    /** Runs {@code change} under {@code observation}, which is told exactly once how it ended. */
    static <S> StepResult<S> observed(StepObserver.Step observation, java.util.function.Supplier<StepResult<S>> change) {
        try {
            StepResult<S> result = change.get();
            observation.committed(result.checkpoint(), result.duplicate());
            return result;
        } catch (RuntimeException e) {
            observation.failed(e);
            throw e;
        }
    }

    /** @param expectedHead the checkpoint the thread's head must be (a run's next step), or {@code null} for any */
    private StepResult<S> advanceObserved(ThreadKey thread, Update<S> input, String idempotencyKey,
                                          com.fasterxml.jackson.databind.JsonNode resume, CheckpointId expectedHead) {
        Objects.requireNonNull(input, "input");
        if (idempotencyKey != null && !IDEMPOTENCY_KEY.matcher(idempotencyKey).matches()) {
            throw new ThreadlineException(ErrorCode.INVALID_INPUT,
                    "idempotencyKey must be 1-128 printable ASCII characters without spaces", Map.of("field", "idempotencyKey"));
        }
        Head<S> cached = options.trustHeadCache() ? cache.get(thread) : null;
        if (cached == null) {
            return stepOn(thread, currentHead(thread), input, idempotencyKey, resume, expectedHead);
        }
        try {
            return stepOn(thread, cached, input, idempotencyKey, resume, expectedHead);
        } catch (ThreadlineException e) {
            // A failure on an unchecked cached head may only mean the head was stale (another process
            // moved the thread): then decide again, once, on the stored head. A second failure, or a
            // failure on a head that is still current, goes to the caller.
            boolean stale = e.code() == ErrorCode.CONFLICT
                    || !store.head(thread).map(h -> h.checkpointId().equals(cached.checkpoint().id())).orElse(false);
            if (!stale) {
                throw e;
            }
            return stepOn(thread, loadHead(thread), input, idempotencyKey, resume, expectedHead);
        }
    }

    private StepResult<S> stepOn(ThreadKey thread, Head<S> head, Update<S> input, String idempotencyKey,
                                 com.fasterxml.jackson.databind.JsonNode resume, CheckpointId expectedHead) {
        if (expectedHead != null && (head == null || !head.checkpoint().id().equals(expectedHead))) {
            throw new ThreadlineException(ErrorCode.CONFLICT, "thread " + thread.threadId() + " moved on after checkpoint "
                    + expectedHead + " (another writer stepped it); its head is " + (head == null ? "gone" : head.checkpoint().id()),
                    Map.of("thread", thread.threadId(), "expected", expectedHead.value(),
                            "head", head == null ? "" : head.checkpoint().id().value()));
        }
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
        boolean interrupted = head != null && head.checkpoint().status() == Status.INTERRUPTED;
        if (interrupted && resume == null) {
            throw new ThreadlineException(ErrorCode.INTERRUPTED,
                    "thread " + thread.threadId() + " is interrupted and waits for a resume value",
                    Map.of("thread", thread.threadId(), "checkpointId", head.checkpoint().id().value()));
        }
        if (!interrupted && resume != null) {
            throw new ThreadlineException(ErrorCode.INTERRUPTED,
                    "thread " + thread.threadId() + " is not interrupted" + (head == null ? " (it has no steps)"
                            : " (it is " + head.checkpoint().status() + "); step it instead of resuming"),
                    Map.of("thread", thread.threadId(), "status", head == null ? "NONE" : head.checkpoint().status().name()));
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
        // Pending effects exist only where a SYNC node may run: look for them (one store read) only then,
        // and clear them after the commit only when there are some.
        StepPending pending = StepPending.of(store, thread, step, mayRunSync(scheduled));
        try {
            return runAndCommit(thread, head, withInput, scheduled, idempotencyKey, resume, failedHead, pending);
        } catch (ThreadlineException e) {
            pending.ended(e.code());
            throw e;
        }
    }

    private StepResult<S> runAndCommit(ThreadKey thread, Head<S> head, AppliedUpdate<S> withInput, List<String> scheduled,
                                       String idempotencyKey, com.fasterxml.jackson.databind.JsonNode resume,
                                       Checkpoint failedHead, StepPending pending) {
        long step = head == null ? 1 : head.checkpoint().step() + 1;
        boolean interrupted = resume != null;
        StepScope scope = new StepScope(thread, step, options.clock(), options.random(), memory, chatModel, tools,
                EffectJournal.live(pending.found(), failedHead == null ? Map.of() : seeds(failedHead), pending.sink())
                        .observedBy(options.observer().stepRunning(thread, step, scheduled)), memory != null, codec);
        if (interrupted) {
            Interrupt waiting = Interrupt.of(head.checkpoint(), codec);
            scope.resuming(waiting.when() == io.threadline.graph.InterruptSignal.When.AFTER ? null : waiting.node(), resume);
        }
        StepOutcome<S> outcome;
        try {
            outcome = graph.execute(withInput.state(), scheduled, scope);
        } catch (StepFailedException failure) {
            StepError error = StepErrors.of(failure, options.errorStackFrames());
            return commitStopped(thread, head, withInput, idempotencyKey, scope, pending, failure.attemptsByNode(),
                    draft -> draft.failedStep(failure.attempted(), scheduled, error));
        } catch (io.threadline.graph.InterruptSignal signal) {
            String waitsFor = Interrupt.json(signal, codec);
            return commitStopped(thread, head, withInput, idempotencyKey, scope, pending, Map.of(),
                    draft -> draft.interruptedStep(List.of(signal.node()), scheduled, waitsFor));
        }
        List<AppliedChange> changes = new ArrayList<>(withInput.changes());
        changes.addAll(outcome.applied().changes());
        AppliedUpdate<S> applied = new AppliedUpdate<>(outcome.applied().state(), changes);
        validator.check(head == null ? validator.validateAll(applied.state()) : validator.validateChanges(applied));

        Instant now = options.clock().instant().truncatedTo(ChronoUnit.MILLIS);
        Written written = encodeChange(head, applied, now);
        CheckpointId id = CheckpointId.next(now, options.random(), head == null ? null : head.checkpoint().id());
        Map<String, String> metadata = stamped(new java.util.TreeMap<>());
        if (scope.degradedRecall()) {
            metadata.put("degraded", "recall");
        }
        outcome.attempts().forEach((node, n) -> metadata.put("attempts." + node, Integer.toString(n)));
        if (failedHead != null) {
            metadata.put("retryOf", failedHead.id().value());
        }
        if (interrupted) {
            metadata.put("resumed", head.checkpoint().id().value());
        }
        // A pause after the last node would wait for nothing: the run is simply done.
        boolean pause = outcome.interruptedAfter() != null && !outcome.next().isEmpty();
        Checkpoint.Draft draft = Checkpoint.draft(id, thread, step, head == null ? null : head.checkpoint().id())
                .state(schema.version(), written.change(), now)
                .metadata(metadata)
                .input(inputPatch(withInput))
                .effects(Effects.toJson(scope.journal().log()))
                .idempotencyKey(idempotencyKey)
                .outbox(outbox.encode(scope.remembered(), id.value()));
        Checkpoint checkpoint = pause
                ? draft.pausedStep(outcome.ran(), decisions(outcome), outcome.next(), Interrupt.after(outcome.interruptedAfter(), codec))
                : draft.step(outcome.ran(), decisions(outcome), outcome.next());
        CommitResult result = commitAndCache(checkpoint, step - 1, written, applied.state());
        if (result.duplicate()) {
            // Another attempt with the same key committed first: this one's effects are not the step's.
            pending.ended(ErrorCode.CONFLICT);
            return duplicateOf(thread, result.checkpoint());
        }
        pending.committed();
        outbox.publish(thread, checkpoint);
        return new StepResult<>(CheckpointSummary.of(checkpoint), applied.state(), false);
    }

    /**
     * Commits {@code checkpoint} on the head at {@code expectedStep} and makes it the cached head. A failed
     * or duplicate commit leaves no cached head behind: what the store holds is then unknown here.
     */
    private CommitResult commitAndCache(Checkpoint checkpoint, long expectedStep, Written written, S state) {
        ThreadKey thread = checkpoint.thread();
        CommitResult result;
        try {
            result = store.commit(new Commit(checkpoint, expectedStep, written.snapshotAt()));
        } catch (RuntimeException e) {
            cache.remove(thread);
            throw e;
        }
        if (result.duplicate()) {
            cache.remove(thread);
        } else {
            cache.put(thread, new Head<>(checkpoint, state, written.snapshotBytes(), written.deltaBytesSince(), written.snapshotAt()));
        }
        return result;
    }

    /** Metadata key of a FAILED checkpoint: the idempotency key of the request that failed (not claimed, so a retry runs). */
    static final String ATTEMPT_KEY = "attemptKey";

    /**
     * Keeps a step that stopped before its end — a node failed (FAILED) or asked for a human
     * (INTERRUPTED) — as a checkpoint: the state with the step's input applied (so continuing needs
     * no input again), the effects so far, the error or what it waits for; the same nodes stay
     * scheduled. Nothing of what the nodes changed is kept, and no memory is written. {@code stopped}
     * chooses the kind — {@link Checkpoint.Draft#failedStep} or {@link Checkpoint.Draft#interruptedStep}.
     */
    private StepResult<S> commitStopped(ThreadKey thread, Head<S> head, AppliedUpdate<S> withInput, String idempotencyKey,
                                        StepScope scope, StepPending pending, Map<String, Integer> attempts,
                                        java.util.function.Function<Checkpoint.Draft, Checkpoint> stopped) {
        long step = head == null ? 1 : head.checkpoint().step() + 1;
        validator.check(head == null ? validator.validateAll(withInput.state()) : validator.validateChanges(withInput));
        Instant now = options.clock().instant().truncatedTo(ChronoUnit.MILLIS);
        Written written = encodeChange(head, withInput, now);
        CheckpointId id = CheckpointId.next(now, options.random(), head == null ? null : head.checkpoint().id());
        Map<String, String> metadata = stamped(new java.util.TreeMap<>());
        attempts.forEach((node, n) -> metadata.put("attempts." + node, Integer.toString(n)));
        if (idempotencyKey != null) {
            metadata.put(ATTEMPT_KEY, idempotencyKey);
        }
        Checkpoint.Draft draft = Checkpoint.draft(id, thread, step, head == null ? null : head.checkpoint().id())
                .state(schema.version(), written.change(), now)
                .metadata(metadata)
                .input(inputPatch(withInput))
                .effects(Effects.toJson(scope.journal().log()));
        Checkpoint checkpoint = stopped.apply(draft);
        commitAndCache(checkpoint, step - 1, written, withInput.state());
        pending.committed();
        return new StepResult<>(CheckpointSummary.of(checkpoint), withInput.state(), false);
    }

    /** The step's input as a JSON Patch against the parent state, or null when the step had none. */
    private String inputPatch(AppliedUpdate<S> withInput) {
        if (withInput.changes().isEmpty()) {
            return null;
        }
        return new String(codec.writeTree(StateDelta.toPatch(withInput.changes(), codec)), java.nio.charset.StandardCharsets.UTF_8);
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

    /** Whether a SYNC node can run in a step that schedules {@code scheduled} (START: any of the nodes a run starts with). */
    private boolean mayRunSync(List<String> scheduled) {
        List<String> nodes = scheduled.contains(StateGraph.START) ? graph.entryNodes() : scheduled;
        return nodes.stream().anyMatch(n -> graph.durabilityOf(n) == Durability.SYNC);
    }

    /** The answer to a repeated idempotency key: the checkpoint first committed with it, and its state. */
    private StepResult<S> duplicateOf(ThreadKey thread, Checkpoint first) {
        return new StepResult<>(CheckpointSummary.of(first), stateAt(thread, first.id()).state(), true);
    }

    private record Written(StateChange change, long snapshotBytes, long deltaBytesSince, Instant snapshotAt) {}

    /** A delta against the parent, or the whole state when the snapshot policy says it is time. */
    private Written encodeChange(Head<S> head, AppliedUpdate<S> applied, Instant now) {
        return encodePatch(head, head == null ? null : codec.writeTree(StateDelta.toPatch(applied.changes(), codec)), applied.state(), now);
    }

    /** {@code delta} (a JSON Patch against the head's state) or, when the policy says so, {@code state} whole. */
    private Written encodePatch(Head<S> head, byte[] delta, S state, Instant now) {
        if (head != null) {
            long since = head.deltaBytesSinceSnapshot() + delta.length;
            if (!options.snapshotPolicy().snapshotDue(head.snapshotBytes(), since, Duration.between(head.snapshotAt(), now))) {
                return new Written(new StateChange.Delta(delta), head.snapshotBytes(), since, head.snapshotAt());
            }
        }
        byte[] snapshot = codec.encode(state);
        return new Written(new StateChange.Snapshot(snapshot), snapshot.length, 0, now);
    }

    /** The outcome's routing decisions as a checkpoint stores them. */
    static List<Decision> decisions(StepOutcome<?> outcome) {
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
        return run(thread, input, budget, null);
    }

    /**
     * Like {@link #run(ThreadKey, Update, RunBudget)}, with {@code idempotencyKey} on its first step: a
     * retried run answers the step the key committed ({@code duplicate}) without applying the input again,
     * and goes on only while the thread still stands where that step left it.
     *
     * <p>A refusal of the first step is thrown: nothing of this run was committed. Once a step is committed
     * the run answers, whatever stops it: a later step refused because another writer moved the thread
     * ends it with {@code CONFLICT}, any other refusal or a dependency failure with {@code ERROR}, each
     * with the error in {@link RunResult#stoppedBy()} — so the caller knows its input is in, and that
     * sending it again would add it twice. Later steps follow this run's own last checkpoint only: they
     * never step a thread another writer has moved meanwhile (which might start a new run from START).
     */
    public RunResult<S> run(ThreadKey thread, Update<S> input, RunBudget budget, String idempotencyKey) {
        if (pastDeadline(budget)) {
            return new RunResult<>(List.of(), null, RunResult.StopReason.DEADLINE);
        }
        StepResult<S> first = step(thread, input, idempotencyKey);
        List<CheckpointSummary> steps = new ArrayList<>(List.of(first.checkpoint()));
        StepResult<S> last = first;
        while (true) {
            RunResult.StopReason stop = switch (last.checkpoint().status()) {
                case DONE -> RunResult.StopReason.DONE;
                case INTERRUPTED -> RunResult.StopReason.INTERRUPTED;
                case FAILED -> RunResult.StopReason.FAILED;
                default -> steps.size() >= budget.maxSteps() ? RunResult.StopReason.MAX_STEPS
                        : pastDeadline(budget) ? RunResult.StopReason.DEADLINE : null;
            };
            if (stop != null) {
                return new RunResult<>(steps, last.state(), stop, first.duplicate(), null);
            }
            try {
                last = continueFrom(thread, CheckpointId.parse(last.checkpoint().checkpointId()));
            } catch (ThreadlineException e) {
                RunResult.StopReason why = e.code() == ErrorCode.CONFLICT ? RunResult.StopReason.CONFLICT : RunResult.StopReason.ERROR;
                return new RunResult<>(steps, last.state(), why, first.duplicate(), e);
            }
            steps.add(last.checkpoint());
        }
    }

    private boolean pastDeadline(RunBudget budget) {
        return budget.deadline() != null && !options.clock().instant().isBefore(budget.deadline());
    }

    /** The next step of a run, only on a thread whose head is still {@code expected}; CONFLICT otherwise. */
    private StepResult<S> continueFrom(ThreadKey thread, CheckpointId expected) {
        return observed(options.observer().stepStarted(thread),
                () -> advanceObserved(thread, Update.none(), null, null, expected));
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
        CheckpointChain chain = store.load(thread, id).orElseThrow(() -> checkpointNotFound(thread, id));
        bound(chain.target());
        return new ThreadState<>(CheckpointSummary.of(chain.target()), loader.state(chain));
    }

    /**
     * Re-runs the step that produced checkpoint {@code id} — on its parent's state, its recorded
     * input and its recorded effects, with no call to the model, tools or memory — and reports
     * whether the code still produces the same change (or, for a FAILED step, the same error).
     * Writes nothing.
     */
    public ReplayReport replay(ThreadKey thread, CheckpointId id) {
        store.get(thread, id).ifPresent(this::bound);
        return replayer.replay(thread, id);
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

    // ------------------------------------------------------------------ time travel

    /**
     * A new thread {@code target} (same tenant) whose first checkpoint is a copy of the state at
     * ({@code source}, {@code id}), scheduled to go on from there, naming its source in its metadata
     * ({@code forkOf}). The source is untouched. A target that already exists is a {@code CONFLICT}.
     */
    public StepResult<S> fork(ThreadKey source, CheckpointId id, ThreadKey target, String reason) {
        return timeTravel.fork(source, id, target, reason);
    }

    /**
     * Appends a checkpoint whose state, next nodes and status are those of the older checkpoint
     * {@code id} (history stays append-only: nothing is deleted), attributed to {@code rewind}.
     */
    public StepResult<S> rewind(ThreadKey thread, CheckpointId id, String reason) {
        return timeTravel.rewind(thread, id, reason);
    }

    /**
     * Applies {@code update} to the latest state as a checkpoint of its own, attributed to
     * {@code update} with {@code reason} (LangGraph's {@code update_state}); the thread then goes on
     * where it was (same next nodes and status — an interrupted thread stays interrupted). The new
     * state is validated like a step's: an invalid update is refused and writes nothing.
     */
    public StepResult<S> update(ThreadKey thread, Update<S> update, String reason) {
        return timeTravel.update(thread, update, reason);
    }

    /** What {@link TimeTravel} needs of the runtime: heads, states at checkpoints, and the one way to append. */
    private final class RuntimeThreads implements TimeTravel.Threads<S> {
        @Override
        public Head<S> head(ThreadKey thread) {
            return requireHead(thread);
        }

        @Override
        public ThreadState<S> stateAt(ThreadKey thread, CheckpointId id) {
            return ThreadRuntime.this.stateAt(thread, id);
        }

        @Override
        public ThreadlineException notFound(ThreadKey thread, CheckpointId id) {
            return checkpointNotFound(thread, id);
        }

        @Override
        public StepResult<S> append(ThreadKey thread, Head<S> head, S state, byte[] patch, Checkpoint like, Map<String, String> metadata,
                                    long expectedStep) {
            return appendExternal(thread, head, state, patch, like, metadata, expectedStep);
        }
    }

    /** A checkpoint no node produced: its state, and where the thread stands taken from {@code like}. */
    private StepResult<S> appendExternal(ThreadKey thread, Head<S> head, S state, byte[] patch, Checkpoint like,
                                         Map<String, String> metadata, long expectedStep) {
        Instant now = options.clock().instant().truncatedTo(ChronoUnit.MILLIS);
        Written written = encodePatch(head, patch, state, now);
        CheckpointId id = CheckpointId.next(now, options.random(), head == null ? null : head.checkpoint().id());
        Checkpoint checkpoint = Checkpoint.draft(id, thread, expectedStep + 1, head == null ? null : head.checkpoint().id())
                .state(schema.version(), written.change(), now)
                .metadata(stamped(new java.util.TreeMap<>(metadata)))
                .externalWrite(like);
        commitAndCache(checkpoint, expectedStep, written, state);
        return new StepResult<>(CheckpointSummary.of(checkpoint), state, false);
    }

    private Head<S> requireHead(ThreadKey thread) {
        Head<S> head = currentHead(thread);
        if (head == null) {
            throw threadNotFound(thread);
        }
        return head;
    }

    /** A history entry with the state change against the parent as a JSON Patch, whatever the store kept. */
    public record Change(Checkpoint checkpoint, com.fasterxml.jackson.databind.JsonNode diff) {}

    /**
     * A page of history, newest first, each checkpoint with its diff against its parent as JSON Patch:
     * a stored delta as is; a snapshot diffed against its parent's state (the first checkpoint of a
     * thread against the schema's initial state; of a fork, against nothing: the whole state).
     */
    public List<Change> diffs(ThreadKey thread, HistoryPage page) {
        List<Change> out = new ArrayList<>(page.checkpoints().size());
        for (Checkpoint cp : page.checkpoints()) {
            out.add(diff(thread, cp));
        }
        return out;
    }

    /** One checkpoint of a history page with its diff against its parent, as {@link #diffs} makes them. */
    public Change diff(ThreadKey thread, Checkpoint cp) {
        com.fasterxml.jackson.databind.JsonNode diff;
        if (!cp.isSnapshot()) {
            diff = codec.readTree(cp.change().json());
        } else {
            com.fasterxml.jackson.databind.JsonNode after = codec.toTree(stateAt(thread, cp.id()).state());
            com.fasterxml.jackson.databind.JsonNode before = cp.parent() != null && store.get(thread, cp.parent()).isPresent()
                    ? codec.toTree(stateAt(thread, cp.parent()).state())
                    : cp.metadata().containsKey("forkOf") ? codec.mapper().createObjectNode() : codec.toTree(schema.initial());
            diff = io.threadline.state.JsonDiff.diff(before, after);
        }
        return new Change(cp, diff);
    }

    /** A page of the thread's history, newest first; {@code THREAD_NOT_FOUND} if it has none. */
    public HistoryPage history(ThreadKey thread, HistoryQuery query) {
        HistoryPage page = store.history(thread, query);
        if (page.checkpoints().isEmpty() && query.cursor() == null) {
            throw threadNotFound(thread);
        }
        page.checkpoints().forEach(this::bound);
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
        bound(chain.target());
        Head<S> loaded = loader.head(chain);
        cache.replace(thread, loaded);
        if (memory != null) {
            // A process may have died between a commit and applying its memory writes: apply them now.
            outbox.catchUp(thread);
        }
        return loaded;
    }

    /** Metadata key naming the agent that wrote a checkpoint, and so the agent its thread is bound to. */
    public static final String AGENT_KEY = "agent";

    /**
     * Refuses checkpoints read straight from the store (an export) when another agent wrote them, as every
     * read of this runtime does: {@code AGENT_MISMATCH}.
     */
    public void checkBound(List<Checkpoint> checkpoints) {
        checkpoints.forEach(this::bound);
    }

    /** {@code metadata} with this runtime's agent named in it, when it has one. */
    private Map<String, String> stamped(Map<String, String> metadata) {
        if (agent != null) {
            metadata.put(AGENT_KEY, agent);
        }
        return metadata;
    }

    /**
     * Refuses a checkpoint another agent wrote: its state has that agent's type and its nodes are that
     * agent's, so reading or stepping it here would misread it. A checkpoint that names no agent (written
     * before agents were named, or by a runtime without one) is anyone's; the next write binds its thread.
     */
    private void bound(Checkpoint checkpoint) {
        String owner = checkpoint.metadata().get(AGENT_KEY);
        if (agent != null && owner != null && !owner.equals(agent)) {
            ThreadKey thread = checkpoint.thread();
            throw new ThreadlineException(ErrorCode.AGENT_MISMATCH, "thread " + thread.threadId() + " belongs to agent '" + owner
                    + "', not '" + agent + "': name its agent, or use another thread id",
                    Map.of("thread", thread.threadId(), "agent", owner, "requested", agent));
        }
    }

    private static ThreadlineException threadNotFound(ThreadKey thread) {
        return new ThreadlineException(ErrorCode.THREAD_NOT_FOUND, "no thread " + thread.threadId() + " for this tenant",
                Map.of("thread", thread.threadId()));
    }
}
