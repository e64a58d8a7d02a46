package io.threadline.runs;

import io.threadline.ErrorCode;
import io.threadline.ThreadlineException;
import io.threadline.checkpoint.CheckpointStore;
import io.threadline.checkpoint.ThreadHead;
import io.threadline.checkpoint.ThreadKey;

import java.time.Clock;
import java.time.Instant;
import java.util.Map;

/**
 * What the peers behind {@link BackgroundRuns} share: the run records, the queue, the checkpoint store, the agents'
 * runtimes, the clock and the settings; and the one way a run record is written, filed by the sweep's bound.
 */
record RunParts(RunStore runs, RunQueue queue, CheckpointStore store, BackgroundRuns.Runtimes runtimes, Clock clock,
                BackgroundRuns.Settings settings) {

    /** Conditional writes lost to concurrent writers before giving up (each loss means another writer progressed). */
    static final int MAX_RACES = 50;

    /** Replaces the thread's run record at the version read ({@link RunStore#put}); false when another writer moved it first. */
    boolean put(Run run) {
        return runs.put(run, sweepAfter());
    }

    /** Waits at or after this go to the wake index (no message can be handed back for that long). */
    Instant sweepAfter() {
        return clock.instant().plus(settings.maxDelay());
    }

    /** When the sweep sends again the message of a run record written now, if the run has taken no step by then. */
    Instant redriveAt() {
        return clock.instant().plus(settings.redriveAfter());
    }

    ThreadHead head(ThreadKey thread) {
        return store.head(thread).orElse(null);
    }

    /** {@code CONFLICT}: the thread's run record moved under every one of {@link #MAX_RACES} tries ({@code toDo}: what for). */
    static ThreadlineException changedTooOften(ThreadKey thread, String toDo) {
        return new ThreadlineException(ErrorCode.CONFLICT, "the thread's run changed too often" + toDo + "; try again",
                Map.of("threadId", thread.threadId()));
    }
}
