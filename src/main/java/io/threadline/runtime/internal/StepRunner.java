package io.threadline.runtime.internal;

import io.threadline.graph.InterruptPoint;
import com.fasterxml.jackson.databind.JsonNode;
import dev.langchain4j.model.chat.ChatModel;
import io.threadline.ErrorCode;
import io.threadline.ThreadlineException;
import io.threadline.checkpoint.Checkpoint;
import io.threadline.checkpoint.CheckpointId;
import io.threadline.checkpoint.Decision;
import io.threadline.checkpoint.InterruptPayload;
import io.threadline.checkpoint.Status;
import io.threadline.checkpoint.ThreadTags;
import io.threadline.checkpoint.StepError;
import io.threadline.checkpoint.StepInput;
import io.threadline.checkpoint.ThreadKey;
import io.threadline.effects.Effect;
import io.threadline.effects.internal.EffectJournal;
import io.threadline.effects.Effects;
import io.threadline.effects.ToolBox;
import io.threadline.graph.CompiledGraph;
import io.threadline.graph.Durability;
import io.threadline.graph.internal.InterruptSignal;
import io.threadline.graph.RouteDecision;
import io.threadline.graph.StateGraph;
import io.threadline.graph.internal.StepFailedException;
import io.threadline.graph.internal.StepOutcome;
import io.threadline.graph.internal.GraphSteps;
import io.threadline.runtime.Interrupt;
import io.threadline.runtime.RunBudget;
import io.threadline.runtime.RunResult;
import io.threadline.runtime.StepResult;
import io.threadline.runtime.VersionCheck;
import io.threadline.state.AppliedChange;
import io.threadline.state.AppliedUpdate;
import io.threadline.state.internal.StateDelta;
import io.threadline.state.StateValidator;
import io.threadline.state.Update;

import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.regex.Pattern;

/**
 * Runs steps and runs on stored threads: decides what a step runs from the thread's head, runs the graph,
 * validates, and appends what came of it — a step, a paused step, a failed or an interrupted one — through
 * {@link ThreadHeads}.
 *
 * @param <S> the state record type
 */
public final class StepRunner<S> {

    /** Metadata key of a FAILED checkpoint: the idempotency key of the request that failed (not claimed, so a retry runs). */
    public static final String ATTEMPT_KEY = "attemptKey";

    private static final Pattern IDEMPOTENCY_KEY = Pattern.compile("[\\x21-\\x7E]{1,128}");

    private final ThreadHeads<S> heads;
    private final CompiledGraph<S> graph;
    private final RuntimeParts<S> parts;
    private final StateValidator<S> validator;
    private final ChatModel chatModel;
    private final ToolBox tools;

    /** @param chatModel the model behind {@code StepContext.chat}, or {@code null} for none */
    public StepRunner(ThreadHeads<S> heads, CompiledGraph<S> graph, StateValidator<S> validator, ChatModel chatModel, ToolBox tools) {
        this.heads = heads;
        this.graph = graph;
        this.parts = heads.parts();
        this.validator = validator;
        this.chatModel = chatModel;
        this.tools = tools;
    }

    /**
     * One step (see {@code ThreadRuntime.step}); with {@code resume}, the answer to an interrupt (see
     * {@code ThreadRuntime.resume}).
     */
    public StepResult<S> step(ThreadKey thread, Update<S> input, String idempotencyKey, JsonNode resume) {
        return step(thread, input, idempotencyKey, resume, CommitTerms.NONE);
    }

    /**
     * {@link #step(ThreadKey, Update, String, JsonNode)} committed on {@code terms}: the thread's tags if this step
     * creates it, the run guard of a background run's step.
     */
    public StepResult<S> step(ThreadKey thread, Update<S> input, String idempotencyKey, JsonNode resume, CommitTerms terms) {
        return Observed.step(parts.options().observer().stepStarted(thread), () -> advance(thread, input, idempotencyKey, resume, null, terms));
    }

    /** Steps until the run ends or the budget is spent (see {@code ThreadRuntime.run}). */
    public RunResult<S> run(ThreadKey thread, Update<S> input, RunBudget budget, String idempotencyKey) {
        return run(thread, input, budget, idempotencyKey, ThreadTags.none());
    }

    /** {@link #run(ThreadKey, Update, RunBudget, String)}; {@code tags} are the thread's if its first step creates it. */
    public RunResult<S> run(ThreadKey thread, Update<S> input, RunBudget budget, String idempotencyKey, ThreadTags tags) {
        if (pastDeadline(budget)) {
            return new RunResult<>(List.of(), null, RunResult.StopReason.DEADLINE);
        }
        StepResult<S> first = step(thread, input, idempotencyKey, null, CommitTerms.creatingWith(tags));
        List<Checkpoint> steps = new ArrayList<>(List.of(first.checkpoint()));
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
                last = continueFrom(thread, last.checkpoint().id());
            } catch (ThreadlineException e) {
                RunResult.StopReason why = e.code() == ErrorCode.CONFLICT ? RunResult.StopReason.CONFLICT : RunResult.StopReason.ERROR;
                return new RunResult<>(steps, last.state(), why, first.duplicate(), e);
            }
            steps.add(last.checkpoint());
        }
    }

    private boolean pastDeadline(RunBudget budget) {
        return budget.deadline() != null && !parts.options().clock().instant().isBefore(budget.deadline());
    }

    /** The next step of a run, only on a thread whose head is still {@code expected}; CONFLICT otherwise. */
    private StepResult<S> continueFrom(ThreadKey thread, CheckpointId expected) {
        return Observed.step(parts.options().observer().stepStarted(thread), () -> advance(thread, Update.none(), null, null, expected, CommitTerms.NONE));
    }

    /** @param expectedHead the checkpoint the thread's head must be (a run's next step), or {@code null} for any */
    private StepResult<S> advance(ThreadKey thread, Update<S> input, String idempotencyKey, JsonNode resume,
                                  CheckpointId expectedHead, CommitTerms terms) {
        java.util.Objects.requireNonNull(input, "input");
        if (idempotencyKey != null && !IDEMPOTENCY_KEY.matcher(idempotencyKey).matches()) {
            throw new ThreadlineException(ErrorCode.INVALID_INPUT,
                    "idempotencyKey must be 1-128 printable ASCII characters without spaces", Map.of("field", "idempotencyKey"));
        }
        Head<S> cached = heads.cached(thread);
        if (cached == null) {
            return stepOn(thread, heads.current(thread), input, idempotencyKey, resume, expectedHead, terms, HeadCheck.NONE);
        }
        if (parts.options().trustHeadCache()) {
            try {
                return stepOn(thread, cached, input, idempotencyKey, resume, expectedHead, terms, HeadCheck.NONE);
            } catch (ThreadlineException e) {
                // A failure on an unchecked cached head may only mean the head was stale (another process
                // moved the thread): then decide again, once, on the stored head. A second failure, or a
                // failure on a head that is still current, goes to the caller.
                boolean stale = e.code() == ErrorCode.CONFLICT || !heads.headIs(thread, cached.checkpoint().id());
                if (!stale) {
                    throw e;
                }
                return stepOn(thread, heads.load(thread), input, idempotencyKey, resume, expectedHead, terms, HeadCheck.NONE);
            }
        }
        // The cached head is checked lazily (HeadCheck): before the step's first call outside it, else by the commit.
        Instant started = parts.options().clock().instant();
        HeadCheck check = HeadCheck.of(thread, () -> heads.headIs(thread, cached.checkpoint().id()));
        try {
            return stepOn(thread, cached, input, idempotencyKey, resume, expectedHead, terms, check);
        } catch (ThreadlineException e) {
            if (check.stale()) {
                // The check found the head moved, before anything reached outside the step: run it on the stored head.
                return stepOn(thread, heads.load(thread), input, idempotencyKey, resume, expectedHead, terms, HeadCheck.NONE);
            }
            if (check.ran() || e.code() != ErrorCode.CONFLICT && heads.headIs(thread, cached.checkpoint().id())) {
                throw e; // decided on a head that was current: as a step on a checked head
            }
            // Nothing reached outside the step, and its head is no longer the store's. Run it again only where a
            // checked head would have been the stored one already — the thread had moved before this step began;
            // a thread that moved while the step ran is a race this step lost, answered as it always was: CONFLICT.
            ThreadHeads.Reloaded<S> reloaded = heads.reloadAfter(thread, cached.checkpoint(), started);
            if (!reloaded.movedBefore()) {
                throw e;
            }
            return stepOn(thread, reloaded.head(), input, idempotencyKey, resume, expectedHead, terms, HeadCheck.NONE);
        }
    }

    /** @param terms what the step's commit carries: the thread's tags if it creates it, a background run's guard */
    private StepResult<S> stepOn(ThreadKey thread, Head<S> head, Update<S> input, String idempotencyKey, JsonNode resume,
                                 CheckpointId expectedHead, CommitTerms terms, HeadCheck check) {
        if (expectedHead != null && (head == null || !head.checkpoint().id().equals(expectedHead))) {
            throw new ThreadlineException(ErrorCode.CONFLICT, "thread " + thread.threadId() + " moved on after checkpoint "
                    + expectedHead + " (another writer stepped it); its head is " + (head == null ? "gone" : head.checkpoint().id()),
                    Map.of("thread", thread.threadId(), "expected", expectedHead.value(),
                            "head", head == null ? "" : head.checkpoint().id().value()));
        }
        if (head != null && idempotencyKey != null) {
            if (idempotencyKey.equals(head.checkpoint().idempotencyKey())) {
                return new StepResult<>(head.checkpoint(), head.state(), true);
            }
            // A retry after the thread moved on: answer the first result without running anything.
            Checkpoint first = parts.store().findByIdempotencyKey(thread, idempotencyKey).orElse(null);
            if (first != null) {
                return heads.duplicateOf(thread, first);
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
        S before = head == null ? parts.schema().initial() : head.state();
        // Another version of the graph may have written the head: continue, migrate, or refuse before anything runs.
        VersionCheck version = head == null ? null : parts.versions().require(head.checkpoint());
        List<String> scheduled = head == null || head.checkpoint().next().isEmpty() ? List.of(StateGraph.START)
                : version.moved().isEmpty() ? head.checkpoint().next() : version.scheduled();
        Checkpoint failedHead = head != null && head.checkpoint().status() == Status.FAILED ? head.checkpoint() : null;
        if (failedHead != null && idempotencyKey != null && idempotencyKey.equals(failedHead.metadata().get(ATTEMPT_KEY))) {
            // The caller retries the very request that failed: its input is already in the FAILED checkpoint.
            input = Update.none();
        }

        Outbox outbox = parts.outbox();
        if (outbox.behind(thread)) {
            check.verify();
            outbox.catchUp(thread);
        }
        AppliedUpdate<S> withInput = parts.schema().apply(before, input.changes());
        // Pending effects exist only where a SYNC node may run: look for them (one store read) only then,
        // and clear them after the commit only when there are some. They are kept under the step's number,
        // so the head that number comes from is checked first.
        boolean mayRunSync = mayRunSync(scheduled);
        if (mayRunSync) {
            check.verify();
        }
        StepPending pending = StepPending.of(parts.store(), thread, step, mayRunSync);
        try {
            return runAndCommit(thread, head, withInput, scheduled, idempotencyKey, resume, failedHead, pending,
                    version == null ? Map.of() : version.moved(), terms, check);
        } catch (ThreadlineException e) {
            pending.ended(e.code());
            throw e;
        }
    }

    private StepResult<S> runAndCommit(ThreadKey thread, Head<S> head, AppliedUpdate<S> withInput, List<String> scheduled,
                                       String idempotencyKey, JsonNode resume, Checkpoint failedHead, StepPending pending,
                                       Map<String, String> moved, CommitTerms terms, HeadCheck check) {
        long step = head == null ? 1 : head.checkpoint().step() + 1;
        boolean interrupted = resume != null;
        EffectJournal journal = EffectJournal.live(pending.found(), failedHead == null ? Map.of() : seeds(failedHead), pending.sink())
                .observedBy(parts.options().observer().stepRunning(thread, step, scheduled));
        if (check != HeadCheck.NONE) {
            journal.beforeOutsideCalls(check::verify);
        }
        StepScope scope = new StepScope(thread, step, parts.options().clock(), parts.options().random(), parts.memory(), chatModel, tools,
                journal, parts.memory() != null, parts.codec());
        if (interrupted) {
            Interrupt waiting = Interrupt.of(head.checkpoint(), parts.codec());
            scope.resuming(waiting.when() == InterruptPoint.AFTER ? null : moved.getOrDefault(waiting.node(), waiting.node()), resume);
        }
        StepOutcome<S> outcome;
        try {
            outcome = GraphSteps.execute(graph, withInput.state(), scheduled, scope);
        } catch (StepFailedException failure) {
            StepError error = StepErrors.of(failure, parts.options().errorStackFrames());
            return appendStopped(thread, head, withInput, idempotencyKey, scope, pending, failure.attemptsByNode(), moved, terms,
                    draft -> draft.failedStep(failure.attempted(), scheduled, error));
        } catch (InterruptSignal signal) {
            InterruptPayload waitsFor = Interrupts.of(signal, parts.codec());
            return appendStopped(thread, head, withInput, idempotencyKey, scope, pending, Map.of(), moved, terms,
                    draft -> draft.interruptedStep(List.of(signal.node()), scheduled, waitsFor));
        }
        List<AppliedChange> changes = new ArrayList<>(withInput.changes());
        changes.addAll(outcome.applied().changes());
        AppliedUpdate<S> applied = new AppliedUpdate<>(outcome.applied().state(), changes);
        validator.check(head == null ? validator.validateAll(applied.state()) : validator.validateChanges(applied));

        Map<String, String> metadata = new TreeMap<>();
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
        if (!moved.isEmpty()) {
            metadata.put(GraphVersions.MIGRATED_KEY, GraphVersions.migrated(moved));
        }
        // A pause after the last node would wait for nothing: the run is simply done.
        boolean pause = outcome.interruptedAfter() != null && !outcome.next().isEmpty();
        ThreadHeads.Appended appended = heads.append(thread, head, applied.state(), patchOf(head, applied), metadata, (draft, id) -> {
            draft.input(inputPatch(withInput))
                    .effects(Effects.encode(scope.journal().log()))
                    .idempotencyKey(idempotencyKey)
                    .outbox(parts.outbox().encode(scope.remembered(), id.value(), List.of(withInput.state(), applied.state())));
            return pause
                    ? draft.pausedStep(outcome.ran(), decisions(outcome), outcome.next(), Interrupts.after(outcome.interruptedAfter(), parts.codec()))
                    : draft.step(outcome.ran(), decisions(outcome), outcome.next());
        }, terms);
        if (appended.result().duplicate()) {
            // Another attempt with the same key committed first: this one's effects are not the step's.
            pending.ended(ErrorCode.CONFLICT);
            return heads.duplicateOf(thread, appended.result().checkpoint());
        }
        pending.committed();
        parts.outbox().publish(thread, appended.checkpoint());
        return new StepResult<>(appended.checkpoint(), applied.state(), false);
    }

    /**
     * Keeps a step that stopped before its end — a node failed (FAILED) or asked for a human
     * (INTERRUPTED) — as a checkpoint: the state with the step's input applied (so continuing needs
     * no input again), the effects so far, the error or what it waits for; the same nodes stay
     * scheduled. Nothing of what the nodes changed is kept, and no memory is written. {@code stopped}
     * chooses the kind — {@link Checkpoint.Draft#failedStep} or {@link Checkpoint.Draft#interruptedStep}.
     */
    private StepResult<S> appendStopped(ThreadKey thread, Head<S> head, AppliedUpdate<S> withInput, String idempotencyKey,
                                        StepScope scope, StepPending pending, Map<String, Integer> attempts, Map<String, String> moved,
                                        CommitTerms terms,
                                        java.util.function.Function<Checkpoint.Draft, Checkpoint> stopped) {
        validator.check(head == null ? validator.validateAll(withInput.state()) : validator.validateChanges(withInput));
        Map<String, String> metadata = new TreeMap<>();
        attempts.forEach((node, n) -> metadata.put("attempts." + node, Integer.toString(n)));
        if (idempotencyKey != null) {
            metadata.put(ATTEMPT_KEY, idempotencyKey);
        }
        if (!moved.isEmpty()) {
            metadata.put(GraphVersions.MIGRATED_KEY, GraphVersions.migrated(moved));
        }
        ThreadHeads.Appended appended = heads.append(thread, head, withInput.state(), patchOf(head, withInput), metadata,
                (draft, id) -> stopped.apply(draft.input(inputPatch(withInput)).effects(Effects.encode(scope.journal().log()))), terms);
        pending.committed();
        return new StepResult<>(appended.checkpoint(), withInput.state(), false);
    }

    /** The change against the head's state as a JSON Patch; {@code null} for a thread's first step (stored whole). */
    private byte[] patchOf(Head<S> head, AppliedUpdate<S> applied) {
        return head == null ? null : StateDelta.encode(applied.changes(), parts.codec());
    }

    /** The step's input as a JSON Patch against the parent state, or null when the step had none. */
    private StepInput inputPatch(AppliedUpdate<S> withInput) {
        return withInput.changes().isEmpty() ? null : StepInput.of(StateDelta.toPatch(withInput.changes(), parts.codec()));
    }

    /** What a retry of a FAILED step may reuse: per node, the effects of its last attempt there. */
    private Map<String, List<Effect>> seeds(Checkpoint failed) {
        Map<String, List<Effect>> byNode = new LinkedHashMap<>();
        Map<String, Integer> lastAttempt = new HashMap<>();
        List<Effect> all = Effects.decode(failed.effects());
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

    /** The outcome's routing decisions as a checkpoint stores them. */
    public static List<Decision> decisions(StepOutcome<?> outcome) {
        List<Decision> out = new ArrayList<>(outcome.decisions().size());
        for (RouteDecision d : outcome.decisions()) {
            out.add(new Decision(d.from(), d.to(), d.reason()));
        }
        return out;
    }
}
