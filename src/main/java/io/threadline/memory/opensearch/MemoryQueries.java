package io.threadline.memory.opensearch;

import io.threadline.memory.MemoryQuery;
import io.threadline.memory.MemoryWrite;
import org.opensearch.client.json.JsonData;
import org.opensearch.client.opensearch._types.FieldValue;
import org.opensearch.client.opensearch._types.query_dsl.Query;

import java.time.Instant;
import java.util.Map;

/** The filters every memory query carries: always the tenant, never an expired memory; metadata as exact terms. */
final class MemoryQueries {

    private MemoryQueries() {
    }

    /**
     * @param namespacePrefix whole-segment prefix, or null
     * @param namespace       exact namespace, or null
     */
    static Query filter(String tenant, String namespacePrefix, String namespace, Map<String, String> metadata, Instant now) {
        return filter(tenant, namespacePrefix, namespace, metadata, now, null, null);
    }

    /** A search's filter: what it sees at its {@code asOf} (or now), with its validity condition. */
    static Query filter(MemoryQuery query, Instant now) {
        return filter(query.tenant(), query.namespacePrefix(), null, query.metadata(), query.seenAt(now), query.asOf(), query.validAt());
    }

    /** The near-duplicates a write may merge into: current, in its namespace, of the same validity. */
    static Query mergeTargets(MemoryWrite write, Instant now) {
        Query base = filter(write.tenant(), null, write.namespace(), Map.of(), now);
        return Query.of(q -> q.bool(b -> b.filter(base)
                .filter(f -> f.term(t -> t.field(MemoryIndex.VALID_FROM).value(FieldValue.of(
                        write.validFrom() == null ? MemoryDocument.ALWAYS : write.validFrom().toEpochMilli()))))
                .filter(f -> f.term(t -> t.field(MemoryIndex.VALID_TO).value(FieldValue.of(
                        write.validTo() == null ? MemoryDocument.NEVER : write.validTo().toEpochMilli()))))));
    }

    private static Query filter(String tenant, String namespacePrefix, String namespace, Map<String, String> metadata, Instant at,
                                Instant recordedBy, Instant validAt) {
        return Query.of(q -> q.bool(b -> {
            b.filter(f -> f.term(t -> t.field("tenant").value(FieldValue.of(tenant))));
            if (namespace != null) {
                b.filter(f -> f.term(t -> t.field("namespace").value(FieldValue.of(namespace))));
            }
            if (namespacePrefix != null) {
                b.filter(f -> f.bool(nb -> nb.minimumShouldMatch("1")
                        .should(s -> s.term(t -> t.field("namespace").value(FieldValue.of(namespacePrefix))))
                        .should(s -> s.prefix(p -> p.field("namespace").value(namespacePrefix + "/")))));
            }
            metadata.forEach((k, v) -> b.filter(f -> f.term(t -> t.field(MemoryIndex.METADATA_TERMS)
                    .value(FieldValue.of(MemoryDocument.term(k, v))))));
            // One numeric range on a field every document has (MemoryDocument.NEVER when it never expires).
            b.filter(f -> f.range(r -> r.field(MemoryIndex.EXPIRY).gt(JsonData.of(at.toEpochMilli()))));
            // Current at that time: one range on a field every document has (NEVER while current).
            b.filter(f -> f.range(r -> r.field(MemoryIndex.SUPERSEDED_AT).gt(JsonData.of(at.toEpochMilli()))));
            if (recordedBy != null) {
                b.filter(f -> f.range(r -> r.field("createdAt").lte(JsonData.of(recordedBy.toEpochMilli()))));
            }
            if (validAt != null) {
                b.filter(f -> f.range(r -> r.field(MemoryIndex.VALID_FROM).lte(JsonData.of(validAt.toEpochMilli()))));
                b.filter(f -> f.range(r -> r.field(MemoryIndex.VALID_TO).gt(JsonData.of(validAt.toEpochMilli()))));
            }
            return b;
        }));
    }

    /**
     * The cosine similarity of a k-NN hit, from its score: the lucene engine's {@code cosinesimil} scores
     * {@code (1 + cosine) / 2}, computed on the float vectors as indexed.
     */
    static double cosine(Double score) {
        return score == null ? -1 : 2 * score - 1;
    }

    /** The tenant's memories expired at {@code now}. */
    static Query expired(String tenant, Instant now) {
        return Query.of(q -> q.bool(b -> b.filter(tenantIs(tenant))
                .filter(f -> f.range(r -> r.field(MemoryIndex.EXPIRY).lte(JsonData.of(now.toEpochMilli()))))));
    }

    /** The tenant's memories written by a step of {@code threadId}. */
    static Query fromThread(String tenant, String threadId) {
        return Query.of(q -> q.bool(b -> b.filter(tenantIs(tenant))
                .filter(f -> f.term(t -> t.field("sourceThread").value(FieldValue.of(threadId))))));
    }

    /** The tenant's memories whose metadata holds every entry. */
    static Query withMetadata(String tenant, Map<String, String> entries) {
        return Query.of(q -> q.bool(b -> {
            b.filter(tenantIs(tenant));
            entries.forEach((k, v) -> b.filter(f -> f.term(t -> t.field(MemoryIndex.METADATA_TERMS).value(FieldValue.of(MemoryDocument.term(k, v))))));
            return b;
        }));
    }

    private static Query tenantIs(String tenant) {
        return Query.of(f -> f.term(t -> t.field("tenant").value(FieldValue.of(tenant))));
    }
}
