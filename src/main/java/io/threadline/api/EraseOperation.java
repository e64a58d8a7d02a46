package io.threadline.api;

import io.threadline.ErrorCode;
import io.threadline.ThreadlineException;
import io.threadline.checkpoint.CheckpointStore;
import io.threadline.checkpoint.ThreadKey;
import io.threadline.checkpoint.ThreadSummary;
import io.threadline.config.Agents;
import io.threadline.config.MemoryStores;
import io.threadline.runtime.ThreadRuntime;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;

import java.time.Clock;
import java.util.Base64;
import java.util.List;
import java.util.Map;

/**
 * The {@code erase} operation: a tenant erases one data subject ({@link SubjectErasure}). Each of the subject's threads
 * is deleted by the runtime of its agent (so that runtime's caches forget it), or in the store where no served agent
 * holds it; its background run with it ({@link ThreadDeletes}).
 */
@ApplicationScoped
public class EraseOperation {

    /** Erases the subject {@code subject} (one tag, {@code {"user": "42"}}) from the caller's tenant. */
    public record Request(String tenant, Map<String, String> subject) {}

    /** The signed report of one call ({@code complete: false}: call again to go on). */
    public record Reply(String tenant, String subjectKey, String subjectDigest, String erasedAt, Boolean complete,
                        Map<String, Long> removed, List<String> threadIds, List<String> memoryIds, String signature,
                        ErrorBody error) {

        static Reply of(SubjectErasure.Report r) {
            return new Reply(r.tenant(), r.subjectKey(), r.subjectDigest(), r.erasedAt(), r.complete(), r.removed(),
                    r.threadIds(), r.memoryIds(), r.signature(), null);
        }

        static Reply failed(ErrorBody error) {
            return new Reply(null, null, null, null, null, null, null, null, null, error);
        }
    }

    @Inject
    CheckpointStore store;

    @Inject
    MemoryStores memoryStores;

    @Inject
    Agents agents;

    @Inject
    ThreadDeletes deletes;

    @Inject
    EraseConfig config;

    @Inject
    Clock clock;

    public Reply erase(Caller caller, Request request) {
        SubjectErasure.subjectOf(request.subject());
        byte[] key;
        try {
            key = config.reportKey().map(k -> Base64.getDecoder().decode(k.trim())).orElse(null);
        } catch (IllegalArgumentException e) {
            key = null;
        }
        var memory = memoryStores.store().orElse(null);
        var fallback = SubjectErasure.storeDeleter(store, memory);
        SubjectErasure erasure = new SubjectErasure(store, memory, (tenant, listed) -> {
            ThreadRuntime<?> runtime = servedRuntime(listed);
            ThreadKey thread = ThreadKey.of(tenant, listed.threadId());
            return runtime == null ? deletes.withRun(thread, () -> fallback.apply(tenant, listed)) : deletes.delete(runtime, thread).removed();
        }, clock, new SubjectErasure.Settings(key, config.pageSize(), config.maxThreadsPerCall(), config.legacyTombstoneScan()));
        return Reply.of(erasure.erase(caller.tenant(), request.subject()));
    }

    private ThreadRuntime<?> servedRuntime(ThreadSummary listed) {
        if (listed.agent() == null) {
            return null;
        }
        try {
            return agents.runtime(listed.agent());
        } catch (ThreadlineException e) {
            if (e.code() == ErrorCode.AGENT_NOT_FOUND) {
                return null;  // an agent this deployment no longer serves: its thread is deleted in the store
            }
            throw e;
        }
    }
}
