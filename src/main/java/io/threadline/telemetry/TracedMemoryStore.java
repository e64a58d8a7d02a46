package io.threadline.telemetry;

import io.opentelemetry.api.common.Attributes;
import io.opentelemetry.api.trace.Tracer;
import io.opentelemetry.context.Context;
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

/**
 * A {@link MemoryStore} that puts each call in a span ({@code memory.search}, {@code memory.put} — the
 * outbox's remember writes go through it — {@code memory.prune}, …) and counts writes per namespace,
 * merges, and what pruning removed. Contents, queries and embeddings are never recorded.
 */
final class TracedMemoryStore extends TracedStore<MemoryStore> implements MemoryStore {

    TracedMemoryStore(MemoryStore store, Tracer tracer, StepMetrics metrics) {
        super(store, tracer, metrics, "memory", "OpenSearch", "opensearch");
    }

    @Override
    public PutResult put(MemoryWrite write, Instant now) {
        return traced("put", span -> {
            span.setAttribute(TelemetryKeys.MEMORY_NAMESPACE, write.namespace());
            PutResult result = store.put(write, now);
            span.setAttribute(TelemetryKeys.MEMORY_MERGED, result.merged());
            count(write, result);
            return result;
        });
    }

    /**
     * A batch (the outbox's writes of one step) is one {@code memory.put} span, with the namespace when the writes share
     * one, merged when any merged, and how many writes; the metrics count each write as {@link #put} does.
     */
    @Override
    public List<PutResult> putAll(List<MemoryWrite> writes, Instant now) {
        return traced("put", span -> {
            span.setAttribute(TelemetryKeys.MEMORY_WRITES, (long) (writes == null ? 0 : writes.size()));
            if (writes != null && !writes.isEmpty() && writes.stream().allMatch(w -> w != null && w.namespace().equals(writes.get(0).namespace()))) {
                span.setAttribute(TelemetryKeys.MEMORY_NAMESPACE, writes.get(0).namespace());
            }
            List<PutResult> results = store.putAll(writes, now);
            span.setAttribute(TelemetryKeys.MEMORY_MERGED, results.stream().anyMatch(PutResult::merged));
            for (int i = 0; i < results.size(); i++) {
                count(writes.get(i), results.get(i));
            }
            return results;
        });
    }

    private void count(MemoryWrite write, PutResult result) {
        Attributes ns = Attributes.of(TelemetryKeys.MEMORY_NAMESPACE, write.namespace());
        metrics.memoryWrites.add(1, ns);
        if (result.merged()) {
            metrics.memoriesMerged.add(1, ns);
        }
        StepStats stats = Context.current().get(StepStats.KEY);
        if (stats != null) {
            stats.memoryWrites++;
            if (result.merged()) {
                stats.memoriesMerged++;
            }
        }
    }

    @Override
    public Optional<MemoryRecord> get(String tenant, String id) {
        return traced("get", span -> store.get(tenant, id));
    }

    @Override
    public List<MemoryHit> search(MemoryQuery query, Instant now) {
        return traced("search", span -> {
            span.setAttribute(TelemetryKeys.MEMORY_K, (long) query.k());
            if (query.namespacePrefix() != null) {
                span.setAttribute(TelemetryKeys.MEMORY_NAMESPACE, query.namespacePrefix());
            }
            List<MemoryHit> hits = store.search(query, now);
            span.setAttribute(TelemetryKeys.MEMORY_HITS, (long) hits.size());
            return hits;
        });
    }

    @Override
    public boolean delete(String tenant, String id) {
        return traced("delete", span -> store.delete(tenant, id));
    }

    @Override
    public MemoryPruneReport prune(String tenant, int maxPerNamespace, Instant now) {
        return traced("prune", span -> {
            MemoryPruneReport report = store.prune(tenant, maxPerNamespace, now);
            span.setAttribute(TelemetryKeys.MEMORY_EXPIRED, (long) report.expiredIds().size())
                    .setAttribute(TelemetryKeys.MEMORY_OVER_CAP, (long) report.overCapIds().size());
            metrics.memoriesExpired.add(report.expiredIds().size());
            metrics.memoriesPruned.add(report.overCapIds().size());
            return report;
        });
    }

    @Override
    public MemoryForgetReport forgetThread(String tenant, String threadId) {
        return traced("forget", span -> {
            MemoryForgetReport report = store.forgetThread(tenant, threadId);
            span.setAttribute(TelemetryKeys.MEMORY_FORGOTTEN, (long) report.removed());
            return report;
        });
    }

    @Override
    public MemoryForgetReport forgetWhere(String tenant, Map<String, String> entries) {
        return traced("forget", span -> {
            MemoryForgetReport report = store.forgetWhere(tenant, entries);
            span.setAttribute(TelemetryKeys.MEMORY_FORGOTTEN, (long) report.removed());
            return report;
        });
    }

    @Override
    public String toString() {
        return "traced " + store;
    }
}
