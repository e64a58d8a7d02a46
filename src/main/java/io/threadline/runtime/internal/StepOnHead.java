package io.threadline.runtime.internal;

import dev.langchain4j.model.chat.ChatModel;
import io.threadline.ErrorCode;
import io.threadline.ThreadlineException;
import io.threadline.checkpoint.Checkpoint;
import io.threadline.checkpoint.CheckpointId;
import io.threadline.checkpoint.Decision;
import io.threadline.checkpoint.InterruptPayload;
import io.threadline.checkpoint.Status;
import io.threadline.checkpoint.StepError;
import io.threadline.checkpoint.StepInput;
import io.threadline.checkpoint.ThreadKey;
import io.threadline.effects.Effect;
import io.threadline.effects.Effects;
import io.threadline.effects.ToolBox;
import io.threadline.effects.internal.EffectJournal;
import io.threadline.graph.CompiledGraph;
import io.threadline.graph.Durability;
import io.threadline.graph.InterruptPoint;
import io.threadline.graph.RouteDecision;
import io.threadline.graph.StateGraph;
import io.threadline.graph.internal.GraphSteps;
import io.threadline.graph.internal.InterruptSignal;
import io.threadline.graph.internal.StepFailedException;
import io.threadline.graph.internal.StepOutcome;
import io.threadline.runtime.Interrupt;
import io.threadline.runtime.StepResult;
import io.threadline.runtime.VersionCheck;
import io.threadline.state.AppliedChange;
import io.threadline.state.AppliedUpdate;
import io.threadline.state.StateValidator;
import io.threadline.state.Update;
import io.threadline.state.internal.StateDelta;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.function.Function;

/**
 * One step on a given head of a thread: checks the request against that head (the expected head, the
 * idempotency key, an interrupt and its resume value, the graph's version), runs the graph, validates, and
 * appends what came of it — a step, a paused step, a failed or an interrupted one — through {@link ThreadHeads}.
 * Which head it is given, and whether to try again on another, is {@link StepRunner}'s choice.
 *
 * @param <S> the state record type
 */
final class StepOnHead<S> {

    /** Metadata key of a FAILED checkpoint: the idempotency key of the request that failed (not claimed, so a retry runs). */
    static final String ATTEMPT_KEY = "attemptKey";

    private final ThreadHeads<S> heads;
    private final CompiledGraph<S> graph;
    private final RuntimeParts<S> parts;
    private final StateValidator<S> validator;
    private final ChatModel chatModel;
    private final ToolBox tools;

    /** @param chatModel the model behind {@code StepContext.chat}, or {@code null} for none */
    StepOnHead(ThreadHeads<S> heads, CompiledGraph<S> graph, StateValidator<S> validator, ChatModel chatModel, ToolBox tools) {
        this.heads = heads;
        this.graph = graph;
        this.parts = heads.parts();
        this.validator = validator;
        this.chatModel = chatModel;
        this.tools = tools;
    }

    /**
     * {@code request} decided on {@code head} ({@code null}: the thread has none yet).
     *
     * @param check the lazy check of a cached head, verified before the step's first call outside it;
     *              {@link HeadCheck#NONE} for a head read from the store or a trusted cached one
     */
    StepResult<S> decide(StepRequest<S> request, Head<S> head, HeadCheck check) {
        ThreadKey thread = request.thread();
        CheckpointId expectedHead = request.expectedHead();
        String idempotencyKey = request.idempotencyKey();
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
        if (interrupted && request.resume() == null) {
            throw new ThreadlineException(ErrorCode.INTERRUPTED,
                    "thread " + thread.threadId() + " is interrupted and waits for a resume value",
                    Map.of("thread", thread.threadId(), "checkpointId", head.checkpoint().id().value()));
        }
        if (!interrupted && request.resume() != null) {
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
        Update<S> input = request.input();
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
            return runAndCommit(request, head, withInput, scheduled, failedHead, pending,
                    version == null ? Map.of() : version.moved(), check);
        } catch (ThreadlineException e) {
            pending.ended(e.code());
            throw e;
        }
    }

    private StepResult<S> runAndCommit(StepRequest<S> request, Head<S> head, AppliedUpdate<S> withInput, List<String> scheduled,
                                       Checkpoint failedHead, StepPending pending, Map<String, String> moved, HeadCheck check) {
        ThreadKey thread = request.thread();
        long step = head == null ? 1 : head.checkpoint().step() + 1;
        boolean interrupted = request.resume() != null;
        EffectJournal journal = EffectJournal.live(pending.found(), failedHead == null ? Map.of() : seeds(failedHead), pending.sink())
                .observedBy(parts.options().observer().stepRunning(thread, step, scheduled));
        if (check != HeadCheck.NONE) {
            journal.beforeOutsideCalls(check::verify);
        }
        StepScope scope = new StepScope(thread, step, parts.options().clock(), parts.options().random(), parts.memory(), chatModel, tools,
                journal, parts.memory() != null, parts.codec());
        if (interrupted) {
            Interrupt waiting = Interrupt.of(head.checkpoint(), parts.codec());
            scope.resuming(waiting.when() == InterruptPoint.AFTER ? null : moved.getOrDefault(waiting.node(), waiting.node()),
                    request.resume());
        }
        StepOutcome<S> outcome;
        try {
            outcome = GraphSteps.execute(graph, withInput.state(), scheduled, scope);
        } catch (StepFailedException failure) {
            StepError error = StepErrors.of(failure, parts.options().errorStackFrames());
            return appendStopped(request, head, withInput, scope, pending, failure.attemptsByNode(), moved,
                    draft -> draft.failedStep(failure.attempted(), scheduled, error));
        } catch (InterruptSignal signal) {
            InterruptPayload waitsFor = Interrupts.of(signal, parts.codec());
            return appendStopped(request, head, withInput, scope, pending, Map.of(), moved,
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
                    .idempotencyKey(request.idempotencyKey())
                    .outbox(parts.outbox().encode(scope.remembered(), id.value(), List.of(withInput.state(), applied.state())));
            return pause
                    ? draft.pausedStep(outcome.ran(), decisions(outcome), outcome.next(), Interrupts.after(outcome.interruptedAfter(), parts.codec()))
                    : draft.step(outcome.ran(), decisions(outcome), outcome.next());
        }, request.terms());
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
    private StepResult<S> appendStopped(StepRequest<S> request, Head<S> head, AppliedUpdate<S> withInput, StepScope scope,
                                        StepPending pending, Map<String, Integer> attempts, Map<String, String> moved,
                                        Function<Checkpoint.Draft, Checkpoint> stopped) {
        validator.check(head == null ? validator.validateAll(withInput.state()) : validator.validateChanges(withInput));
        Map<String, String> metadata = new TreeMap<>();
        attempts.forEach((node, n) -> metadata.put("attempts." + node, Integer.toString(n)));
        if (request.idempotencyKey() != null) {
            metadata.put(ATTEMPT_KEY, request.idempotencyKey());
        }
        if (!moved.isEmpty()) {
            metadata.put(GraphVersions.MIGRATED_KEY, GraphVersions.migrated(moved));
        }
        ThreadHeads.Appended appended = heads.append(request.thread(), head, withInput.state(), patchOf(head, withInput), metadata,
                (draft, id) -> stopped.apply(draft.input(inputPatch(withInput)).effects(Effects.encode(scope.journal().log()))),
                request.terms());
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
    static List<Decision> decisions(StepOutcome<?> outcome) {
        List<Decision> out = new ArrayList<>(outcome.decisions().size());
        for (RouteDecision d : outcome.decisions()) {
            out.add(new Decision(d.from(), d.to(), d.reason()));
        }
        return out;
    }
}
