package io.threadline.runs;

import com.fasterxml.jackson.databind.JsonNode;
import io.threadline.ErrorCode;
import io.threadline.Sha256;
import io.threadline.ThreadlineException;
import io.threadline.checkpoint.Checkpoint;
import io.threadline.checkpoint.CheckpointId;
import io.threadline.checkpoint.CheckpointStore;
import io.threadline.checkpoint.Status;
import io.threadline.checkpoint.ThreadHead;
import io.threadline.checkpoint.ThreadKey;
import io.threadline.runtime.ThreadRuntime;
import io.threadline.state.Update;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.Supplier;
import java.util.logging.Logger;

/**
 * Background runs: a run outlives any invocation by advancing one step per queue message. {@link #start}
 * writes the run's record and sends its first message; {@link #advance} (the queue's consumer) loads the
 * thread, runs one step, commits it, records the run's progress and sends the next message while the run goes
 * on. Each of those writes is conditional, so any number of workers, redeliveries and concurrent callers
 * leave one history:
 * <ul>
 *   <li>a step commits under the idempotency key {@code run:<runId>:<step>}: a message delivered again
 *       finds its step committed and only finishes what its first delivery left undone;</li>
 *   <li>a message is deleted only after the next one is sent: a worker that dies between its commit and
 *       that send leaves the message to be delivered again (the queue's visibility timeout), and that
 *       delivery sends the next one — a run never stalls without a message;</li>
 *   <li>the run record is replaced only at the version read ({@link RunStore#put}): start, cancel and the
 *       double-texting policies are decided there, never in a process's memory.</li>
 * </ul>
 */
public final class BackgroundRuns {

    private static final Logger LOG = Logger.getLogger(BackgroundRuns.class.getName());

    /** How the coordinator reaches the agents' runtimes and reads an input for one of them. */
    public interface Runtimes {
        /** The runtime of {@code agent} ({@code null}: the deployment's default); {@code AGENT_NOT_FOUND} when not served. */
        ThreadRuntime<?> runtime(String agent);

        /** {@code input} (a partial state as JSON, or {@code null}) as an update of the runtime's state. */
        Update<?> decode(ThreadRuntime<?> runtime, JsonNode input);
    }

    /**
     * @param maxDelay     the longest a message may be handed back to the queue for (SQS: 15 minutes); a timed
     *                     wait longer than this sends no message and is woken by {@link #sweep}
     * @param takeoverWait how long a request that interrupts a run keeps retrying while the run's step in
     *                     flight commits first
     * @param redriveAfter how long after writing a run record whose message it is about to send (start, a resume
     *                     that continues the run) the sweep sends that message again if the run has taken no step
     *                     by then: a writer that dies between the record and the send leaves no run without a message
     */
    public record Settings(Duration maxDelay, Duration takeoverWait, Duration redriveAfter) {}

    /** What {@link #start} did: the run (new, or the one the input joined) and the thread's head. */
    public record Started(Run run, ThreadHead head, boolean queued) {}

    private final RunStore runs;
    private final RunQueue queue;
    private final CheckpointStore store;
    private final Runtimes runtimes;
    private final Clock clock;
    private final Supplier<String> ids;
    private final Settings settings;
    private final RunWorker worker;

    public BackgroundRuns(RunStore runs, RunQueue queue, CheckpointStore store, Runtimes runtimes, Clock clock, Supplier<String> ids,
                          Settings settings) {
        this.runs = runs;
        this.queue = queue;
        this.store = store;
        this.runtimes = runtimes;
        this.clock = clock;
        this.ids = ids;
        this.settings = settings;
        this.worker = new RunWorker(runs, queue, store, runtimes, clock, settings);
    }

    /** The thread's latest background run, if it ever had one. */
    public Optional<Run> current(ThreadKey thread) {
        return runs.get(thread);
    }

    // ------------------------------------------------------------------ start

    /**
     * Starts a background run of {@code maxSteps} steps at most on {@code thread}, beginning with
     * {@code input}, and answers at once. While another run is in progress {@code policy} decides. The same
     * {@code idempotencyKey} again answers the run it started (and sends its first message again if that run
     * has not taken a step yet: the send may be what failed).
     */
    public Started start(ThreadKey thread, String agent, JsonNode input, int maxSteps, DoubleTexting policy, String idempotencyKey,
                         String by) {
        if (maxSteps < 1) {
            throw new ThreadlineException(ErrorCode.INVALID_INPUT, "maxSteps must be at least 1", Map.of("field", "maxSteps"));
        }
        String runId = idempotencyKey == null ? ids.get() : "k-" + Sha256.hex(thread + "/" + idempotencyKey).substring(0, 32);
        checkInput(thread, agent, input);
        for (int race = 0; race < RunWorker.MAX_RACES; race++) {
            Run current = runs.get(thread).orElse(null);
            if (current != null && current.runId().equals(runId)) {
                if (current.active() && current.stepsTaken() == 0) {
                    queue.send(current.nextMessage());
                }
                return new Started(current, head(thread), false);
            }
            if (current != null && current.active()) {
                switch (policy) {
                    case REJECT -> throw inProgress(current);
                    case ENQUEUE -> {
                        Run joined = current.withInput(input, clock.instant());
                        if (runs.put(joined, worker.sweepAfter())) {
                            return new Started(joined, head(thread), true);
                        }
                        continue;
                    }
                    case INTERRUPT, ROLLBACK -> {
                        Run superseded = current.ended(RunStatus.SUPERSEDED, "a start by " + by + " took over (" + policy.wireName() + ")",
                                clock.instant());
                        if (!runs.put(superseded, worker.sweepAfter())) {
                            continue;
                        }
                        if (policy == DoubleTexting.ROLLBACK) {
                            rollBack(thread, current, by);
                        }
                        current = superseded;
                    }
                }
            }
            ThreadHead head = head(thread);
            Instant now = clock.instant();
            List<JsonNode> inputs = new ArrayList<>();
            inputs.add(input);
            Run run = new Run(runId, thread.tenant(), thread.threadId(), agent, RunStatus.ACTIVE, head == null ? 0 : head.step(),
                    head == null ? null : head.checkpointId().value(), head == null ? 1 : head.step() + 1, maxSteps, 0, inputs,
                    null, null, null, now, now, current == null ? 1 : current.version() + 1, null, null).redrivenAt(redriveAt());
            if (runs.put(run, worker.sweepAfter())) {
                sendOrLeaveToSweep(run);
                return new Started(run, head, false);
            }
        }
        throw new ThreadlineException(ErrorCode.CONFLICT, "the thread's run changed too often to start a run; try again",
                Map.of("threadId", thread.threadId()));
    }

    /**
     * {@code input} as the run's first step would apply it to the thread's head: refused here ({@code
     * VALIDATION_FAILED}, {@code INVALID_INPUT} — the codes of a foreground step) before anything is written, rather
     * than by the step in the background, where the caller would not hear of it.
     */
    private void checkInput(ThreadKey thread, String agent, JsonNode input) {
        if (input == null || input.isNull()) {
            return;
        }
        ThreadRuntime<?> runtime = runtimes.runtime(agent);
        checkOn(runtime, thread, runtimes.decode(runtime, input));
    }

    @SuppressWarnings({"unchecked", "rawtypes"})
    private static void checkOn(ThreadRuntime runtime, ThreadKey thread, Update input) {
        runtime.checkInput(thread, input);
    }

    // ------------------------------------------------------------------ double texting for step, run, resume

    /**
     * Called before a request that steps the thread in the foreground ({@code step}, {@code run}, {@code resume},
     * {@code update}): nothing when no run is in progress; else {@code policy}: {@code REJECT} refuses, {@code
     * INTERRUPT} ends the run at its next step boundary, {@code ROLLBACK} also returns the thread to where the run
     * started. {@code ENQUEUE} is for {@code start} only (a foreground request answers what it ran). True when it
     * ended a run: the request should then go on through {@link #afterTakeover}.
     */
    public boolean admit(ThreadKey thread, DoubleTexting policy, String by) {
        for (int race = 0; race < RunWorker.MAX_RACES; race++) {
            Run current = runs.get(thread).orElse(null);
            if (current == null || !current.active()) {
                return false;
            }
            switch (policy) {
                case REJECT -> throw inProgress(current);
                case ENQUEUE -> throw new ThreadlineException(ErrorCode.INVALID_INPUT,
                        "multitask enqueue applies to start: queue the input behind the run with start", Map.of("field", "multitask"));
                case INTERRUPT, ROLLBACK -> {
                    if (runs.put(current.ended(RunStatus.SUPERSEDED, "a request by " + by + " took over (" + policy.wireName() + ")",
                            clock.instant()), worker.sweepAfter())) {
                        if (policy == DoubleTexting.ROLLBACK) {
                            rollBack(thread, current, by);
                        }
                        return true;
                    }
                }
            }
        }
        throw new ThreadlineException(ErrorCode.CONFLICT, "the thread's run changed too often; try again", Map.of("threadId", thread.threadId()));
    }

    /**
     * Runs {@code action} — a foreground request after {@link #admit} ended a run — again while it meets
     * {@code CONFLICT} for at most the take-over wait: the run's step in flight when it was ended commits
     * first, and the request goes on from there.
     */
    public <T> T afterTakeover(Supplier<T> action) {
        Instant giveUp = clock.instant().plus(settings.takeoverWait());
        while (true) {
            try {
                return action.get();
            } catch (ThreadlineException e) {
                if (e.code() != ErrorCode.CONFLICT || clock.instant().isAfter(giveUp)) {
                    throw e;
                }
                pause(Duration.ofMillis(50));
            }
        }
    }

    /** After a foreground {@code resume} committed {@code resumed}: a run that ended INTERRUPTED goes on in the background. */
    public Optional<Run> continueAfterResume(ThreadKey thread, Checkpoint resumed) {
        for (int race = 0; race < RunWorker.MAX_RACES; race++) {
            Run current = runs.get(thread).orElse(null);
            if (current == null || current.status() != RunStatus.INTERRUPTED || resumed.status() != Status.RUNNING
                    || current.stepsTaken() >= current.maxSteps()) {
                return Optional.empty();
            }
            Run again = current.resumedAt(resumed.step() + 1, clock.instant()).redrivenAt(redriveAt());
            if (runs.put(again, worker.sweepAfter())) {
                sendOrLeaveToSweep(again);
                return Optional.of(again);
            }
        }
        return Optional.empty();
    }

    // ------------------------------------------------------------------ cancel

    /**
     * Asks the thread's run in progress to stop at its next step boundary (a run in a timed wait stops at once);
     * the worker that stops it writes who cancelled and when into the thread's history. {@code RUN_NOT_FOUND}
     * when no run is in progress.
     */
    public Run cancel(ThreadKey thread, String by) {
        for (int race = 0; race < RunWorker.MAX_RACES; race++) {
            Run current = runs.get(thread).filter(Run::active).orElseThrow(() -> new ThreadlineException(ErrorCode.RUN_NOT_FOUND,
                    "no background run is in progress on thread " + thread.threadId(), Map.of("threadId", thread.threadId())));
            if (current.cancelledBy() != null && current.wakeAt() == null) {
                return current; // asked already: the step in flight, or the next message, stops it
            }
            Run asked = current.cancelledBy() != null ? current : current.cancelRequested(by, clock.instant());
            if (asked != current && !runs.put(asked, worker.sweepAfter())) {
                continue;
            }
            if (asked.wakeAt() == null) {
                return asked;
            }
            // Waiting: no step is in flight, and a long wait has no message that would come to stop it; the cancel
            // ends it here. The request is recorded first, so a cancel that dies here is finished by its retry, or by
            // the wake's message: the note, then the record (whoever sees the run CANCELLED finds the note).
            worker.noteCancel(asked);
            Run ended = asked.ended(RunStatus.CANCELLED, RunWorker.cancelReason(asked), clock.instant());
            if (runs.put(ended, worker.sweepAfter())) {
                return ended;
            }
        }
        throw new ThreadlineException(ErrorCode.CONFLICT, "the thread's run changed too often to cancel; try again",
                Map.of("threadId", thread.threadId()));
    }

    // ------------------------------------------------------------------ the worker and the sweep (RunWorker)

    /**
     * Handles one message: runs the step it names, at most once however often it is delivered, records the
     * run's progress and sends the next message while the run goes on. Throws when the step must be tried
     * again (a conflict, a dependency down): the queue redelivers the message.
     */
    public Advance advance(RunMessage message) {
        return worker.advance(message);
    }

    /**
     * The queue gives up on {@code message}: its delivery number {@code receives}, the last the queue allows, failed
     * ({@code error}), and it goes to the dead-letter queue. The run ends {@link RunStatus#DEAD_LETTERED}, its reason
     * naming the step, the deliveries and the error. False, writing nothing, when the run moved on meanwhile.
     */
    public boolean deadLettered(RunMessage message, int receives, String error) {
        return worker.deadLettered(message, receives, error);
    }

    /**
     * Wakes the runs whose long timed wait is over, or whose first message is due again (the scheduled sweep: an
     * EventBridge schedule in AWS, a timer locally): sends each its next message. Returns how many it woke.
     */
    public int sweep(int limit) {
        return worker.sweep(limit);
    }

    // ------------------------------------------------------------------ helpers


    /**
     * Sends {@code run}'s next message, just written with a {@link Run#redriveAt}; a queue that does not take it is
     * logged, not thrown: the record is committed, and the sweep sends the message at its re-drive time.
     */
    private void sendOrLeaveToSweep(Run run) {
        try {
            queue.send(run.nextMessage());
        } catch (ThreadlineException e) {
            LOG.warning("run " + run.runId() + " on " + run.threadId() + ": its message was not sent (" + e.getMessage()
                    + "); the sweep sends it at " + run.redriveAt());
        }
    }

    private Instant redriveAt() {
        return clock.instant().plus(settings.redriveAfter());
    }

    /**
     * Whether a message of {@code run} is in the queue or being handled: true while it is active, unless it is in
     * a timed wait too long for the queue (filed in the wake index: the sweep sends its message when it is due).
     */
    public boolean messageInFlight(Run run) {
        return run.active() && (run.wakeAt() == null || run.wakeAt().isBefore(run.updatedAt().plus(settings.maxDelay())));
    }

    /** {@code ROLLBACK}: the thread returns to the checkpoint before {@code run} (as {@code rewind}), retried past the step in flight. */
    private void rollBack(ThreadKey thread, Run run, String by) {
        if (run.startCheckpoint() == null) {
            return; // the run began the thread: there is no checkpoint before it to return to
        }
        ThreadRuntime<?> runtime = runtimes.runtime(run.agent());
        afterTakeover(() -> runtime.rewind(thread, CheckpointId.parse(run.startCheckpoint()),
                "rollback of run " + run.runId() + " by " + by));
    }

    private ThreadHead head(ThreadKey thread) {
        return store.head(thread).orElse(null);
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
