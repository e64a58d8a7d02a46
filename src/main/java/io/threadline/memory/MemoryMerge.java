package io.threadline.memory;

import java.util.ArrayList;
import java.util.Collection;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.time.Instant;
import java.util.Objects;

/** The rules every store shares: what a new record holds, how a near-duplicate merges, who goes over the cap. */
public final class MemoryMerge {

    private MemoryMerge() {
    }

    public static MemoryRecord newRecord(String id, MemoryWrite w, float[] vector, Instant createdAt, Instant now) {
        return new MemoryRecord(id, w.tenant(), w.namespace(), w.content(), vector, w.kind(), w.importance(), createdAt, now,
                w.ttl() == null ? null : now.plus(w.ttl()), w.sourceThread(), w.sourceCheckpoint(), w.sourceStep(), w.sourceNode(),
                w.derivedFrom(), Embeddings.sha256(w.content()), w.metadata(), w.validFrom(), w.validTo(), null, null, w.supersedes());
    }

    /** Whether a write may merge into {@code existing}: same validity, and a correction never merges (it is its own memory). */
    public static boolean mergeable(MemoryRecord existing, MemoryWrite w) {
        return w.supersedes().isEmpty() && Objects.equals(existing.validFrom(), w.validFrom())
                && Objects.equals(existing.validTo(), w.validTo());
    }

    /**
     * The existing memory keeps its content; it gains the larger importance, access now, and the write's metadata
     * (within {@link MemoryLimits#merged the limit of entries}).
     */
    public static MemoryRecord merge(MemoryRecord existing, MemoryWrite w, Instant now, MemoryLimits limits) {
        Map<String, String> metadata = limits.merged(existing.metadata(), w.metadata());
        Instant expires = existing.expiresAt() == null || w.ttl() == null ? null
                : later(existing.expiresAt(), now.plus(w.ttl()));
        return new MemoryRecord(existing.id(), existing.tenant(), existing.namespace(), existing.content(), existing.embedding(),
                existing.kind(), Math.max(existing.importance(), w.importance()), existing.createdAt(), now, expires,
                existing.sourceThread(), existing.sourceCheckpoint(), existing.sourceStep(), existing.sourceNode(), existing.derivedFrom(),
                existing.contentHash(), metadata, existing.validFrom(), existing.validTo(), existing.supersededAt(), existing.supersededBy(),
                existing.supersedes());
    }

    /**
     * Folds a near-duplicate that two concurrent writes both added into the one kept: the same rule as
     * {@link #merge}, with {@code gone} in the role of the write — the larger importance, the later access and
     * expiry (none if either has none), the metadata of both ({@code gone}'s wins on a shared key; within
     * {@link MemoryLimits#merged the limit of entries}). Idempotent, so a fold retried after a conflict gives the
     * same record.
     */
    public static MemoryRecord fold(MemoryRecord kept, MemoryRecord gone, MemoryLimits limits) {
        Map<String, String> metadata = limits.merged(kept.metadata(), gone.metadata());
        Instant expires = kept.expiresAt() == null || gone.expiresAt() == null ? null : later(kept.expiresAt(), gone.expiresAt());
        return new MemoryRecord(kept.id(), kept.tenant(), kept.namespace(), kept.content(), kept.embedding(), kept.kind(),
                Math.max(kept.importance(), gone.importance()), kept.createdAt(), later(kept.accessedAt(), gone.accessedAt()), expires,
                kept.sourceThread(), kept.sourceCheckpoint(), kept.sourceStep(), kept.sourceNode(), kept.derivedFrom(), kept.contentHash(),
                metadata, kept.validFrom(), kept.validTo(), kept.supersededAt(), kept.supersededBy(), kept.supersedes());
    }

    /** Which of two near-duplicates is kept when concurrent writes added both: the older, then the smaller id. */
    public static final Comparator<MemoryRecord> KEPT_FIRST = Comparator.comparing(MemoryRecord::createdAt)
            .thenComparing(MemoryRecord::id);

    private static Instant later(Instant a, Instant b) {
        return a.isAfter(b) ? a : b;
    }

    /** Per namespace, the ids beyond {@code max}, least important (then least recently accessed) first to go. */
    public static List<String> overCap(Collection<MemoryRecord> records, int max) {
        Map<String, List<MemoryRecord>> byNamespace = new LinkedHashMap<>();
        for (MemoryRecord r : records) {
            byNamespace.computeIfAbsent(r.namespace(), k -> new ArrayList<>()).add(r);
        }
        List<String> out = new ArrayList<>();
        for (List<MemoryRecord> group : byNamespace.values()) {
            if (group.size() <= max) {
                continue;
            }
            group.sort(Comparator.comparingDouble(MemoryRecord::importance).reversed()
                    .thenComparing(MemoryRecord::accessedAt, Comparator.reverseOrder())
                    .thenComparing(MemoryRecord::id));
            for (MemoryRecord r : group.subList(max, group.size())) {
                out.add(r.id());
            }
        }
        return out;
    }
}
