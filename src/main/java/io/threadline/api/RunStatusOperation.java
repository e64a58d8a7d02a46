package io.threadline.api;

import io.threadline.ErrorCode;
import io.threadline.ThreadlineException;
import io.threadline.checkpoint.ThreadKey;
import io.threadline.config.Agents;
import io.threadline.config.Runs;
import io.threadline.runs.BackgroundRuns;
import io.threadline.runs.Run;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;

import java.util.Map;

/**
 * {@code run-status}: the thread's background run as its record holds it — active, or how and why it ended (every
 * end, MAX_STEPS, SUPERSEDED and STOPPED included), steps taken against its budget, when it started and ended, and
 * whether a message of it is in flight. One strongly consistent read of the run's record; it writes nothing.
 */
@ApplicationScoped
public class RunStatusOperation {

    private final Runs runs;
    private final Agents agents;

    @Inject
    RunStatusOperation(Runs runs, Agents agents) {
        this.runs = runs;
        this.agents = agents;
    }

    /**
     * The thread's latest run; {@code RUN_NOT_FOUND} when the thread never had one, or when the request names a
     * {@code runId} that is not the thread's latest (a thread's record holds only its latest run).
     */
    public Replies.RunStatus runStatus(Caller caller, Requests.RunStatus r) {
        BackgroundRuns bg = runs.require();
        RequestReader.optionalText(r.runId(), "runId", RequestReader.SHORT_TEXT);
        agents.runtime(r.agent()); // an agent this deployment does not serve is refused, as every operation refuses it
        ThreadKey thread = ThreadKey.of(caller.tenant(), RequestReader.required(r.threadId(), "threadId"));
        Run run = bg.current(thread).filter(found -> r.runId() == null || found.runId().equals(r.runId()))
                .orElseThrow(() -> new ThreadlineException(ErrorCode.RUN_NOT_FOUND, r.runId() == null
                        ? "thread " + thread.threadId() + " has had no background run"
                        : "run " + r.runId() + " is not the latest background run of thread " + thread.threadId()
                                + " (only the latest is kept; ask without runId for it)",
                        r.runId() == null ? Map.of("threadId", thread.threadId()) : Map.of("threadId", thread.threadId(), "runId", r.runId())));
        return new Replies.RunStatus(Replies.RunInfo.of(run, bg.messageInFlight(run)), null);
    }
}
