package io.threadline.api;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.NullNode;
import io.threadline.ErrorCode;
import io.threadline.ThreadlineException;
import io.threadline.checkpoint.ThreadKey;
import io.threadline.checkpoint.ThreadTags;
import io.threadline.config.Runs;
import io.threadline.runs.BackgroundRuns;
import io.threadline.runs.DoubleTexting;
import io.threadline.runs.Run;
import io.threadline.runtime.RunBudget;
import io.threadline.runtime.RunResult;
import io.threadline.runtime.StepResult;
import io.threadline.runtime.ThreadRuntime;
import io.threadline.state.Update;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;

import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.Supplier;

/**
 * The operations that move a thread on: {@code step}, {@code run} and {@code resume}. Each first meets a
 * background run in progress on the thread by the request's double-texting policy (README "Background runs").
 */
@ApplicationScoped
public class ThreadStepOperations {

    @Inject
    OperationSupport support;

    @Inject
    Runs runs;

    public Replies.Step step(Caller caller, Requests.Step r) {
        ThreadRuntime<?> runtime = support.runtime(r.agent());
        ThreadKey thread = caller.thread(r.threadId());
        Update<?> input = support.input(runtime, r.input());
        Optional<BackgroundRuns.Enqueued> queued = enqueued(caller, thread, runtime, r.multitask(), Run.Queued.INPUT, r.input(),
                r.idempotencyKey(), () -> creationTags(thread, r.tags()));
        if (queued.isPresent() && !queued.get().applied()) {
            return Replies.Step.queued(queued.get().run(), queued.get().position());
        }
        StepResult<?> result = admitted(caller, thread, r.multitask(), () -> stepOn(runtime, thread, input, r.idempotencyKey(),
                creationTags(thread, r.tags())));
        return support.stepReply(result, result.duplicate());
    }

    public Replies.Run run(Caller caller, Requests.Run r) {
        int maxSteps = RequestReader.bounded(r.maxSteps(), "maxSteps", support.config().runMaxSteps(), 1, support.config().runMaxSteps());
        ThreadRuntime<?> runtime = support.runtime(r.agent());
        ThreadKey thread = caller.thread(r.threadId());
        Update<?> input = support.input(runtime, r.input());
        Optional<BackgroundRuns.Enqueued> queued = enqueued(caller, thread, runtime, r.multitask(), Run.Queued.INPUT, r.input(),
                r.idempotencyKey(), () -> creationTags(thread, r.tags()));
        if (queued.isPresent()) {
            if (!queued.get().applied()) {
                return Replies.Run.queued(queued.get().run(), queued.get().position());
            }
            // A retry of a run request the background run applied: its step, a duplicate — and no stepping on in the
            // foreground, where the background run goes on.
            StepResult<?> applied = stepOn(runtime, thread, input, r.idempotencyKey(), ThreadTags.none());
            return new Replies.Run(List.of(CheckpointSummary.of(applied.checkpoint())), support.codec().toTree(applied.state()), "QUEUED",
                    true, null, Replies.RunInfo.of(queued.get().run()), false, null, null);
        }
        RunResult<?> result = admitted(caller, thread, r.multitask(), () -> runOn(runtime, thread, input,
                new RunBudget(maxSteps, caller.deadline()), r.idempotencyKey(), creationTags(thread, r.tags())));
        List<CheckpointSummary> steps = result.steps().stream().map(CheckpointSummary::of).toList();
        return new Replies.Run(steps, result.state() == null ? null : support.codec().toTree(result.state()), result.stopReason().name(),
                result.duplicate(), result.stoppedBy() == null ? null : ErrorBody.of(result.stoppedBy()), null);
    }

    public Replies.Step resume(Caller caller, Requests.Resume r) {
        ThreadRuntime<?> runtime = support.runtime(r.agent());
        ThreadKey thread = caller.thread(r.threadId());
        Optional<BackgroundRuns.Enqueued> queued = enqueued(caller, thread, runtime, r.multitask(), Run.Queued.RESUME,
                r.value() == null ? NullNode.getInstance() : r.value(), r.idempotencyKey(), ThreadTags::none);
        if (queued.isPresent() && !queued.get().applied()) {
            return Replies.Step.queued(queued.get().run(), queued.get().position());
        }
        StepResult<?> result = admitted(caller, thread, r.multitask(), () -> runtime.resume(thread, r.value(), r.idempotencyKey()));
        // A background run that stopped at this interrupt goes on in the background.
        runs.optional().ifPresent(bg -> bg.continueAfterResume(thread, result.checkpoint()));
        return support.stepReply(result, result.duplicate());
    }

    /**
     * A foreground request on a thread that may have a background run in progress: the run is met by the request's
     * double-texting policy first (README "Background runs"); a request that ended a run goes on past the step the run
     * had in flight.
     */
    private <T> T admitted(Caller caller, ThreadKey thread, String multitask, Supplier<T> action) {
        Optional<BackgroundRuns> bg = runs.optional();
        if (bg.isEmpty()) {
            DoubleTexting.parse(multitask, DoubleTexting.REJECT);
            return action.get();
        }
        DoubleTexting policy = DoubleTexting.parse(multitask, runs.defaultPolicy());
        if (policy == DoubleTexting.ENQUEUE) {
            return action.get(); // enqueued() found no run in progress, or the request's key already committed
        }
        return bg.get().admit(thread, policy, caller.who(null)) ? bg.get().afterTakeover(action) : action.get();
    }

    /**
     * Double texting {@code enqueue} (README "Background runs"): while a background run is in progress, the request's
     * {@code value} joins the run's queue ({@link BackgroundRuns#enqueue}); empty for any other policy, a deployment
     * without background runs, or no run in progress — the request goes on in the foreground. {@code tags} checks
     * the request's tags first (a thread with a run exists: only tags it holds pass).
     */
    private Optional<BackgroundRuns.Enqueued> enqueued(Caller caller, ThreadKey thread, ThreadRuntime<?> runtime, String multitask,
                                                       String kind, JsonNode value, String idempotencyKey, Supplier<ThreadTags> tags) {
        Optional<BackgroundRuns> bg = runs.optional();
        if (bg.isEmpty() || DoubleTexting.parse(multitask, runs.defaultPolicy()) != DoubleTexting.ENQUEUE) {
            return Optional.empty();
        }
        tags.get();
        support.checkSize(value); // a queued value is kept in the run's record until the run applies it
        return bg.get().enqueue(thread, runtime.agent().orElse(null), kind, value, idempotencyKey, caller.who(null));
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
            held = support.store().tags(thread);
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

    @SuppressWarnings({"unchecked", "rawtypes"})
    private static StepResult<?> stepOn(ThreadRuntime runtime, ThreadKey thread, Update input, String idempotencyKey, ThreadTags tags) {
        return ((ThreadRuntime) runtime).step(thread, input, idempotencyKey, tags);
    }

    @SuppressWarnings({"unchecked", "rawtypes"})
    private static RunResult<?> runOn(ThreadRuntime runtime, ThreadKey thread, Update input, RunBudget budget, String idempotencyKey,
                                      ThreadTags tags) {
        return ((ThreadRuntime) runtime).run(thread, input, budget, idempotencyKey, tags);
    }
}
