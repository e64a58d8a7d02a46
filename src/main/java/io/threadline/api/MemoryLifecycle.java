package io.threadline.api;

import io.threadline.ErrorCode;
import io.threadline.ThreadlineException;
import io.threadline.config.MemoryStores;
import io.threadline.memory.MemoryForgetReport;
import io.threadline.memory.MemoryQuery;
import io.threadline.memory.MemoryRecord;
import io.threadline.memory.MemoryStore;
import io.threadline.memory.MemoryWrite;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;

import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * The memory operations about a memory's life in time: its chain of corrections ({@code memory-history}), and the
 * time options of {@code memory-put} (what it supersedes, when its fact holds) and {@code memory-search} ("as of",
 * "valid at"). The tenant is always the caller's.
 */
@ApplicationScoped
public class MemoryLifecycle {

    @Inject
    MemoryStores memoryStores;

    public Replies.MemoryHistory history(Caller caller, Requests.MemoryHistory r) {
        String id = RequestReader.required(r.id(), "id");
        List<Replies.Memory> memories = new ArrayList<>();
        for (MemoryRecord m : memoryStores.required().history(caller.tenant(), id)) {
            memories.add(Replies.Memory.of(m));
        }
        return new Replies.MemoryHistory(id, memories, null);
    }

    /**
     * Most ids a forget answer lists (in id order); {@code removed} counts them all. A tenant's memories of one
     * subject can be many, and an answer must stay within {@code threadline.api.max-response-bytes}: 1,000 ids of at
     * most 128 characters are under 135 KB.
     */
    static final int MAX_REPORTED_IDS = 1_000;

    /** Forgets the memories a thread's steps wrote, or those whose metadata holds every entry given: exactly one of the two. */
    public Replies.MemoryForget forget(Caller caller, Requests.MemoryForget r) {
        boolean byThread = r.threadId() != null;
        if (byThread == (r.metadata() != null)) {
            throw new ThreadlineException(ErrorCode.INVALID_INPUT, "memory-forget takes either threadId (the memories a thread's steps "
                    + "wrote) or metadata (those carrying every entry, e.g. {\"user\":\"42\"}), not both or neither",
                    Map.of("field", "threadId"));
        }
        MemoryStore store = memoryStores.required();
        MemoryForgetReport report = byThread ? store.forgetThread(caller.tenant(), r.threadId())
                : store.forgetWhere(caller.tenant(), r.metadata());
        List<String> ids = report.ids();
        return new Replies.MemoryForget(report.selection(), report.removed(), ids.subList(0, Math.min(ids.size(), MAX_REPORTED_IDS)),
                ids.size() > MAX_REPORTED_IDS ? Boolean.TRUE : null, null);
    }

    /** {@code write} with memory-put's corrections and validity. */
    static MemoryWrite inTime(MemoryWrite write, Requests.MemoryPut r) {
        MemoryWrite out = r.supersedes() == null ? write : write.superseding(r.supersedes());
        Instant from = RequestReader.instant(r.validFrom(), "validFrom");
        Instant to = RequestReader.instant(r.validTo(), "validTo");
        return from == null && to == null ? out : out.validDuring(from, to);
    }

    /** {@code query} with memory-search's "as of" and "valid at". */
    static MemoryQuery inTime(MemoryQuery query, Requests.MemorySearch r) {
        Instant asOf = RequestReader.instant(r.asOf(), "asOf");
        Instant validAt = RequestReader.instant(r.validAt(), "validAt");
        return query.asOf(asOf).validAt(validAt);
    }

}
