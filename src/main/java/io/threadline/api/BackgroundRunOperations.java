package io.threadline.api;

import io.threadline.checkpoint.CheckpointStore;
import io.threadline.checkpoint.ThreadHead;
import io.threadline.checkpoint.ThreadKey;
import io.threadline.config.Runs;
import io.threadline.runs.BackgroundRuns;
import io.threadline.runs.DoubleTexting;
import io.threadline.runtime.ThreadRuntime;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;

import java.util.List;

/** The operations of background runs (README "Background runs"): {@code start} and {@code cancel}. */
@ApplicationScoped
public class BackgroundRunOperations {

    @Inject
    OperationSupport support;

    @Inject
    Runs runs;

    /**
     * Starts a background run (README "Background runs") and answers at once: the run and the thread's head. A
     * run already in progress is met by the request's {@code multitask} policy, or {@code threadline.runs.double-texting}.
     */
    public Replies.Start start(Caller caller, Requests.Start r) {
        BackgroundRuns bg = runs.require();
        CheckpointStore store = support.store();
        int maxSteps = RequestReader.bounded(r.maxSteps(), "maxSteps", runs.maxSteps(), 1, runs.maxSteps());
        ThreadRuntime<?> runtime = support.runtime(r.agent());
        ThreadKey thread = caller.thread(r.threadId());
        DoubleTexting policy = DoubleTexting.parse(r.multitask(), runs.defaultPolicy());
        // refused here, not in the background: a bad input changes nothing
        support.input(runtime, r.input());
        runtime.checkBound(store.head(thread).flatMap(h -> store.get(thread, h.checkpointId())).map(List::of).orElse(List.of()));
        BackgroundRuns.Started started = bg.start(thread, runtime.agent().orElse(null), r.input(), maxSteps, policy,
                r.idempotencyKey(), caller.who(null));
        ThreadHead head = started.head();
        CheckpointSummary headSummary = head == null ? null
                : store.get(thread, head.checkpointId()).map(CheckpointSummary::of).orElse(null);
        return new Replies.Start(Replies.RunInfo.of(started.run()), headSummary, started.queued(), null);
    }

    /** Stops the thread's background run at its next step boundary; the history records who asked, and when. */
    public Replies.Cancel cancel(Caller caller, Requests.Cancel r) {
        BackgroundRuns bg = runs.require();
        RequestReader.optionalText(r.by(), "by", RequestReader.SHORT_TEXT);
        support.runtime(r.agent());
        return new Replies.Cancel(Replies.RunInfo.of(bg.cancel(caller.thread(r.threadId()), caller.who(r.by()))), null);
    }
}
