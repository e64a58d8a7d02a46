package io.threadline.api;

import io.threadline.ErrorCode;
import io.threadline.ThreadlineException;
import io.threadline.checkpoint.CheckpointId;
import io.threadline.checkpoint.ThreadKey;
import io.threadline.runtime.RecordedThread;
import io.threadline.runtime.StepResult;
import io.threadline.runtime.ThreadRuntime;
import io.threadline.state.Update;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;

import java.util.Map;

/**
 * The operations that work on a thread's past: {@code fork}, {@code rewind} and {@code update} write a new
 * checkpoint from an old one or by hand; {@code export} and {@code replay} give the recording and re-run it.
 */
@ApplicationScoped
public class TimeTravelOperations {

    @Inject
    OperationSupport support;

    public Replies.Step fork(Caller caller, Requests.Fork r) {
        ThreadKey source = caller.thread(r.threadId());
        ThreadKey target = ThreadKey.of(caller.tenant(), RequestReader.required(r.newThreadId(), "newThreadId"));
        StepResult<?> result = support.runtime(r.agent()).fork(source, CheckpointId.parse(RequestReader.required(r.checkpointId(), "checkpointId")),
                target, r.reason());
        return support.stepReply(result, false);
    }

    public Replies.Step rewind(Caller caller, Requests.Rewind r) {
        StepResult<?> result = support.runtime(r.agent()).rewind(caller.thread(r.threadId()),
                CheckpointId.parse(RequestReader.required(r.checkpointId(), "checkpointId")), r.reason());
        return support.stepReply(result, false);
    }

    public Replies.Step update(Caller caller, Requests.Update r) {
        if (r.input() == null || !r.input().isObject() || r.input().isEmpty()) {
            throw new ThreadlineException(ErrorCode.INVALID_INPUT, "update needs an input: a non-empty partial state",
                    Map.of("field", "input"));
        }
        ThreadRuntime<?> runtime = support.runtime(r.agent());
        StepResult<?> result = updateOn(runtime, caller.thread(r.threadId()),
                support.input(runtime, r.input()), RequestReader.required(r.reason(), "reason"));
        return support.stepReply(result, false);
    }

    @SuppressWarnings({"unchecked", "rawtypes"})
    private static StepResult<?> updateOn(ThreadRuntime runtime, ThreadKey thread, Update input, String reason) {
        return ((ThreadRuntime) runtime).update(thread, input, reason);
    }

    /**
     * The thread as a recording, so a failure seen in production becomes a regression test. Not masked:
     * a replay needs the values as they were — grant this operation like reading the state itself. A page
     * of it, oldest first, when the whole is larger than an answer may be ({@link ResponsePages#export}).
     */
    public Replies.Export export(Caller caller, Requests.Export r) {
        ThreadRuntime<?> runtime = support.runtime(r.agent());
        ThreadKey thread = caller.thread(r.threadId());
        RecordedThread recorded = ResponsePages.recordedAfter(support.store(), thread, r.cursor());
        runtime.checkBound(recorded.checkpoints());
        return ResponsePages.export(support.codec().mapper(), recorded, support.config().maxResponseBytes());
    }

    public Replies.Replay replay(Caller caller, Requests.Replay r) {
        ThreadRuntime<?> runtime = support.runtime(r.agent());
        ThreadKey thread = caller.thread(r.threadId());
        CheckpointId id = CheckpointId.parse(RequestReader.required(r.checkpointId(), "checkpointId"));
        return new Replies.Replay(SensitiveMasking.report(runtime, thread, runtime.replay(thread, id), support.store(), support.codec()), null);
    }
}
