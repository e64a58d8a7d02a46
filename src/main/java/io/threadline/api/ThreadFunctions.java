package io.threadline.api;

import com.fasterxml.jackson.databind.JsonNode;
import io.quarkus.funqy.Funq;
import io.threadline.ErrorCode;
import io.threadline.ThreadlineException;
import org.jboss.logging.Logger;
import jakarta.inject.Inject;

import java.util.function.BiFunction;
import java.util.function.Function;

/**
 * The operations as Funqy functions for direct Lambda invocation: one deployed function per
 * operation, chosen by {@code QUARKUS_FUNQY_EXPORT}. IAM authorizes the caller and the payload
 * names the tenant. Errors are answered as the result, {@code {"error": {…}}}, never thrown.
 */
@io.threadline.telemetry.Traced
public class ThreadFunctions {

    private static final Logger LOG = Logger.getLogger(ThreadFunctions.class);

    @Inject
    Operations operations;

    @Inject
    MemoryLifecycle memoryLifecycle;

    @Inject
    Callers callers;

    @Funq
    public Replies.Step step(JsonNode request) {
        return answer(request, Requests.Step.class, Requests.Step::tenant, operations::step, e -> new Replies.Step(null, null, null, e));
    }

    @Funq
    public Replies.Run run(JsonNode request) {
        return answer(request, Requests.Run.class, Requests.Run::tenant, operations::run, e -> new Replies.Run(null, null, null, null, null, e));
    }

    @Funq
    public Replies.State state(JsonNode request) {
        return answer(request, Requests.State.class, Requests.State::tenant, operations::state, e -> new Replies.State(null, null, e));
    }

    @Funq
    public Replies.History history(JsonNode request) {
        return answer(request, Requests.History.class, Requests.History::tenant, operations::history,
                e -> new Replies.History(null, null, e));
    }

    @Funq
    public Replies.Step resume(JsonNode request) {
        return answer(request, Requests.Resume.class, Requests.Resume::tenant, operations::resume, e -> new Replies.Step(null, null, null, e));
    }

    @Funq
    public Replies.Step fork(JsonNode request) {
        return answer(request, Requests.Fork.class, Requests.Fork::tenant, operations::fork, e -> new Replies.Step(null, null, null, e));
    }

    @Funq
    public Replies.Step rewind(JsonNode request) {
        return answer(request, Requests.Rewind.class, Requests.Rewind::tenant, operations::rewind, e -> new Replies.Step(null, null, null, e));
    }

    @Funq
    public Replies.Step update(JsonNode request) {
        return answer(request, Requests.Update.class, Requests.Update::tenant, operations::update, e -> new Replies.Step(null, null, null, e));
    }

    @Funq
    public Replies.Export export(JsonNode request) {
        return answer(request, Requests.Export.class, Requests.Export::tenant, operations::export, e -> new Replies.Export(null, null, e));
    }

    @Funq
    public Replies.Replay replay(JsonNode request) {
        return answer(request, Requests.Replay.class, Requests.Replay::tenant, operations::replay, e -> new Replies.Replay(null, e));
    }

    @Funq
    public Replies.Delete delete(JsonNode request) {
        return answer(request, Requests.Delete.class, Requests.Delete::tenant, operations::delete, e -> new Replies.Delete(null, null, null, e));
    }

    @Funq("memory-search")
    public Replies.MemorySearch memorySearch(JsonNode request) {
        return answer(request, Requests.MemorySearch.class, Requests.MemorySearch::tenant, operations::memorySearch,
                e -> new Replies.MemorySearch(null, e));
    }

    @Funq("memory-put")
    public Replies.MemoryPut memoryPut(JsonNode request) {
        return answer(request, Requests.MemoryPut.class, Requests.MemoryPut::tenant, operations::memoryPut,
                e -> new Replies.MemoryPut(null, null, e));
    }

    @Funq("memory-delete")
    public Replies.MemoryDelete memoryDelete(JsonNode request) {
        return answer(request, Requests.MemoryDelete.class, Requests.MemoryDelete::tenant, operations::memoryDelete,
                e -> new Replies.MemoryDelete(null, e));
    }

    @Funq("memory-history")
    public Replies.MemoryHistory memoryHistory(JsonNode request) {
        return answer(request, Requests.MemoryHistory.class, Requests.MemoryHistory::tenant, memoryLifecycle::history,
                e -> new Replies.MemoryHistory(null, null, e));
    }

    @Funq("memory-forget")
    public Replies.MemoryForget memoryForget(JsonNode request) {
        return answer(request, Requests.MemoryForget.class, Requests.MemoryForget::tenant, memoryLifecycle::forget,
                e -> new Replies.MemoryForget(null, null, null, null, e));
    }

    @Funq
    public Replies.Start start(JsonNode request) {
        return answer(request, Requests.Start.class, Requests.Start::tenant, operations::start, e -> new Replies.Start(null, null, null, e));
    }

    @Funq
    public Replies.Cancel cancel(JsonNode request) {
        return answer(request, Requests.Cancel.class, Requests.Cancel::tenant, operations::cancel, e -> new Replies.Cancel(null, e));
    }

    @Funq
    public Replies.Threads threads(JsonNode request) {
        return answer(request, Requests.Threads.class, Requests.Threads::tenant, operations::threads, e -> new Replies.Threads(null, null, e));
    }

    @Funq
    public Replies.Tag tag(JsonNode request) {
        return answer(request, Requests.Tag.class, Requests.Tag::tenant, operations::tag, e -> new Replies.Tag(null, null, e));
    }

    private <R, A> A answer(JsonNode json, Class<R> type, Function<R, String> tenant, BiFunction<Caller, R, A> operation,
                            Function<ErrorBody, A> onError) {
        try {
            R request = RequestReader.read(json, type);
            return operation.apply(callers.direct(tenant.apply(request)), request);
        } catch (ThreadlineException e) {
            return onError.apply(ErrorBody.of(e));
        } catch (RuntimeException e) {
            LOG.error("unexpected failure of a direct invocation", e);
            return onError.apply(ErrorBody.of(ErrorCode.INTERNAL, "internal error; it has been logged"));
        }
    }
}
