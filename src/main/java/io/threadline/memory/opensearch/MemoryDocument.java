package io.threadline.memory.opensearch;

import io.threadline.memory.MemoryRecord;

import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * A memory as an OpenSearch document (times as ISO-8601 strings, as the date fields expect). The metadata is
 * kept twice: as the object it is, stored but not indexed (so its keys never become fields of the index), and
 * as {@code metadataTerms}, one {@code key=value} keyword per entry, which the metadata filters match.
 */
public record MemoryDocument(String id, String tenant, String namespace, String content, float[] embedding, String kind,
                             double importance, String createdAt, String accessedAt, String expiresAt, long expiry,
                             String sourceThread, String sourceCheckpoint, Long sourceStep, String sourceNode, String derivedFrom,
                             String contentHash, Map<String, String> metadata, List<String> metadataTerms, long supersededAt,
                             String supersededBy, List<String> supersedes, long validFrom, long validTo) {

    /**
     * {@code validFrom} of a fact that always held. Like {@code expiry}, the supersession and validity times are
     * epoch-millisecond longs every document has ({@link #NEVER} for "not superseded" and "still holds"), so "current"
     * and "holds at" are numeric ranges inside the k-NN filter, never an {@code exists} clause (mapping version 4).
     */
    public static final long ALWAYS = Long.MIN_VALUE;

    /**
     * {@code expiry} for a memory that never expires. Every document has an {@code expiry} (epoch milliseconds), so
     * "not expired" is one range on a numeric field inside the k-NN filter, where it used to be a {@code bool} of
     * {@code must_not exists} or a date range — a clause the node evaluated over every document of the index.
     */
    public static final long NEVER = Long.MAX_VALUE;

    /** The document of a record, as the store writes it. */
    public static MemoryDocument of(MemoryRecord r) {
        return new MemoryDocument(r.id(), r.tenant(), r.namespace(), r.content(), r.embedding(), r.kind(), r.importance(),
                r.createdAt().toString(), r.accessedAt().toString(), r.expiresAt() == null ? null : r.expiresAt().toString(),
                r.expiresAt() == null ? NEVER : r.expiresAt().toEpochMilli(),
                r.sourceThread(), r.sourceCheckpoint(), r.sourceStep(), r.sourceNode(), r.derivedFrom(), r.contentHash(), r.metadata(),
                terms(r.metadata()), millis(r.supersededAt(), NEVER), r.supersededBy(), r.supersedes(), millis(r.validFrom(), ALWAYS),
                millis(r.validTo(), NEVER));
    }

    private static long millis(Instant at, long none) {
        return at == null ? none : at.toEpochMilli();
    }

    private static Instant instant(long millis, long none) {
        return millis == none ? null : Instant.ofEpochMilli(millis);
    }

    /**
     * The indexed form of metadata entries. Keys have no '=' ({@link io.threadline.memory.MemoryWrite#METADATA_KEY}),
     * so {@code key=value} names one entry unambiguously.
     */
    static String term(String key, String value) {
        return key + "=" + value;
    }

    private static List<String> terms(Map<String, String> metadata) {
        List<String> out = new ArrayList<>(metadata.size());
        new TreeMap<>(metadata).forEach((k, v) -> out.add(term(k, v)));
        return out;
    }

    /** The record; a document read without its vector (a search hit) gives {@link MemoryRecord#NO_EMBEDDING}. */
    MemoryRecord toRecord() {
        return new MemoryRecord(id, tenant, namespace, content, embedding == null ? MemoryRecord.NO_EMBEDDING : embedding, kind, importance, IsoInstants.parse(createdAt),
                IsoInstants.parse(accessedAt), expiresAt == null ? null : IsoInstants.parse(expiresAt), sourceThread, sourceCheckpoint,
                sourceStep, sourceNode, derivedFrom, contentHash, metadata, instant(validFrom, ALWAYS), instant(validTo, NEVER),
                instant(supersededAt, NEVER), supersededBy, supersedes);
    }
}
