package io.threadline.api;

import com.fasterxml.jackson.databind.JsonNode;
import io.quarkus.funqy.Funq;
import io.threadline.ErrorCode;
import io.threadline.ThreadlineException;
import io.threadline.telemetry.Traced;
import jakarta.inject.Inject;
import org.jboss.logging.Logger;

import java.util.function.Function;

/**
 * The operations as Funqy functions for direct Lambda invocation: one deployed function per
 * operation, chosen by {@code QUARKUS_FUNQY_EXPORT}. IAM authorizes the caller and the payload
 * names the tenant. Errors are answered as the result, {@code {"error": {…}}}, never thrown.
 */
@Traced
public class ThreadFunctions {

    private static final Logger LOG = Logger.getLogger(ThreadFunctions.class);

    @Inject
    Operations operations;

    @Inject
    Callers callers;

    @Funq
    public Replies.Step step(JsonNode request) {
        return answer("step", request, Replies.Step::failed);
    }

    @Funq
    public Replies.Run run(JsonNode request) {
        return answer("run", request, Replies.Run::failed);
    }

    @Funq
    public Replies.State state(JsonNode request) {
        return answer("state", request, e -> new Replies.State(null, null, e));
    }

    @Funq
    public Replies.History history(JsonNode request) {
        return answer("history", request, e -> new Replies.History(null, null, e));
    }

    @Funq
    public Replies.Step resume(JsonNode request) {
        return answer("resume", request, Replies.Step::failed);
    }

    @Funq
    public Replies.Step fork(JsonNode request) {
        return answer("fork", request, Replies.Step::failed);
    }

    @Funq
    public Replies.Step rewind(JsonNode request) {
        return answer("rewind", request, Replies.Step::failed);
    }

    @Funq
    public Replies.Step update(JsonNode request) {
        return answer("update", request, Replies.Step::failed);
    }

    @Funq
    public Replies.Export export(JsonNode request) {
        return answer("export", request, e -> new Replies.Export(null, null, e));
    }

    @Funq
    public Replies.Replay replay(JsonNode request) {
        return answer("replay", request, e -> new Replies.Replay(null, e));
    }

    @Funq
    public Replies.Delete delete(JsonNode request) {
        return answer("delete", request, e -> new Replies.Delete(null, null, null, e));
    }

    @Funq("memory-search")
    public Replies.MemorySearch memorySearch(JsonNode request) {
        return answer("memory-search", request, e -> new Replies.MemorySearch(null, e));
    }

    @Funq("memory-put")
    public Replies.MemoryPut memoryPut(JsonNode request) {
        return answer("memory-put", request, e -> new Replies.MemoryPut(null, null, e));
    }

    @Funq
    public EraseOperation.Reply erase(JsonNode request) {
        return answer("erase", request, EraseOperation.Reply::failed);
    }

    @Funq("memory-delete")
    public Replies.MemoryDelete memoryDelete(JsonNode request) {
        return answer("memory-delete", request, e -> new Replies.MemoryDelete(null, e));
    }

    @Funq("memory-history")
    public Replies.MemoryHistory memoryHistory(JsonNode request) {
        return answer("memory-history", request, e -> new Replies.MemoryHistory(null, null, e));
    }

    @Funq("memory-forget")
    public Replies.MemoryForget memoryForget(JsonNode request) {
        return answer("memory-forget", request, Replies.MemoryForget::failed);
    }

    @Funq
    public Replies.Start start(JsonNode request) {
        return answer("start", request, e -> new Replies.Start(null, null, null, e));
    }

    @Funq
    public Replies.Cancel cancel(JsonNode request) {
        return answer("cancel", request, e -> new Replies.Cancel(null, e));
    }

    @Funq("run-status")
    public Replies.RunStatus runStatus(JsonNode request) {
        return answer("run-status", request, e -> new Replies.RunStatus(null, e));
    }

    @Funq
    public Replies.Threads threads(JsonNode request) {
        return answer("threads", request, e -> new Replies.Threads(null, null, e));
    }

    @Funq
    public Replies.Tag tag(JsonNode request) {
        return answer("tag", request, e -> new Replies.Tag(null, null, e));
    }

    @Funq("migration-dry-run")
    public Replies.MigrationDryRun migrationDryRun(JsonNode request) {
        return answer("migration-dry-run", request, Replies.MigrationDryRun::failed);
    }

    /**
     * Operation {@code name} through the one handler table, as every entry path runs it; its reply is of the type the
     * function declares ({@code A}), its failure an {@code A} carrying the error.
     */
    @SuppressWarnings("unchecked")
    private <A> A answer(String name, JsonNode json, Function<ErrorBody, A> onError) {
        try {
            return (A) operations.handle(name, json, callers::direct);
        } catch (ThreadlineException e) {
            return onError.apply(ErrorBody.of(e));
        } catch (RuntimeException e) {
            LOG.error("unexpected failure of a direct invocation", e);
            return onError.apply(ErrorBody.of(ErrorCode.INTERNAL, "internal error; it has been logged"));
        }
    }
}
