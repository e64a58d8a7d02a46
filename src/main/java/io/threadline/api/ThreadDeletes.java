package io.threadline.api;

import io.threadline.ErrorCode;
import io.threadline.ThreadlineException;
import io.threadline.checkpoint.ThreadKey;
import io.threadline.config.Runs;
import io.threadline.runs.BackgroundRuns;
import io.threadline.runtime.DeleteReport;
import io.threadline.runtime.ThreadRuntime;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;

import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;
import java.util.function.Supplier;

/**
 * Deleting a thread whole, as {@code delete} and {@code erase} do: where the deployment has background runs, the
 * thread's run record with the inputs queued in it and its wake-index entry; then the runtime's delete (checkpoints,
 * head, pending effects, idempotency records, outbox markers, data key, memories). Composed here, not in the runtime:
 * the core knows nothing of background runs (an adapter of it).
 *
 * <p>The run goes first because a run's steps commit only while its record is there ({@code RunGuard}): a step that
 * commits before the record goes is deleted with the thread, and one after fails with {@code RUN_GONE}, writing
 * nothing — so a worker that read its run before the delete cannot create the thread again after it. Before either,
 * the thread's agent (its head's) is checked, as the thread's own delete checks it, and where the head names no agent,
 * the run record's: a thread or a run of another agent than the deleting runtime's is refused ({@code AGENT_MISMATCH})
 * before anything is touched.
 */
@ApplicationScoped
public class ThreadDeletes {

    @Inject
    Runs runs;

    /** Deletes {@code thread} with {@code runtime}, and its background run: the answer of {@code delete} (the runs' counts last). */
    public Replies.Delete delete(ThreadRuntime<?> runtime, ThreadKey thread) {
        return delete(runs.optional(), runtime, thread);
    }

    /** {@link #delete(ThreadRuntime, ThreadKey)} with the deployment's background runs, if it has them, given. */
    static Replies.Delete delete(Optional<BackgroundRuns> runs, ThreadRuntime<?> runtime, ThreadKey thread) {
        // The thread's agent is checked first (the head's, by the runtime), then the run goes, then the thread: a
        // delete by the wrong agent answers AGENT_MISMATCH with nothing removed, whatever agent the run record names.
        // The run record's own agent is read only where the head named none (no head yet: a run whose first step has
        // not committed): a head naming the runtime's agent already decided, and the read would cost a request.
        Map<String, Long> run = new LinkedHashMap<>();
        DeleteReport report = runtime.delete(thread,
                owner -> run.putAll(forgetRun(runs, thread, owner != null ? null : runtime.agent().orElse(null))));
        return new Replies.Delete(thread.threadId(), report.existed(), merged(report.byKind(), run), null);
    }

    /**
     * The thread's background run removed, then {@code deleteThread} (a delete in the store, where no served agent holds
     * the thread): what both removed, by kind, the run's counts last.
     */
    public Map<String, Long> withRun(ThreadKey thread, Supplier<Map<String, Long>> deleteThread) {
        Map<String, Long> run = forgetRun(runs.optional(), thread, null);
        return merged(deleteThread.get(), run);
    }

    /**
     * Removes the thread's run record (none where the deployment has no background runs): what went, by kind. A run of
     * another agent than {@code agent} (null: any) is {@code AGENT_MISMATCH}, nothing removed.
     */
    static Map<String, Long> forgetRun(Optional<BackgroundRuns> runs, ThreadKey thread, String agent) {
        if (runs.isEmpty()) {
            return Map.of();
        }
        if (agent != null) {
            runs.get().current(thread).filter(r -> r.agent() != null && !r.agent().equals(agent)).ifPresent(r -> {
                throw new ThreadlineException(ErrorCode.AGENT_MISMATCH, "thread " + thread.threadId() + " has a background run of agent '"
                        + r.agent() + "', not '" + agent + "': name its agent to delete it",
                        Map.of("thread", thread.threadId(), "agent", r.agent(), "requested", agent));
            });
        }
        return runs.get().forget(thread);
    }

    private static Map<String, Long> merged(Map<String, Long> thread, Map<String, Long> run) {
        Map<String, Long> out = new LinkedHashMap<>(thread);
        run.forEach((kind, n) -> out.merge(kind, n, Long::sum));
        return out;
    }
}
