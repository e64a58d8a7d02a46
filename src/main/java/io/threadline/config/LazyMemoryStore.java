package io.threadline.config;

import io.threadline.memory.MemoryForgetReport;
import io.threadline.memory.MemoryHit;
import io.threadline.memory.MemoryPruneReport;
import io.threadline.memory.MemoryQuery;
import io.threadline.memory.MemoryRecord;
import io.threadline.memory.MemoryStore;
import io.threadline.memory.MemoryWrite;
import io.threadline.memory.PutResult;

import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.Supplier;

/**
 * A memory store built on its first call, not when the runtime that holds it is constructed: the runtime
 * is built during a Lambda function's init (a SnapStart snapshot), where creating the index client,
 * loading an embedding model or asking OpenSearch whether the index exists would be work — and a
 * connection — every cold start pays, whether or not it ever recalls. A build that fails (OpenSearch
 * unreachable: {@code DEPENDENCY_UNAVAILABLE}) is not kept: the next call tries again.
 */
final class LazyMemoryStore implements MemoryStore {

    private final Supplier<MemoryStore> build;
    private final Settled<MemoryStore> store = new Settled<>();

    LazyMemoryStore(Supplier<MemoryStore> build) {
        this.build = build;
    }

    private MemoryStore store() {
        return store.get(build);
    }

    @Override
    public PutResult put(MemoryWrite write, Instant now) {
        return store().put(write, now);
    }

    @Override
    public List<PutResult> putAll(List<MemoryWrite> writes, Instant now) {
        return store().putAll(writes, now);
    }

    @Override
    public Optional<MemoryRecord> get(String tenant, String id) {
        return store().get(tenant, id);
    }

    @Override
    public List<MemoryHit> search(MemoryQuery query, Instant now) {
        return store().search(query, now);
    }

    @Override
    public boolean delete(String tenant, String id) {
        return store().delete(tenant, id);
    }

    @Override
    public MemoryPruneReport prune(String tenant, int maxPerNamespace, Instant now) {
        return store().prune(tenant, maxPerNamespace, now);
    }

    @Override
    public MemoryForgetReport forgetThread(String tenant, String threadId) {
        return store().forgetThread(tenant, threadId);
    }

    @Override
    public MemoryForgetReport forgetWhere(String tenant, Map<String, String> entries) {
        return store().forgetWhere(tenant, entries);
    }
}
