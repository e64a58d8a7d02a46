package io.threadline.memory;

import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * One long-term memory as stored.
 *
 * @param id               stable id (deterministic when written by a step, so a retried write is the same write)
 * @param tenant           the owner; every read and search is scoped to it
 * @param namespace        a path such as {@code users/42/preferences}
 * @param content          the remembered text
 * @param embedding        its vector (unit length); empty in a search hit, which does not carry it (read the memory
 *                         with {@link MemoryStore#get} for it): a search answers with scores, not vectors
 * @param kind             e.g. {@code fact}, {@code preference}, {@code episode}
 * @param importance       0 to 1; weighs in search scores and survives pruning first
 * @param createdAt        first written
 * @param accessedAt       last written, merged or returned by a search (to within {@link MemorySettings#touchAfter()})
 * @param expiresAt        when it stops being returned and may be pruned; {@code null} = never
 * @param sourceThread     the thread whose step wrote it, if any
 * @param sourceCheckpoint that step's checkpoint, if any
 * @param sourceStep       that step's number, if any
 * @param sourceNode       the node that remembered it, if any
 * @param derivedFrom      {@code input} or {@code effect:<seq>} (an effect recorded in that checkpoint), if known
 * @param contentHash      SHA-256 of the content, for exact-duplicate checks
 * @param metadata         small string facts to filter on
 * @param validFrom        when the remembered fact starts to hold, {@code null} = always held (distinct from
 *                         {@code createdAt}, when it was recorded); to the millisecond
 * @param validTo          when it stops holding (exclusive), {@code null} = still holds; to the millisecond
 * @param supersededAt     when a correction replaced it, {@code null} = current; a superseded memory stays for audit
 *                         ({@link MemoryStore#history}) and "as of" searches, and is no longer recalled
 * @param supersededBy     the id of the memory that superseded it, {@code null} = current
 * @param supersedes       the ids of the memories this one corrected (empty when none)
 */
public record MemoryRecord(
        String id,
        String tenant,
        String namespace,
        String content,
        float[] embedding,
        String kind,
        double importance,
        Instant createdAt,
        Instant accessedAt,
        Instant expiresAt,
        String sourceThread,
        String sourceCheckpoint,
        Long sourceStep,
        String sourceNode,
        String derivedFrom,
        String contentHash,
        Map<String, String> metadata,
        Instant validFrom,
        Instant validTo,
        Instant supersededAt,
        String supersededBy,
        List<String> supersedes) {

    /** A current record without a validity period (as stored before corrections existed). */
    public MemoryRecord(String id, String tenant, String namespace, String content, float[] embedding, String kind, double importance,
                        Instant createdAt, Instant accessedAt, Instant expiresAt, String sourceThread, String sourceCheckpoint,
                        Long sourceStep, String sourceNode, String derivedFrom, String contentHash, Map<String, String> metadata) {
        this(id, tenant, namespace, content, embedding, kind, importance, createdAt, accessedAt, expiresAt, sourceThread, sourceCheckpoint,
                sourceStep, sourceNode, derivedFrom, contentHash, metadata, null, null, null, null, List.of());
    }

    /** A record without step provenance (written by an API caller). */
    public MemoryRecord(String id, String tenant, String namespace, String content, float[] embedding, String kind, double importance,
                        Instant createdAt, Instant accessedAt, Instant expiresAt, String sourceThread, String sourceCheckpoint,
                        String contentHash, Map<String, String> metadata) {
        this(id, tenant, namespace, content, embedding, kind, importance, createdAt, accessedAt, expiresAt, sourceThread, sourceCheckpoint,
                null, null, null, contentHash, metadata);
    }

    public MemoryRecord {
        Objects.requireNonNull(id, "id");
        Objects.requireNonNull(tenant, "tenant");
        Objects.requireNonNull(namespace, "namespace");
        Objects.requireNonNull(content, "content");
        Objects.requireNonNull(embedding, "embedding");
        metadata = metadata == null ? Map.of() : Map.copyOf(metadata);
        supersedes = supersedes == null ? List.of() : List.copyOf(supersedes);
    }

    /** This memory with its access time moved to {@code at}. */
    public MemoryRecord accessed(Instant at) {
        return new MemoryRecord(id, tenant, namespace, content, embedding, kind, importance, createdAt, at, expiresAt, sourceThread,
                sourceCheckpoint, sourceStep, sourceNode, derivedFrom, contentHash, metadata, validFrom, validTo, supersededAt, supersededBy,
                supersedes);
    }

    /**
     * This memory superseded by memory {@code by} at {@code at} (to the millisecond, as every store keeps it). A
     * memory already superseded by {@code by} stays as it is, so applying a correction again changes nothing.
     */
    public MemoryRecord supersededBy(String by, Instant at) {
        if (by.equals(supersededBy)) {
            return this;
        }
        return new MemoryRecord(id, tenant, namespace, content, embedding, kind, importance, createdAt, accessedAt, expiresAt, sourceThread,
                sourceCheckpoint, sourceStep, sourceNode, derivedFrom, contentHash, metadata, validFrom, validTo,
                at.truncatedTo(ChronoUnit.MILLIS), by, supersedes);
    }

    /** This memory (a replacement of a stored one) keeping the stored one's supersession: a replay never revives it. */
    public MemoryRecord keepingSupersessionOf(MemoryRecord stored) {
        return new MemoryRecord(id, tenant, namespace, content, embedding, kind, importance, createdAt, accessedAt, expiresAt, sourceThread,
                sourceCheckpoint, sourceStep, sourceNode, derivedFrom, contentHash, metadata, validFrom, validTo, stored.supersededAt,
                stored.supersededBy, supersedes);
    }

    /** This memory without its vector, as a search hit shows it. */
    public MemoryRecord withoutEmbedding() {
        return embedding.length == 0 ? this : new MemoryRecord(id, tenant, namespace, content, NO_EMBEDDING, kind, importance, createdAt,
                accessedAt, expiresAt, sourceThread, sourceCheckpoint, sourceStep, sourceNode, derivedFrom, contentHash, metadata, validFrom,
                validTo, supersededAt, supersededBy, supersedes);
    }

    /** The embedding of a search hit: none. */
    public static final float[] NO_EMBEDDING = new float[0];

    public boolean expiredAt(Instant now) {
        return expiresAt != null && !expiresAt.isAfter(now);
    }

    /** Not superseded at {@code at}: recalled by default. */
    public boolean currentAt(Instant at) {
        return supersededAt == null || supersededAt.isAfter(at);
    }

    /** What the store believed at {@code at}: recorded by then, not yet superseded, not yet expired. */
    public boolean believedAt(Instant at) {
        return !createdAt.isAfter(at) && currentAt(at) && !expiredAt(at);
    }

    /** Whether its fact holds at {@code at}: {@code validFrom ≤ at < validTo}, an absent bound being open. */
    public boolean holdsAt(Instant at) {
        return (validFrom == null || !validFrom.isAfter(at)) && (validTo == null || validTo.isAfter(at));
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof MemoryRecord r && id.equals(r.id) && tenant.equals(r.tenant) && namespace.equals(r.namespace)
                && content.equals(r.content) && Arrays.equals(embedding, r.embedding) && Objects.equals(kind, r.kind)
                && importance == r.importance && Objects.equals(createdAt, r.createdAt) && Objects.equals(accessedAt, r.accessedAt)
                && Objects.equals(expiresAt, r.expiresAt) && Objects.equals(sourceThread, r.sourceThread)
                && Objects.equals(sourceCheckpoint, r.sourceCheckpoint) && Objects.equals(sourceStep, r.sourceStep)
                && Objects.equals(sourceNode, r.sourceNode) && Objects.equals(derivedFrom, r.derivedFrom)
                && Objects.equals(contentHash, r.contentHash)
                && metadata.equals(r.metadata) && Objects.equals(validFrom, r.validFrom) && Objects.equals(validTo, r.validTo)
                && Objects.equals(supersededAt, r.supersededAt) && Objects.equals(supersededBy, r.supersededBy)
                && supersedes.equals(r.supersedes);
    }

    @Override
    public int hashCode() {
        return Objects.hash(id, tenant, namespace, content);
    }

    @Override
    public String toString() {
        return "MemoryRecord[" + tenant + ":" + namespace + "/" + id + " '" + content + "']";
    }
}
