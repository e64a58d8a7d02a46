package io.threadline.runtime.internal;

import com.fasterxml.jackson.databind.JsonNode;
import dev.langchain4j.model.chat.ChatModel;
import io.threadline.ErrorCode;
import io.threadline.ThreadlineException;
import io.threadline.checkpoint.Checkpoint;
import io.threadline.checkpoint.CheckpointId;
import io.threadline.checkpoint.ThreadTags;
import io.threadline.checkpoint.ThreadKey;
import io.threadline.effects.ToolBox;
import io.threadline.graph.CompiledGraph;
import io.threadline.runtime.IdempotencyKeys;
import io.threadline.runtime.RunBudget;
import io.threadline.runtime.RunResult;
import io.threadline.runtime.StepResult;
import io.threadline.state.StateValidator;
import io.threadline.state.Update;

import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;

/**
 * Runs steps and runs on stored threads: chooses the head a step is decided on — the cached one, checked lazily
 * or trusted, or the stored one — and decides the step again on the stored head where the cached one turns out
 * stale: with the lazy check, before anything reached outside the step; on a trusted cache, after its commit
 * conflicted, so its nodes may have run twice. {@link StepOnHead} runs the step on the head it is given.
 *
 * @param <S> the state record type
 */
public final class StepRunner<S> {

    private final ThreadHeads<S> heads;
    private final RuntimeParts<S> parts;
    private final StepOnHead<S> stepOnHead;

    /** @param chatModel the model behind {@code StepContext.chat}, or {@code null} for none */
    public StepRunner(ThreadHeads<S> heads, CompiledGraph<S> graph, StateValidator<S> validator, ChatModel chatModel, ToolBox tools) {
        this.heads = heads;
        this.parts = heads.parts();
        this.stepOnHead = new StepOnHead<>(heads, graph, validator, chatModel, tools);
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
        return observed(new StepRequest<>(thread, input, idempotencyKey, resume, null, terms));
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
        return observed(new StepRequest<>(thread, Update.none(), null, null, expected, CommitTerms.NONE));
    }

    private StepResult<S> observed(StepRequest<S> request) {
        return Observed.step(parts.options().observer().stepStarted(request.thread()), () -> advance(request));
    }

    private StepResult<S> advance(StepRequest<S> request) {
        ThreadKey thread = request.thread();
        Objects.requireNonNull(request.input(), "input");
        IdempotencyKeys.check(request.idempotencyKey());
        Head<S> cached = heads.cached(thread);
        if (cached == null) {
            return stepOnHead.decide(request, heads.current(thread), HeadCheck.NONE);
        }
        if (parts.options().trustHeadCache()) {
            try {
                return stepOnHead.decide(request, cached, HeadCheck.NONE);
            } catch (ThreadlineException e) {
                // A failure on an unchecked cached head may only mean the head was stale (another process
                // moved the thread): then decide again, once, on the stored head. A second failure, or a
                // failure on a head that is still current, goes to the caller.
                boolean stale = e.code() == ErrorCode.CONFLICT || !heads.headIs(thread, cached.checkpoint().id());
                if (!stale) {
                    throw e;
                }
                return stepOnHead.decide(request, heads.load(thread), HeadCheck.NONE);
            }
        }
        // The cached head is checked lazily (HeadCheck): before the step's first call outside it, else by the commit.
        Instant started = parts.options().clock().instant();
        HeadCheck check = HeadCheck.of(thread, () -> heads.headIs(thread, cached.checkpoint().id()));
        try {
            return stepOnHead.decide(request, cached, check);
        } catch (ThreadlineException e) {
            if (check.stale()) {
                // The check found the head moved, before anything reached outside the step: run it on the stored head.
                return stepOnHead.decide(request, heads.load(thread), HeadCheck.NONE);
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
            return stepOnHead.decide(request, reloaded.head(), HeadCheck.NONE);
        }
    }
}
