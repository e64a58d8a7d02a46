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

import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
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
     * @param maxRecordBytes the largest a run record may grow by queued inputs (its JSON): an input that would make
     *                     it larger is refused ({@code PAYLOAD_TOO_LARGE}), not left to fail the store's write
     */
    public record Settings(Duration maxDelay, Duration takeoverWait, Duration redriveAfter, int maxRecordBytes) {

        /** DynamoDB's item limit is 400 KB: a run record (its queued inputs with it) stays well below. */
        public static final int DEFAULT_MAX_RECORD_BYTES = 350_000;

        public Settings(Duration maxDelay, Duration takeoverWait, Duration redriveAfter) {
            this(maxDelay, takeoverWait, redriveAfter, DEFAULT_MAX_RECORD_BYTES);
        }
    }

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

    /**
     * Removes the thread's run record and its wake-index entry, as deleting the thread does ({@link RunStore#delete}):
     * an active run ends with it, and its messages in flight then find no run and change nothing. Answers what went, by
     * kind: {@code runs} (the record: 0 or 1) and {@code queuedInputs} (the inputs it held, not yet applied — the start's
     * own included — each possibly personal data).
     */
    public Map<String, Long> forget(ThreadKey thread) {
        Optional<Run> removed = runs.delete(thread);
        Map<String, Long> out = new LinkedHashMap<>();
        out.put("runs", removed.isPresent() ? 1L : 0L);
        out.put("queuedInputs", removed.map(r -> (long) r.inputs().size()).orElse(0L));
        return out;
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
                        Run joined = fits(current.withInput(input, clock.instant()));
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
     * What {@link #enqueue} did. {@code position > 0}: the request's input is queued behind the run, {@code position}
     * of the run's queued inputs (1: the next it applies); nothing was committed yet. {@code position == 0}: the
     * request's idempotency key is already committed on the thread (a retry of a request the run has applied): the
     * foreground answers that step, a duplicate, and must not step on while {@code run} advances.
     */
    public record Enqueued(Run run, int position) {
        public boolean applied() {
            return position == 0;
        }
    }

    /** The idempotency keys a foreground request may carry (the runtime's own rule, checked before it is queued). */
    private static final java.util.regex.Pattern IDEMPOTENCY_KEY = java.util.regex.Pattern.compile("[\\x21-\\x7E]{1,128}");

    /**
     * Double texting {@code enqueue} for a foreground {@code step}, {@code run} ({@code kind} {@link Run.Queued#INPUT},
     * {@code value} its input) or {@code resume} ({@link Run.Queued#RESUME}, {@code value} the resume value): while a
     * run is in progress, the value joins the run's queue of inputs by a conditional write of its record, and the
     * run applies it in order, exactly once — an input where the thread is DONE (a new turn), a resume where the
     * thread waits for a person — committing that step under {@code idempotencyKey} when there is one. Empty when no
     * run is in progress: the request goes on in the foreground. The same key again answers the same position while
     * it is queued, and {@link Enqueued#applied} once the run has applied it. An input the state's schema refuses is
     * {@code VALIDATION_FAILED} here, before anything is written.
     */
    public Optional<Enqueued> enqueue(ThreadKey thread, String agent, String kind, JsonNode value, String idempotencyKey, String by) {
        if (!Run.Queued.INPUT.equals(kind) && !Run.Queued.RESUME.equals(kind)) {
            throw new IllegalArgumentException("kind must be input or resume, got " + kind);
        }
        if (idempotencyKey != null && !IDEMPOTENCY_KEY.matcher(idempotencyKey).matches()) {
            throw new ThreadlineException(ErrorCode.INVALID_INPUT,
                    "idempotencyKey must be 1-128 printable ASCII characters without spaces", Map.of("field", "idempotencyKey"));
        }
        boolean checked = false;
        for (int race = 0; race < RunWorker.MAX_RACES; race++) {
            Run current = runs.get(thread).orElse(null);
            if (current == null || !current.active()) {
                return Optional.empty();
            }
            if (idempotencyKey != null) {
                int position = current.positionOf(idempotencyKey);
                if (position > 0) {
                    return Optional.of(new Enqueued(current, position));
                }
                if (store.findByIdempotencyKey(thread, idempotencyKey).isPresent()) {
                    return Optional.of(new Enqueued(current, 0));
                }
            }
            if (!checked && Run.Queued.INPUT.equals(kind)) {
                checkInput(thread, agent, value);
                checked = true;
            }
            Instant now = clock.instant();
            Run joined = fits(current.withQueued(value, new Run.Queued(kind, idempotencyKey, by, now), now));
            if (runs.put(joined, worker.sweepAfter())) {
                return Optional.of(new Enqueued(joined, joined.queuedInputs()));
            }
        }
        throw new ThreadlineException(ErrorCode.CONFLICT, "the thread's run changed too often to queue the input; try again",
                Map.of("threadId", thread.threadId()));
    }

    /**
     * Called before a request that steps the thread in the foreground ({@code step}, {@code run}, {@code resume},
     * {@code update}): nothing when no run is in progress; else {@code policy}: {@code REJECT} refuses, {@code
     * INTERRUPT} ends the run at its next step boundary, {@code ROLLBACK} also returns the thread to where the run
     * started. {@code ENQUEUE} is decided by {@link #enqueue} instead (a foreground request asking it never comes
     * here). True when it ended a run: the request should then go on through {@link #afterTakeover}.
     */
    public boolean admit(ThreadKey thread, DoubleTexting policy, String by) {
        for (int race = 0; race < RunWorker.MAX_RACES; race++) {
            Run current = runs.get(thread).orElse(null);
            if (current == null || !current.active()) {
                return false;
            }
            switch (policy) {
                case REJECT -> throw inProgress(current);
                case ENQUEUE -> throw new IllegalArgumentException("multitask enqueue is decided by enqueue(), not admit()");
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

    /** {@code run}, a record that grew by a queued input, if it is not larger than the settings allow; else PAYLOAD_TOO_LARGE. */
    private Run fits(Run run) {
        int bytes = RunCodec.write(run).getBytes(StandardCharsets.UTF_8).length;
        if (bytes > settings.maxRecordBytes()) {
            throw new ThreadlineException(ErrorCode.PAYLOAD_TOO_LARGE, "the run's queue of inputs is full: with this input its record would be "
                    + bytes + " bytes, over threadline.runs.max-record-bytes (" + settings.maxRecordBytes() + "); wait for the run to apply some",
                    Map.of("limit", settings.maxRecordBytes(), "queuedInputs", run.queuedInputs() - 1));
        }
        return run;
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
