package io.threadline.runs;

import io.threadline.ThreadlineException;
import io.threadline.checkpoint.Checkpoint;
import io.threadline.checkpoint.Status;
import io.threadline.checkpoint.ThreadKey;

import java.util.Optional;
import java.util.logging.Logger;

/**
 * The messages of runs that the admission side sets going, behind {@link BackgroundRuns}: a run written to go on (a
 * start, a run continued after a foreground resume) gets a re-drive time and its message, and whether a run has a
 * message in the queue. The worker's side is {@link RunWorker}'s (the sweep) and {@link RunProgress}'s (each step's next message).
 */
final class RunDispatch {

    /** Under the facade's name, where this warning has always been logged (log settings name it). */
    private static final Logger LOG = Logger.getLogger(BackgroundRuns.class.getName());

    private final RunParts parts;

    RunDispatch(RunParts parts) {
        this.parts = parts;
    }

    /**
     * Writes {@code run} with a re-drive time and sends its next message; empty, sending nothing, when the thread's
     * run record moved first. A writer that dies between the record and the send leaves the message to the sweep.
     */
    Optional<Run> launch(Run run) {
        Run redriven = run.redrivenAt(parts.redriveAt());
        if (!parts.put(redriven)) {
            return Optional.empty();
        }
        sendOrLeaveToSweep(redriven);
        return Optional.of(redriven);
    }

    /** See {@link BackgroundRuns#continueAfterResume}. */
    Optional<Run> continueAfterResume(ThreadKey thread, Checkpoint resumed) {
        for (int race = 0; race < RunParts.MAX_RACES; race++) {
            Run current = parts.runs().get(thread).orElse(null);
            if (current == null || current.status() != RunStatus.INTERRUPTED || resumed.status() != Status.RUNNING
                    || current.stepsTaken() >= current.maxSteps()) {
                return Optional.empty();
            }
            Optional<Run> again = launch(current.resumedAt(resumed.step() + 1, parts.clock().instant()));
            if (again.isPresent()) {
                return again;
            }
        }
        return Optional.empty();
    }

    /** See {@link BackgroundRuns#messageInFlight}. */
    boolean messageInFlight(Run run) {
        return run.active() && (run.wakeAt() == null || run.wakeAt().isBefore(run.updatedAt().plus(parts.settings().maxDelay())));
    }

    /**
     * Sends {@code run}'s next message, just written with a {@link Run#redriveAt}; a queue that does not take it is
     * logged, not thrown: the record is committed, and the sweep sends the message at its re-drive time.
     */
    private void sendOrLeaveToSweep(Run run) {
        try {
            parts.queue().send(run.nextMessage());
        } catch (ThreadlineException e) {
            LOG.warning("run " + run.runId() + " on " + run.threadId() + ": its message was not sent (" + e.getMessage()
                    + "); the sweep sends it at " + run.redriveAt());
        }
    }
}
