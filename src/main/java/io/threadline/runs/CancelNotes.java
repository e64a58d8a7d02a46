package io.threadline.runs;

import io.threadline.ErrorCode;
import io.threadline.ThreadlineException;
import io.threadline.checkpoint.Checkpoint;
import io.threadline.checkpoint.ThreadKey;
import io.threadline.state.Update;

import java.util.logging.Logger;

/**
 * A cancel's note in the thread's history, written by whichever side ends a cancelled run: the worker (the step in
 * flight or the next message finds the cancel) and the cancel itself (a run in a timed wait has no message to stop it).
 */
final class CancelNotes {

    /** Under the worker's name, where this warning was logged before the split (log settings may name it). */
    private static final Logger LOG = Logger.getLogger(RunWorker.class.getName());

    private final RunParts parts;

    CancelNotes(RunParts parts) {
        this.parts = parts;
    }

    /**
     * Writes who cancelled the run, and when, into the thread's history: a checkpoint of its own (op update). Called
     * before the run's record ends, so the note is there for whoever sees the run CANCELLED; written once however
     * often a delivery or a retried cancel gets here (a note already at the head is not written again). A dependency
     * down is thrown (the message or the cancel is tried again); a writer that moved the thread first is logged.
     */
    void write(Run run) {
        ThreadKey thread = ThreadKey.of(run.tenant(), run.threadId());
        String reason = reason(run);
        Checkpoint head = parts.store().head(thread).flatMap(h -> parts.store().get(thread, h.checkpointId())).orElse(null);
        if (head != null && reason.equals(head.metadata().get("reason"))) {
            return;
        }
        try {
            parts.runtimes().runtime(run.agent()).update(thread, Update.none(), reason);
        } catch (ThreadlineException e) {
            if (e.code() == ErrorCode.DEPENDENCY_UNAVAILABLE) {
                throw e;
            }
            // The run's record keeps who and when; the history entry is a courtesy that a racing writer may have beaten.
            LOG.warning("could not note the cancel of run " + run.runId() + " in the history of " + run.threadId() + ": " + e.getMessage());
        }
    }

    /** The history's note of a cancel, and the ended run's reason: who, and when. */
    static String reason(Run run) {
        return "run " + run.runId() + " cancelled by " + run.cancelledBy() + " at " + run.cancelledAt();
    }
}
