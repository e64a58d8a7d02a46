package io.threadline.memory;

import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Predicate;

/**
 * A {@link MemoryStore} in this process's memory with exact (brute-force) search, for unit tests of
 * the core and local runs. Passes the same contract as the OpenSearch store.
 */
public final class InMemoryMemoryStore implements MemoryStore {

    private final Embeddings embeddings;
    private final MemorySettings settings;
    private final Map<String, Map<String, MemoryRecord>> byTenant = new ConcurrentHashMap<>();

    public InMemoryMemoryStore(Embeddings embeddings, MemorySettings settings) {
        this.embeddings = embeddings;
        this.settings = settings;
    }

    private Map<String, MemoryRecord> tenant(String tenant) {
        return byTenant.computeIfAbsent(tenant, k -> new LinkedHashMap<>());
    }

    @Override
    public PutResult put(MemoryWrite write, Instant now) {
        settings.limits().check(write);
        float[] vector = embeddings.embed(write.content());
        String id = write.id() != null ? write.id() : Embeddings.defaultId(write);
        Map<String, MemoryRecord> records = tenant(write.tenant());
        synchronized (records) {
            List<MemoryRecord> superseded = new ArrayList<>();
            for (String old : write.supersedes()) {
                superseded.add(MemoryCorrections.requireSupersedable(id, old, Optional.ofNullable(records.get(old))));
            }
            MemoryRecord existing = records.get(id);
            if (existing == null) {
                MemoryRecord near = nearest(records.values(), write, vector, now);
                if (near != null) {
                    MemoryRecord merged = MemoryMerge.merge(near, write, now, settings.limits());
                    records.put(near.id(), merged);
                    return new PutResult(merged, true);
                }
            }
            MemoryRecord record = MemoryMerge.newRecord(id, write, vector, existing == null ? now : existing.createdAt(), now);
            if (existing != null) {
                record = record.keepingSupersessionOf(existing);
            }
            records.put(id, record);
            for (MemoryRecord old : superseded) {
                records.put(old.id(), old.supersededBy(id, now));
            }
            return new PutResult(record, false);
        }
    }

    /** One put after another, once every write's limits are checked (nothing is written if one is refused). */
    @Override
    public List<PutResult> putAll(List<MemoryWrite> writes, Instant now) {
        MemoryWrite.requireBatch(writes).forEach(settings.limits()::check);
        return MemoryStore.super.putAll(writes, now);
    }

    private MemoryRecord nearest(Iterable<MemoryRecord> records, MemoryWrite write, float[] vector, Instant now) {
        MemoryRecord best = null;
        double bestSimilarity = settings.mergeThreshold();
        for (MemoryRecord r : records) {
            if (r.namespace().equals(write.namespace()) && !r.expiredAt(now) && r.currentAt(now) && MemoryMerge.mergeable(r, write)) {
                double similarity = Embeddings.cosine(r.embedding(), vector);
                if (similarity >= bestSimilarity) {
                    best = r;
                    bestSimilarity = similarity;
                }
            }
        }
        return best;
    }

    /** A tenant's records, without creating an entry for a tenant that has none. */
    private Map<String, MemoryRecord> existing(String tenant) {
        return byTenant.getOrDefault(tenant, Map.of());
    }

    @Override
    public Optional<MemoryRecord> get(String tenant, String id) {
        MemoryWrite.requireId(id);
        Map<String, MemoryRecord> records = existing(tenant);
        synchronized (records) {
            return Optional.ofNullable(records.get(id));
        }
    }

    @Override
    public List<MemoryHit> search(MemoryQuery query, Instant now) {
        settings.limits().check(query);
        float[] vector = query.vector() != null ? Embeddings.normalized(query.vector()) : embeddings.embed(query.text());
        List<MemoryHit> hits = new ArrayList<>();
        Map<String, MemoryRecord> records = existing(query.tenant());
        synchronized (records) {
            for (MemoryRecord r : records.values()) {
                if (!query.sees(r, now)) {
                    continue;
                }
                double similarity = Embeddings.cosine(r.embedding(), vector);
                double score = settings.scoring().score(similarity, r, now);
                if (score >= query.minScore()) {
                    hits.add(new MemoryHit(r.withoutEmbedding(), similarity, score));
                }
            }
            hits.sort(Comparator.comparingDouble(MemoryHit::score).reversed().thenComparing(h -> h.memory().id()));
            List<MemoryHit> top = List.copyOf(hits.subList(0, Math.min(query.k(), hits.size())));
            // Under the same lock as the ranking: no write can come between, so the touched record is the ranked one.
            for (MemoryHit hit : top) {
                if (settings.touches(hit.memory(), now)) {
                    records.put(hit.memory().id(), records.get(hit.memory().id()).accessed(now));
                }
            }
            return top;
        }
    }

    @Override
    public boolean delete(String tenant, String id) {
        MemoryWrite.requireId(id);
        Map<String, MemoryRecord> records = byTenant.get(tenant);
        if (records == null) {
            return false;
        }
        synchronized (records) {
            return records.remove(id) != null;
        }
    }

    @Override
    public MemoryPruneReport prune(String tenant, int maxPerNamespace, Instant now) {
        Map<String, MemoryRecord> records = tenant(tenant);
        synchronized (records) {
            List<String> expired = removeIf(records, r -> r.expiredAt(now));
            List<String> overCap = MemoryMerge.overCap(records.values().stream().filter(r -> r.currentAt(now)).toList(), maxPerNamespace);
            overCap.forEach(records::remove);
            return new MemoryPruneReport(expired, overCap);
        }
    }

    @Override
    public MemoryForgetReport forgetThread(String tenant, String threadId) {
        MemoryWrite.requireField(tenant, "tenant");
        MemoryWrite.requireField(threadId, "threadId");
        return new MemoryForgetReport(tenant, "thread=" + threadId, removeWhere(tenant, r -> threadId.equals(r.sourceThread())));
    }

    @Override
    public MemoryForgetReport forgetWhere(String tenant, Map<String, String> entries) {
        MemoryWrite.requireField(tenant, "tenant");
        MemoryWrite.requireSelection(entries);
        return new MemoryForgetReport(tenant, "metadata " + MemoryWrite.describe(entries),
                removeWhere(tenant, r -> r.metadata().entrySet().containsAll(entries.entrySet())));
    }

    private List<String> removeWhere(String tenant, Predicate<MemoryRecord> doomed) {
        Map<String, MemoryRecord> records = existing(tenant);
        synchronized (records) {
            List<String> ids = removeIf(records, doomed);
            ids.sort(Comparator.naturalOrder());
            return ids;
        }
    }

    /** Removes the records {@code doomed} picks (the caller holds the map's monitor); their ids, in the map's order. */
    private static List<String> removeIf(Map<String, MemoryRecord> records, Predicate<MemoryRecord> doomed) {
        List<String> ids = new ArrayList<>();
        for (MemoryRecord r : records.values()) {
            if (doomed.test(r)) {
                ids.add(r.id());
            }
        }
        ids.forEach(records::remove);
        return ids;
    }
}
