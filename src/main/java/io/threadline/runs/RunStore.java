package io.threadline.runs;

import io.threadline.checkpoint.RunGuard;
import io.threadline.checkpoint.ThreadKey;

import java.time.Instant;
import java.util.List;
import java.util.Optional;

/**
 * Where each thread's background run record lives (the latest run of the thread), written only by
 * conditional replacement: the single arbiter of who decides about a run. Implementations: in memory, and
 * DynamoDB (the checkpoint table; io.threadline.runs.dynamodb), both held to {@code RunStoreContract}.
 *
 * <p>Long timed waits are kept in a wake index beside the records, read by {@link #due}: the scheduled sweep
 * wakes what is due, so a thread waiting for days uses no compute and no queue message.
 */
public interface RunStore {

    /** The thread's latest run, strongly consistent. */
    Optional<Run> get(ThreadKey thread);

    /**
     * Writes {@code run} if the stored record's version is {@code run.version() - 1} (for version 1: the thread
     * has no record). Returns false, writing nothing, when another writer got there first. When the sweep must look
     * at the run ({@link Run#sweepAt}{@code (sweepAfter)}: a re-drive time, or a timed wait at or after
     * {@code sweepAfter}), the same write files it in the wake index; otherwise the thread leaves the index (at once,
     * or when the sweep finds its entry no longer holds).
     */
    boolean put(Run run, Instant sweepAfter);

    /** Active runs whose filed sweep time is at or before {@code now} and still holds, oldest first, at most {@code limit}. */
    List<Run> due(Instant now, int limit);

    /**
     * Removes the thread's run record — queued inputs and all — and its wake-index entry (deleting the thread, or
     * erasing its data subject): an active run ends there, and a message still in flight finds no run and changes
     * nothing. Answers the record removed; empty when the thread had none (deletes are idempotent). A writer racing
     * the delete either lands before it (and its version is what is removed) or finds no record.
     */
    Optional<Run> delete(ThreadKey thread);

    /**
     * The guard a step of run {@code runId} commits with ({@link io.threadline.checkpoint.Commit#guardedBy}): the commit
     * lands only while the thread's record is still that run, so a step racing a {@link #delete} of the record (which
     * a thread's delete makes first) never brings the thread back. The checkpoint store of the same backend checks it
     * atomically with the commit: DynamoDB in the commit's transaction, on this store's item; in memory under the
     * thread's lock, through {@link #get}.
     */
    default RunGuard guard(String runId) {
        return new RunGuard(runId, thread -> get(thread).map(Run::runId));
    }
}
