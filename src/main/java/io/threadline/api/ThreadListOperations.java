package io.threadline.api;

import com.fasterxml.jackson.databind.JsonNode;
import io.threadline.ErrorCode;
import io.threadline.ThreadlineException;
import io.threadline.checkpoint.ThreadKey;
import io.threadline.checkpoint.ThreadPage;
import io.threadline.checkpoint.ThreadQuery;
import io.threadline.checkpoint.ThreadTags;
import io.threadline.runtime.ThreadRuntime;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;

import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;

/** The operations on the caller's threads as a whole: {@code threads} (listing), {@code tag} and {@code delete}. */
@ApplicationScoped
public class ThreadListOperations {

    @Inject
    OperationSupport support;

    @Inject
    ThreadDeletes deletes;

    /** The caller's threads, newest activity first (CheckpointStore#threads). */
    public Replies.Threads threads(Caller caller, Requests.Threads r) {
        ThreadQuery query = new ThreadQuery(r.limit() == null ? ThreadQuery.DEFAULT_LIMIT : r.limit(), r.cursor(), r.agent(),
                statuses(r.status()), RequestReader.instant(r.updatedSince(), "updatedSince"),
                RequestReader.instant(r.updatedBefore(), "updatedBefore"), r.tags());
        ThreadPage page = support.store().threads(caller.tenant(), query);
        return new Replies.Threads(page.threads().stream().map(Replies.ThreadEntry::of).toList(), page.nextCursor(), null);
    }

    /** Changes a thread's tags (CheckpointStore#retag): bad tags or an unknown thread change nothing. */
    public Replies.Tag tag(Caller caller, Requests.Tag r) {
        ThreadKey thread = caller.thread(r.threadId());
        if ((r.set() == null || r.set().isEmpty()) && (r.remove() == null || r.remove().isEmpty())) {
            throw new ThreadlineException(ErrorCode.INVALID_INPUT, "tag needs set (tags to put) or remove (keys to take away)",
                    Map.of("field", "set"));
        }
        ThreadTags after = support.store().retag(thread, r.set() == null ? Map.of() : r.set(), r.remove() == null ? List.of() : r.remove());
        return new Replies.Tag(thread.threadId(), after.values(), null);
    }

    /**
     * Deletes the caller's thread, the memories derived from it and its background run ({@link ThreadDeletes}). The tenant is the caller's, so another
     * tenant's thread of the same id is out of reach; a thread of another agent than the one named is refused
     * ({@code AGENT_MISMATCH}) before anything is deleted.
     */
    public Replies.Delete delete(Caller caller, Requests.Delete r) {
        ThreadRuntime<?> runtime = support.runtime(r.agent());
        return deletes.delete(runtime, caller.thread(r.threadId()));
    }

    private static Set<String> statuses(JsonNode status) {
        if (status == null || status.isNull()) {
            return Set.of();
        }
        Set<String> out = new TreeSet<>();
        if (status.isTextual()) {
            out.add(status.asText());
        } else if (status.isArray()) {
            for (JsonNode s : status) {
                if (!s.isTextual()) {
                    throw new ThreadlineException(ErrorCode.INVALID_INPUT, "status is a status name or a list of them", Map.of("field", "status"));
                }
                out.add(s.asText());
            }
        } else {
            throw new ThreadlineException(ErrorCode.INVALID_INPUT, "status is a status name or a list of them", Map.of("field", "status"));
        }
        return out;
    }

}
