package io.threadline.runs;

import com.fasterxml.jackson.databind.JsonNode;
import io.threadline.ErrorCode;
import io.threadline.ThreadlineException;
import io.threadline.checkpoint.Checkpoint;
import io.threadline.checkpoint.Status;
import io.threadline.checkpoint.ThreadKey;
import io.threadline.graph.StepContext;

import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.Map;

/**
 * How a background run goes on from its thread's head: whether its next step applies a queued input, when a timed
 * wait wakes, and, once a step committed, whether the run goes on or ends (and why), written to its record with the
 * next message sent. The rules are read by {@link RunWorker} too, when it chooses the step to take.
 */
final class RunProgress {

    private final RunParts parts;
    private final CancelNotes notes;

    RunProgress(RunParts parts, CancelNotes notes) {
        this.parts = parts;
        this.notes = notes;
    }

    /** Records that {@code cp} (step {@code run.nextStep()}) committed, and sends the next message if the run goes on. */
    Advance record(ThreadKey thread, Run run, Checkpoint cp, boolean consumed) {
        for (int race = 0; race < RunParts.MAX_RACES; race++) {
            Instant now = parts.clock().instant();
            Instant wake = wakeOf(cp);
            Run next = run.stepped(consumed, wake, now);
            RunStatus end = null;
            String why = null;
            if (cp.status() == Status.FAILED) {
                end = RunStatus.FAILED;
                why = "step " + cp.step() + " failed" + (cp.error() == null ? "" : ": " + cp.error().message());
            } else if (cp.status() == Status.INTERRUPTED && wake == null && !consumes(next, cp)) {
                end = RunStatus.INTERRUPTED;
                why = "the thread waits for a resume at step " + cp.step();
            } else if (run.cancelledBy() != null) {
                end = RunStatus.CANCELLED;
                why = CancelNotes.reason(run);
            } else if (cp.status() == Status.DONE && !consumes(next, cp)) {
                end = RunStatus.DONE;
                why = doneReason(next, cp.step());
            } else if (next.stepsTaken() >= next.maxSteps()) {
                end = RunStatus.MAX_STEPS;
                why = "its budget of " + next.maxSteps() + " steps is spent";
            }
            if (end != null) {
                next = next.endingAs(end, why);
            }
            if (end == RunStatus.CANCELLED) {
                // The history's note first, then the record: whoever sees the run CANCELLED finds the note.
                notes.write(next);
            }
            if (parts.put(next)) {
                if (next.active() && (wake == null || wake.isBefore(parts.sweepAfter()))) {
                    // A short wait's message is handed back to the queue until the wake time; a long one sends none:
                    // the run's record is in the wake index, and the sweep sends it when it is due.
                    parts.queue().send(next.nextMessage());
                }
                return Advance.done("step " + cp.step() + " " + cp.status() + (next.active() ? "" : ", run " + next.status()));
            }
            Run now2 = parts.runs().get(thread).orElse(null);
            if (now2 == null || !now2.runId().equals(run.runId()) || now2.status().ended() || now2.nextStep() != run.nextStep()) {
                return Advance.done("step " + cp.step() + " committed; the run was taken over");
            }
            run = now2; // a cancel or a queued input came in meanwhile: decide again on it
        }
        throw new ThreadlineException(ErrorCode.CONFLICT, "the run's record kept changing under the worker", Map.of("threadId", thread.threadId()));
    }

    /** The wake time of a checkpoint that pauses its thread in a timed wait ({@code StepContext.waitUntil}); else null. */
    static Instant wakeOf(Checkpoint cp) {
        if (cp == null || cp.status() != Status.INTERRUPTED || cp.interrupt() == null) {
            return null;
        }
        JsonNode payload = cp.interrupt().payload();
        JsonNode wake = payload == null ? null : payload.get(StepContext.WAIT_KEY);
        if (wake == null || !wake.isTextual()) {
            return null;
        }
        try {
            return Instant.parse(wake.asText());
        } catch (DateTimeParseException e) {
            return null;
        }
    }

    /**
     * Whether the run's next step, taken on {@code head}, applies its first queued input: an input on the run's first
     * step or where the thread is DONE (a new turn); a queued resume where the thread waits for a person (an
     * interrupt that is not a timed wait). Anything else waits its turn: the queue is applied in order.
     */
    static boolean consumes(Run run, Checkpoint head) {
        Run.Queued next = run.nextQueued();
        if (next == null) {
            return false;
        }
        Status status = head == null ? null : head.status();
        if (next.resume()) {
            return run.stepsTaken() > 0 && status == Status.INTERRUPTED && wakeOf(head) == null;
        }
        return run.stepsTaken() == 0 || status == Status.DONE;
    }

    /** Why a run ends where its thread is DONE at {@code step}: nothing queued, or a queued resume with nothing to answer. */
    static String doneReason(Run run, long step) {
        Run.Queued next = run.nextQueued();
        if (next == null) {
            return "the thread is done at step " + step + " and no input is queued";
        }
        return "the thread is done at step " + step + "; the queued resume" + (next.by() == null ? "" : " from " + next.by())
                + " has no interrupt to answer, and " + run.queuedInputs() + " queued input(s) stay in the run's record";
    }
}
