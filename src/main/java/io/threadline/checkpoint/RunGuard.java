package io.threadline.checkpoint;

import io.threadline.ErrorCode;
import io.threadline.ThreadlineException;

import java.util.Map;
import java.util.Objects;
import java.util.Optional;

/**
 * What a background run's commit is conditional on besides the thread's head ({@link Commit#guardedBy}): the thread's
 * run record still exists and is run {@link #runId}, checked atomically with the commit. A delete removes the thread's
 * run record before the thread, so a run's step racing the delete either lands before the record goes (and is deleted
 * with the thread) or fails with {@code RUN_GONE}, writing nothing. Without it, a worker that read its run before the
 * delete would create the thread again with the run's first step, after the delete finished.
 *
 * <p>Where the record lives is the run store's (it makes the guard: {@code io.threadline.runs.RunStore#guard}). The
 * DynamoDB store checks the record the DynamoDB run store keeps in the same table (a ConditionCheck in the commit's
 * TransactWriteItems: no extra request); a store that commits in process (in memory) asks {@link #current} under the
 * lock its commits on the thread hold.
 *
 * @param runId   the run the commit is made for
 * @param current the run the thread's record names now, empty when it has none; read by stores that check in process
 */
public record RunGuard(String runId, Current current) {

    /** The run a thread's record names now. */
    @FunctionalInterface
    public interface Current {
        Optional<String> runOf(ThreadKey thread);
    }

    public RunGuard {
        Objects.requireNonNull(runId, "runId");
        Objects.requireNonNull(current, "current");
    }

    /** Whether the thread's run record names this run now (for stores that check in process, under their commit lock). */
    public boolean holds(ThreadKey thread) {
        return current.runOf(thread).map(runId::equals).orElse(false);
    }

    /** The refusal of a commit that lost to this guard: {@code RUN_GONE}, nothing written. */
    public ThreadlineException refused(ThreadKey thread, long step) {
        return new ThreadlineException(ErrorCode.RUN_GONE, "step " + step + " of thread " + thread.threadId() + " was made for run "
                + runId + ", whose record is gone or names another run (the thread was deleted, or another run replaced it);"
                + " nothing was written", Map.of("thread", thread.threadId(), "runId", runId, "step", step));
    }
}
