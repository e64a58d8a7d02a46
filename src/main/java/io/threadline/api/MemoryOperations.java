package io.threadline.api;

import io.threadline.ErrorCode;
import io.threadline.ThreadlineException;
import io.threadline.config.MemoryStores;
import io.threadline.memory.MemoryHit;
import io.threadline.memory.MemoryQuery;
import io.threadline.memory.MemoryStore;
import io.threadline.memory.MemoryWrite;
import io.threadline.memory.PutResult;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;

import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/** The operations on the caller's long-term memory: {@code memory-search}, {@code memory-put}, {@code memory-delete}. */
@ApplicationScoped
public class MemoryOperations {

    @Inject
    MemoryStores memoryStores;

    @Inject
    Clock clock;

    public Replies.MemorySearch memorySearch(Caller caller, Requests.MemorySearch r) {
        MemoryQuery query = new MemoryQuery(caller.tenant(),
                RequestReader.required(r.query(), "query"), null, r.k() == null ? 10 : r.k(), r.namespace(),
                r.filters(), r.minScore() == null ? 0 : r.minScore());
        query = MemoryLifecycle.inTime(query, r);
        List<Replies.Memory> memories = new ArrayList<>();
        for (MemoryHit hit : memory().search(query, clock.instant())) {
            memories.add(Replies.Memory.of(hit));
        }
        return new Replies.MemorySearch(memories, null);
    }

    public Replies.MemoryPut memoryPut(Caller caller, Requests.MemoryPut r) {
        if (r.ttlSeconds() != null && r.ttlSeconds() <= 0) {
            throw new ThreadlineException(ErrorCode.INVALID_INPUT, "ttlSeconds must be positive", Map.of("field", "ttlSeconds"));
        }
        MemoryWrite write = new MemoryWrite(r.id(), caller.tenant(),
                RequestReader.required(r.namespace(), "namespace"), RequestReader.required(r.content(), "content"),
                r.kind() == null ? "fact" : r.kind(), r.importance() == null ? 0.5 : r.importance(),
                r.ttlSeconds() == null ? null : Duration.ofSeconds(r.ttlSeconds()), null, null, r.metadata());
        write = MemoryLifecycle.inTime(write, r);
        PutResult result = memory().put(write, clock.instant());
        return new Replies.MemoryPut(Replies.Memory.of(result.memory()), result.merged(), null);
    }

    public Replies.MemoryDelete memoryDelete(Caller caller, Requests.MemoryDelete r) {
        String id = RequestReader.required(r.id(), "id");
        return new Replies.MemoryDelete(memory().delete(caller.tenant(), id), null);
    }

    /** The configured memory store; a deployment without one refuses memory operations plainly. */
    private MemoryStore memory() {
        return memoryStores.required();
    }
}
