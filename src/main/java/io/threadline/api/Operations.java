package io.threadline.api;

import com.fasterxml.jackson.databind.JsonNode;
import io.threadline.ErrorCode;
import io.threadline.ThreadlineException;
import io.threadline.checkpoint.Checkpoint;
import io.threadline.checkpoint.CheckpointId;
import io.threadline.checkpoint.HistoryPage;
import io.threadline.checkpoint.HistoryQuery;
import io.threadline.checkpoint.ThreadKey;
import io.threadline.runtime.CheckpointSummary;
import io.threadline.runtime.RunBudget;
import io.threadline.runtime.RunResult;
import io.threadline.runtime.StepResult;
import io.threadline.runtime.ThreadRuntime;
import io.threadline.runtime.ThreadState;
import io.threadline.state.StateCodec;
import io.threadline.state.Update;
import io.threadline.state.UpdateDecoder;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * The four operations, whatever the entry path (direct invocation, API Gateway, local HTTP): read
 * the checked request, call the runtime, shape the answer. Failures are thrown as
 * {@link ThreadlineException}s; each entry path turns them into its own error answer.
 */
@ApplicationScoped
public class Operations {

    /** Operation names, as functions and routes. */
    public static final List<String> NAMES = List.of("step", "run", "state", "history");

    @Inject
    ThreadRuntime<?> runtime;

    @Inject
    StateCodec codec;

    @Inject
    ApiConfig config;

    public Replies.Step step(Caller caller, Requests.Step r) {
        StepResult<?> result = stepOn(key(caller, r.threadId()), decode(r.input()), r.idempotencyKey());
        return new Replies.Step(result.checkpoint(), codec.toTree(result.state()), result.duplicate(), null);
    }

    public Replies.Run run(Caller caller, Requests.Run r) {
        int maxSteps = r.maxSteps() == null ? config.runMaxSteps() : r.maxSteps();
        if (maxSteps < 1 || maxSteps > config.runMaxSteps()) {
            throw new ThreadlineException(ErrorCode.INVALID_INPUT,
                    "maxSteps must be between 1 and " + config.runMaxSteps(), Map.of("field", "maxSteps"));
        }
        RunResult<?> result = runOn(key(caller, r.threadId()), decode(r.input()), new RunBudget(maxSteps, caller.deadline()));
        List<CheckpointSummary> steps = result.steps();
        return new Replies.Run(steps, result.state() == null ? null : codec.toTree(result.state()), result.stopReason().name(), null);
    }

    public Replies.State state(Caller caller, Requests.State r) {
        ThreadKey thread = key(caller, r.threadId());
        ThreadState<?> state = r.checkpointId() == null ? runtime.state(thread)
                : runtime.stateAt(thread, CheckpointId.parse(r.checkpointId()));
        return new Replies.State(state.checkpoint(), codec.toTree(state.state()), null);
    }

    public Replies.History history(Caller caller, Requests.History r) {
        int limit = r.limit() == null ? 20 : r.limit();
        HistoryPage page = runtime.history(key(caller, r.threadId()), new HistoryQuery(limit, r.cursor()));
        List<Replies.CheckpointEntry> entries = new ArrayList<>();
        for (Checkpoint cp : page.checkpoints()) {
            entries.add(new Replies.CheckpointEntry(CheckpointSummary.of(cp), codec.readTree(cp.change().json())));
        }
        return new Replies.History(entries, page.nextCursor(), null);
    }

    @SuppressWarnings({"unchecked", "rawtypes"})
    private StepResult<?> stepOn(ThreadKey thread, Update input, String idempotencyKey) {
        return ((ThreadRuntime) runtime).step(thread, input, idempotencyKey);
    }

    @SuppressWarnings({"unchecked", "rawtypes"})
    private RunResult<?> runOn(ThreadKey thread, Update input, RunBudget budget) {
        return ((ThreadRuntime) runtime).run(thread, input, budget);
    }

    private Update<?> decode(JsonNode input) {
        if (input != null && codec.writeTree(input).length > config.maxInputBytes()) {
            throw new ThreadlineException(ErrorCode.PAYLOAD_TOO_LARGE,
                    "input is larger than " + config.maxInputBytes() + " bytes of JSON", Map.of("limit", config.maxInputBytes()));
        }
        return UpdateDecoder.decode(runtime.graph().schema(), input, codec);
    }

    private static ThreadKey key(Caller caller, String threadId) {
        return ThreadKey.of(caller.tenant(), RequestReader.required(threadId, "threadId"));
    }
}
