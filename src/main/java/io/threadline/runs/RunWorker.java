package io.threadline.runs;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.threadline.ErrorCode;
import io.threadline.ThreadlineException;
import io.threadline.checkpoint.Checkpoint;
import io.threadline.checkpoint.RunGuard;
import io.threadline.checkpoint.Status;
import io.threadline.checkpoint.ThreadHead;
import io.threadline.checkpoint.ThreadKey;
import io.threadline.runtime.StepResult;
import io.threadline.runtime.ThreadRuntime;
import io.threadline.state.Update;

import java.time.Duration;
import java.time.Instant;
import java.util.Map;
import java.util.logging.Logger;

/**
 * The queue's side of background runs, behind {@link BackgroundRuns}: one message's step ({@link #advance}): which
 * step to take, or why the run ends instead (a cancel's note first, {@link CancelNotes}); the dead-letter end, and the
 * sweep. What the run becomes once the step committed, and its next message, are {@link RunProgress}'. Peers of the
 * admission side (start, double texting, cancel) in BackgroundRuns; it never calls back into it.
 */
final class RunWorker {

    private static final Logger LOG = Logger.getLogger(RunWorker.class.getName());
    private static final ObjectMapper JSON = new ObjectMapper();

    private final RunParts parts;
    private final CancelNotes notes;
    private final RunProgress progress;

    RunWorker(RunParts parts, CancelNotes notes) {
        this.parts = parts;
        this.notes = notes;
        this.progress = new RunProgress(parts, notes);
    }

    /**
     * Handles one message: runs the step it names, at most once however often it is delivered, records the
     * run's progress and sends the next message while the run goes on. Throws when the step must be tried
     * again (a conflict, a dependency down): the queue redelivers the message.
     */
    Advance advance(RunMessage message) {
        ThreadKey thread = message.thread();
        for (int race = 0; race < RunParts.MAX_RACES; race++) {
            Run run = parts.runs().get(thread).orElse(null);
            if (run == null || !run.runId().equals(message.runId())) {
                return Advance.done("stale: not the thread's run");
            }
            if (run.status().ended()) {
                return Advance.done("run ended " + run.status());
            }
            long step = message.step();
            if (step == run.nextStep() - 1) {
                // This step's progress is recorded, but its delivery died before the next message went out.
                parts.queue().send(run.nextMessage());
                return Advance.done("next message sent again");
            }
            if (step != run.nextStep()) {
                return Advance.done("stale: step " + step + ", the run is at " + run.nextStep());
            }
            Instant now = parts.clock().instant();
            if (run.wakeAt() != null && now.isBefore(run.wakeAt())) {
                return Advance.defer(Duration.between(now, run.wakeAt()));
            }
            Advance outcome = stepOnce(thread, run, step);
            if (outcome != null) {
                return outcome;
            }
        }
        throw new ThreadlineException(ErrorCode.CONFLICT, "the run's record kept changing under the worker", Map.of("threadId", thread.threadId()));
    }

    /** One attempt at step {@code step} of {@code run}; {@code null}: the run's record moved meanwhile, read it again. */
    private Advance stepOnce(ThreadKey thread, Run run, long step) {
        String key = "run:" + run.runId() + ":" + step;
        Checkpoint committed = parts.store().findByIdempotencyKey(thread, key).orElse(null);
        Run.Queued next = run.nextQueued();
        if (committed == null && next != null && next.idempotencyKey() != null) {
            // A queued request's step commits under its own key (a retry of the request finds it): this step, if it ran.
            committed = parts.store().findByIdempotencyKey(thread, next.idempotencyKey()).filter(cp -> cp.step() == step).orElse(null);
        }
        boolean consume;
        if (committed == null) {
            if (run.cancelledBy() != null) {
                return end(run, RunStatus.CANCELLED, CancelNotes.reason(run)) ? Advance.done("cancelled") : null;
            }
            ThreadHead head = parts.store().head(thread).orElse(null);
            long headStep = head == null ? 0 : head.step();
            if (headStep != step - 1) {
                if (run.stepsTaken() == 0 && headStep >= step) {
                    // The thread moved between the start and its first message (the run before it committed its last
                    // step in flight): the run begins where the thread now stands. Whether this write won or another
                    // writer's did, the record has moved: read it again.
                    parts.put(run.firstStepAt(headStep + 1, parts.clock().instant()));
                    return null;
                }
                return end(run, RunStatus.STOPPED, "step " + step + " was to follow step " + (step - 1) + ", but another writer moved the thread to step "
                        + headStep) ? Advance.done("stopped: another writer moved the thread") : null;
            }
            Checkpoint headCheckpoint = head == null ? null : parts.store().get(thread, head.checkpointId()).orElse(null);
            Status headStatus = headCheckpoint == null ? null : headCheckpoint.status();
            Instant wake = RunProgress.wakeOf(headCheckpoint);
            if (wake != null) {
                // A timed wait that is over (advance deferred the message until then): the node goes on, the wake
                // recorded as the resume's value, as a person's resume would be.
                ThreadRuntime<?> runtime = parts.runtimes().runtime(run.agent());
                Instant now = parts.clock().instant();
                try {
                    committed = runtime.resumeForRun(thread, JSON.createObjectNode().put("wokeAt", now.toString()), key,
                            parts.runs().guard(run.runId())).checkpoint();
                } catch (ThreadlineException e) {
                    if (e.code() == ErrorCode.RUN_GONE) {
                        return runGone();
                    }
                    throw e;
                }
                return progress.record(thread, run, committed, false);
            }
            consume = RunProgress.consumes(run, headCheckpoint);
            if (!consume && headStatus == Status.INTERRUPTED && run.stepsTaken() > 0) {
                return end(run, RunStatus.INTERRUPTED, "the thread waits for a resume at step " + headStep) ? Advance.done("interrupted") : null;
            }
            if (!consume && headStatus == Status.DONE && run.stepsTaken() > 0) {
                return end(run, RunStatus.DONE, RunProgress.doneReason(run, headStep)) ? Advance.done("done") : null;
            }
            ThreadRuntime<?> runtime = parts.runtimes().runtime(run.agent());
            String stepKey = consume && next.idempotencyKey() != null ? next.idempotencyKey() : key;
            try {
                if (consume && next.resume()) {
                    // A queued resume: the thread waits for a person, and this is the answer sent while the run went on.
                    committed = runtime.resumeForRun(thread, run.inputs().get(0), stepKey, parts.runs().guard(run.runId())).checkpoint();
                } else {
                    Update<?> input = consume ? parts.runtimes().decode(runtime, run.inputs().get(0)) : Update.none();
                    committed = stepOn(runtime, thread, input, stepKey, parts.runs().guard(run.runId())).checkpoint();
                }
            } catch (ThreadlineException e) {
                if (e.code() == ErrorCode.RUN_GONE) {
                    return runGone();
                }
                if (e.code() == ErrorCode.VALIDATION_FAILED || e.code() == ErrorCode.INVALID_INPUT
                        || e.code() == ErrorCode.PAYLOAD_TOO_LARGE || e.code() == ErrorCode.INTERRUPTED
                        || e.code() == ErrorCode.AGENT_MISMATCH || e.code() == ErrorCode.NON_DETERMINISTIC) {
                    // Refused, nothing written: a redelivery would be refused again. The run ends; the reason is logged.
                    LOG.warning("background run " + run.runId() + " on " + thread + " ends: step " + step + " refused: " + e.getMessage());
                    return end(run, e.code() == ErrorCode.INTERRUPTED ? RunStatus.INTERRUPTED : RunStatus.FAILED,
                            "step " + step + " was refused, nothing written: " + e.code() + " " + e.getMessage())
                            ? Advance.done("refused " + e.code()) : null;
                }
                throw e;
            }
        } else {
            Checkpoint parent = committed.parent() == null ? null : parts.store().get(thread, committed.parent()).orElse(null);
            consume = RunProgress.consumes(run, parent);
        }
        return progress.record(thread, run, committed, consume);
    }

    /** Ends {@code run} as {@code how}; false when its record moved meanwhile (read it again). */
    private boolean end(Run run, RunStatus how, String reason) {
        if (how == RunStatus.CANCELLED) {
            notes.write(run); // before the record ends: whoever sees the run CANCELLED finds the note
        }
        return parts.put(run.ended(how, reason, parts.clock().instant()));
    }

    /**
     * The queue gives up on {@code message}: its delivery number {@code receives}, the last the queue allows, failed
     * ({@code error}), and it goes to the dead-letter queue. The run ends {@link RunStatus#DEAD_LETTERED}, its reason
     * naming the step, the deliveries and the error, so run-status says so and nobody waits on a run no message will
     * move. False, writing nothing, when the run moved on meanwhile (the message was stale).
     */
    boolean deadLettered(RunMessage message, int receives, String error) {
        ThreadKey thread = message.thread();
        for (int race = 0; race < RunParts.MAX_RACES; race++) {
            Run run = parts.runs().get(thread).orElse(null);
            if (run == null || !run.runId().equals(message.runId()) || !run.active() || run.nextStep() != message.step()) {
                return false;
            }
            Run ended = run.ended(RunStatus.DEAD_LETTERED, "step " + message.step() + " failed on each of its " + receives
                    + " deliveries (the last: " + error + "); its message is in the dead-letter queue", parts.clock().instant());
            if (parts.put(ended)) {
                return true;
            }
        }
        return false;
    }

    /**
     * Wakes the runs whose long timed wait is over (the scheduled sweep: an EventBridge schedule in AWS, a timer
     * locally): sends each its next message. Returns how many it woke.
     */
    int sweep(int limit) {
        int woken = 0;
        for (Run due : parts.runs().due(parts.clock().instant(), limit)) {
            if (due.active()) {
                parts.queue().send(due.nextMessage());
                woken++;
            }
        }
        return woken;
    }

    /**
     * The step's commit lost to its run guard: the run's record went (the thread was deleted) or another run replaced it
     * while the step ran. Nothing was written; the message is stale.
     */
    private static Advance runGone() {
        return Advance.done("stale: the run's record is gone or names another run; the step wrote nothing");
    }

    @SuppressWarnings({"unchecked", "rawtypes"})
    private static StepResult<?> stepOn(ThreadRuntime runtime, ThreadKey thread, Update input, String key, RunGuard guard) {
        return runtime.stepForRun(thread, input, key, guard);
    }
}
