package io.threadline.memory;

import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;

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
            MemoryRecord existing = records.get(id);
            if (existing == null) {
                MemoryRecord near = nearest(records.values(), write.namespace(), vector, now);
                if (near != null) {
                    MemoryRecord merged = MemoryMerge.merge(near, write, now, settings.limits());
                    records.put(near.id(), merged);
                    return new PutResult(merged, true);
                }
            }
            MemoryRecord record = MemoryMerge.newRecord(id, write, vector, existing == null ? now : existing.createdAt(), now);
            records.put(id, record);
            return new PutResult(record, false);
        }
    }

    private MemoryRecord nearest(Iterable<MemoryRecord> records, String namespace, float[] vector, Instant now) {
        MemoryRecord best = null;
        double bestSimilarity = settings.mergeThreshold();
        for (MemoryRecord r : records) {
            if (r.namespace().equals(namespace) && !r.expiredAt(now)) {
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
                if (r.expiredAt(now) || !query.covers(r.namespace()) || !r.metadata().entrySet().containsAll(query.metadata().entrySet())) {
                    continue;
                }
                double similarity = Embeddings.cosine(r.embedding(), vector);
                double score = settings.scoring().score(similarity, r, now);
                if (score >= query.minScore()) {
                    hits.add(new MemoryHit(r, similarity, score));
                }
            }
            hits.sort(Comparator.comparingDouble(MemoryHit::score).reversed().thenComparing(h -> h.memory().id()));
            List<MemoryHit> top = List.copyOf(hits.subList(0, Math.min(query.k(), hits.size())));
            // Under the same lock as the ranking: no write can come between, so the touched record is the ranked one.
            for (MemoryHit hit : top) {
                if (settings.touches(hit.memory(), now)) {
                    records.put(hit.memory().id(), hit.memory().accessed(now));
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
    public long deleteBySourceThread(String tenant, String threadId) {
        Map<String, MemoryRecord> records = byTenant.get(tenant);
        if (records == null) {
            return 0;
        }
        synchronized (records) {
            int before = records.size();
            records.values().removeIf(r -> threadId.equals(r.sourceThread()));
            return before - records.size();
        }
    }

    @Override
    public MemoryPruneReport prune(String tenant, int maxPerNamespace, Instant now) {
        Map<String, MemoryRecord> records = tenant(tenant);
        synchronized (records) {
            List<String> expired = new ArrayList<>();
            for (MemoryRecord r : records.values()) {
                if (r.expiredAt(now)) {
                    expired.add(r.id());
                }
            }
            expired.forEach(records::remove);
            List<String> overCap = MemoryMerge.overCap(records.values(), maxPerNamespace);
            overCap.forEach(records::remove);
            return new MemoryPruneReport(expired, overCap);
        }
    }
}
