package io.threadline.runs;

import com.fasterxml.jackson.databind.JsonNode;
import io.threadline.ErrorCode;
import io.threadline.Sha256;
import io.threadline.ThreadlineException;
import io.threadline.checkpoint.CheckpointId;
import io.threadline.checkpoint.ThreadHead;
import io.threadline.checkpoint.ThreadKey;
import io.threadline.runtime.IdempotencyKeys;
import io.threadline.runtime.ThreadRuntime;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.Supplier;

/**
 * What a request does to a thread's background run, behind {@link BackgroundRuns}: a start (joining, superseding or
 * refusing the run in progress, as its double-texting policy says), a foreground request admitted past the run (the
 * same policies) and retried past its step in flight, a rollback, and a cancel. Queueing an input onto the run is
 * {@link RunInputs}'; sending the run's message, {@link RunDispatch}'s.
 */
final class RunAdmission {

    private final RunParts parts;
    private final Supplier<String> ids;
    private final RunInputs inputs;
    private final RunDispatch dispatch;
    private final RunWorker worker;

    /** @param worker writes a cancel's note into the thread's history, as the worker does when it ends a cancelled run */
    RunAdmission(RunParts parts, Supplier<String> ids, RunInputs inputs, RunDispatch dispatch, RunWorker worker) {
        this.parts = parts;
        this.ids = ids;
        this.inputs = inputs;
        this.dispatch = dispatch;
        this.worker = worker;
    }

    /** See {@link BackgroundRuns#start}. */
    BackgroundRuns.Started start(ThreadKey thread, String agent, JsonNode input, int maxSteps, DoubleTexting policy,
                                 String idempotencyKey, String by) {
        if (maxSteps < 1) {
            throw new ThreadlineException(ErrorCode.INVALID_INPUT, "maxSteps must be at least 1", Map.of("field", "maxSteps"));
        }
        IdempotencyKeys.check(idempotencyKey);
        String runId = idempotencyKey == null ? ids.get() : "k-" + Sha256.hex(thread + "/" + idempotencyKey).substring(0, 32);
        inputs.check(thread, agent, input);
        for (int race = 0; race < RunWorker.MAX_RACES; race++) {
            Run current = parts.runs().get(thread).orElse(null);
            if (current != null && current.runId().equals(runId)) {
                if (current.active() && current.stepsTaken() == 0) {
                    parts.queue().send(current.nextMessage());
                }
                return new BackgroundRuns.Started(current, parts.head(thread), false);
            }
            if (current != null && current.active()) {
                switch (policy) {
                    case REJECT -> throw inProgress(current);
                    case ENQUEUE -> {
                        Run joined = inputs.fits(current.withInput(input, parts.clock().instant()));
                        if (parts.put(joined)) {
                            return new BackgroundRuns.Started(joined, parts.head(thread), true);
                        }
                        continue;
                    }
                    case INTERRUPT, ROLLBACK -> {
                        Run superseded = current.ended(RunStatus.SUPERSEDED, "a start by " + by + " took over (" + policy.wireName() + ")",
                                parts.clock().instant());
                        if (!parts.put(superseded)) {
                            continue;
                        }
                        if (policy == DoubleTexting.ROLLBACK) {
                            rollBack(thread, current, by);
                        }
                        current = superseded;
                    }
                }
            }
            ThreadHead head = parts.head(thread);
            Instant now = parts.clock().instant();
            List<JsonNode> queued = new ArrayList<>();
            queued.add(input);
            Run run = new Run(runId, thread.tenant(), thread.threadId(), agent, RunStatus.ACTIVE, head == null ? 0 : head.step(),
                    head == null ? null : head.checkpointId().value(), head == null ? 1 : head.step() + 1, maxSteps, 0, queued,
                    null, null, null, now, now, current == null ? 1 : current.version() + 1, null, null);
            Optional<Run> started = dispatch.launch(run);
            if (started.isPresent()) {
                return new BackgroundRuns.Started(started.get(), head, false);
            }
        }
        throw RunParts.changedTooOften(thread, " to start a run");
    }

    /** See {@link BackgroundRuns#admit}. */
    boolean admit(ThreadKey thread, DoubleTexting policy, String by) {
        for (int race = 0; race < RunWorker.MAX_RACES; race++) {
            Run current = parts.runs().get(thread).orElse(null);
            if (current == null || !current.active()) {
                return false;
            }
            switch (policy) {
                case REJECT -> throw inProgress(current);
                case ENQUEUE -> throw new IllegalArgumentException("multitask enqueue is decided by enqueue(), not admit()");
                case INTERRUPT, ROLLBACK -> {
                    if (parts.put(current.ended(RunStatus.SUPERSEDED, "a request by " + by + " took over (" + policy.wireName() + ")",
                            parts.clock().instant()))) {
                        if (policy == DoubleTexting.ROLLBACK) {
                            rollBack(thread, current, by);
                        }
                        return true;
                    }
                }
            }
        }
        throw RunParts.changedTooOften(thread, "");
    }

    /** See {@link BackgroundRuns#afterTakeover}. */
    <T> T afterTakeover(Supplier<T> action) {
        Instant giveUp = parts.clock().instant().plus(parts.settings().takeoverWait());
        while (true) {
            try {
                return action.get();
            } catch (ThreadlineException e) {
                if (e.code() != ErrorCode.CONFLICT || parts.clock().instant().isAfter(giveUp)) {
                    throw e;
                }
                pause(Duration.ofMillis(50));
            }
        }
    }

    /** See {@link BackgroundRuns#cancel}. */
    Run cancel(ThreadKey thread, String by) {
        for (int race = 0; race < RunWorker.MAX_RACES; race++) {
            Run current = parts.runs().get(thread).filter(Run::active).orElseThrow(() -> new ThreadlineException(ErrorCode.RUN_NOT_FOUND,
                    "no background run is in progress on thread " + thread.threadId(), Map.of("threadId", thread.threadId())));
            if (current.cancelledBy() != null && current.wakeAt() == null) {
                return current; // asked already: the step in flight, or the next message, stops it
            }
            Run asked = current.cancelledBy() != null ? current : current.cancelRequested(by, parts.clock().instant());
            if (asked != current && !parts.put(asked)) {
                continue;
            }
            if (asked.wakeAt() == null) {
                return asked;
            }
            // Waiting: no step is in flight, and a long wait has no message that would come to stop it; the cancel
            // ends it here. The request is recorded first, so a cancel that dies here is finished by its retry, or by
            // the wake's message: the note, then the record (whoever sees the run CANCELLED finds the note).
            worker.noteCancel(asked);
            Run ended = asked.ended(RunStatus.CANCELLED, RunWorker.cancelReason(asked), parts.clock().instant());
            if (parts.put(ended)) {
                return ended;
            }
        }
        throw RunParts.changedTooOften(thread, " to cancel");
    }

    /** {@code ROLLBACK}: the thread returns to the checkpoint before {@code run} (as {@code rewind}), retried past the step in flight. */
    private void rollBack(ThreadKey thread, Run run, String by) {
        if (run.startCheckpoint() == null) {
            return; // the run began the thread: there is no checkpoint before it to return to
        }
        ThreadRuntime<?> runtime = parts.runtimes().runtime(run.agent());
        afterTakeover(() -> runtime.rewind(thread, CheckpointId.parse(run.startCheckpoint()),
                "rollback of run " + run.runId() + " by " + by));
    }

    private static ThreadlineException inProgress(Run run) {
        return new ThreadlineException(ErrorCode.RUN_IN_PROGRESS, "a background run is in progress on thread " + run.threadId()
                + " (run " + run.runId() + "); send multitask enqueue, interrupt or rollback to act on it, or cancel it",
                Map.of("runId", run.runId(), "threadId", run.threadId()));
    }

    private static void pause(Duration d) {
        try {
            Thread.sleep(d.toMillis());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new ThreadlineException(ErrorCode.INTERNAL, "interrupted", Map.of());
        }
    }
}
