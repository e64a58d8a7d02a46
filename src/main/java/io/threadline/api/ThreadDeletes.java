package io.threadline.api;

import io.threadline.checkpoint.ThreadKey;
import io.threadline.config.Runs;
import io.threadline.runtime.DeleteReport;
import io.threadline.runtime.ThreadRuntime;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;

import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Deleting a thread whole, as {@code delete} and {@code erase} do: the runtime's delete (checkpoints, head, pending
 * effects, idempotency records, outbox markers, data key, memories), then — where the deployment has background runs —
 * the thread's run record with the inputs queued in it, and its wake-index entry. Composed here, not in the runtime:
 * the core knows nothing of background runs (an adapter of it). The thread goes first, so an {@code AGENT_MISMATCH}
 * refuses the delete before the run is touched; a run step racing it then finds the thread deleted, and its next
 * message no run.
 */
@ApplicationScoped
public class ThreadDeletes {

    @Inject
    Runs runs;

    /** Deletes {@code thread} with {@code runtime}, and its background run: the answer of {@code delete} (the runs' counts last). */
    public Replies.Delete delete(ThreadRuntime<?> runtime, ThreadKey thread) {
        DeleteReport report = runtime.delete(thread);
        return new Replies.Delete(thread.threadId(), report.existed(), withRun(thread, report.byKind()), null);
    }

    /** {@code removed} (what the thread's delete removed) with the thread's background run removed and counted. */
    public Map<String, Long> withRun(ThreadKey thread, Map<String, Long> removed) {
        Map<String, Long> out = new LinkedHashMap<>(removed);
        runs.optional().ifPresent(bg -> bg.forget(thread).forEach((kind, n) -> out.merge(kind, n, Long::sum)));
        return out;
    }
}
