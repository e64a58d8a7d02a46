package io.threadline.runs;

import com.fasterxml.jackson.databind.JsonNode;
import io.threadline.checkpoint.Checkpoint;
import io.threadline.checkpoint.CheckpointStore;
import io.threadline.checkpoint.ThreadHead;
import io.threadline.checkpoint.ThreadKey;
import io.threadline.runtime.ThreadRuntime;
import io.threadline.state.Update;

import java.time.Clock;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;
import java.util.function.Supplier;

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
 *
 * <p>A facade over package-private peers, each with one job, none calling back into it: {@code RunAdmission} (a start,
 * a foreground request admitted past a run, a rollback, a cancel), {@code RunInputs} (inputs checked and queued onto a
 * run), {@code RunDispatch} (the message of a run set going) and {@code RunWorker} (the queue's side).
 */
public final class BackgroundRuns {

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
    private final RunWorker worker;
    private final RunAdmission admission;
    private final RunInputs inputs;
    private final RunDispatch dispatch;

    public BackgroundRuns(RunStore runs, RunQueue queue, CheckpointStore store, Runtimes runtimes, Clock clock, Supplier<String> ids,
                          Settings settings) {
        this.runs = runs;
        RunParts parts = new RunParts(runs, queue, store, runtimes, clock, settings);
        this.worker = new RunWorker(parts);
        this.inputs = new RunInputs(parts);
        this.dispatch = new RunDispatch(parts);
        this.admission = new RunAdmission(parts, ids, inputs, dispatch, worker);
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

    // ------------------------------------------------------------------ start (RunAdmission)

    /**
     * Starts a background run of {@code maxSteps} steps at most on {@code thread}, beginning with
     * {@code input}, and answers at once. While another run is in progress {@code policy} decides. The same
     * {@code idempotencyKey} again answers the run it started (and sends its first message again if that run
     * has not taken a step yet: the send may be what failed); the key follows the rule a step's does
     * ({@link io.threadline.runtime.IdempotencyKeys}).
     */
    public Started start(ThreadKey thread, String agent, JsonNode input, int maxSteps, DoubleTexting policy, String idempotencyKey,
                         String by) {
        return admission.start(thread, agent, input, maxSteps, policy, idempotencyKey, by);
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
        return inputs.enqueue(thread, agent, kind, value, idempotencyKey, by);
    }

    /**
     * Called before a request that steps the thread in the foreground ({@code step}, {@code run}, {@code resume},
     * {@code update}): nothing when no run is in progress; else {@code policy}: {@code REJECT} refuses, {@code
     * INTERRUPT} ends the run at its next step boundary, {@code ROLLBACK} also returns the thread to where the run
     * started. {@code ENQUEUE} is decided by {@link #enqueue} instead (a foreground request asking it never comes
     * here). True when it ended a run: the request should then go on through {@link #afterTakeover}.
     */
    public boolean admit(ThreadKey thread, DoubleTexting policy, String by) {
        return admission.admit(thread, policy, by);
    }

    /**
     * Runs {@code action} — a foreground request after {@link #admit} ended a run — again while it meets
     * {@code CONFLICT} for at most the take-over wait: the run's step in flight when it was ended commits
     * first, and the request goes on from there.
     */
    public <T> T afterTakeover(Supplier<T> action) {
        return admission.afterTakeover(action);
    }

    /** After a foreground {@code resume} committed {@code resumed}: a run that ended INTERRUPTED goes on in the background. */
    public Optional<Run> continueAfterResume(ThreadKey thread, Checkpoint resumed) {
        return dispatch.continueAfterResume(thread, resumed);
    }

    // ------------------------------------------------------------------ cancel

    /**
     * Asks the thread's run in progress to stop at its next step boundary (a run in a timed wait stops at once);
     * the worker that stops it writes who cancelled and when into the thread's history. {@code RUN_NOT_FOUND}
     * when no run is in progress.
     */
    public Run cancel(ThreadKey thread, String by) {
        return admission.cancel(thread, by);
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

    /**
     * Whether a message of {@code run} is in the queue or being handled: true while it is active, unless it is in
     * a timed wait too long for the queue (filed in the wake index: the sweep sends its message when it is due).
     */
    public boolean messageInFlight(Run run) {
        return dispatch.messageInFlight(run);
    }
}
