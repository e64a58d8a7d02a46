package io.threadline.memory.opensearch;

import io.threadline.memory.MemoryRecord;

import java.time.Instant;
import java.util.Map;

/** A memory as an OpenSearch document (times as ISO-8601 strings, as the date fields expect). */
public record MemoryDocument(String id, String tenant, String namespace, String content, float[] embedding, String kind,
                             double importance, String createdAt, String accessedAt, String expiresAt, String sourceThread,
                             String sourceCheckpoint, String contentHash, Map<String, String> metadata) {

    static MemoryDocument of(MemoryRecord r) {
        return new MemoryDocument(r.id(), r.tenant(), r.namespace(), r.content(), r.embedding(), r.kind(), r.importance(),
                r.createdAt().toString(), r.accessedAt().toString(), r.expiresAt() == null ? null : r.expiresAt().toString(),
                r.sourceThread(), r.sourceCheckpoint(), r.contentHash(), r.metadata());
    }

    MemoryRecord toRecord() {
        return new MemoryRecord(id, tenant, namespace, content, embedding, kind, importance, Instant.parse(createdAt),
                Instant.parse(accessedAt), expiresAt == null ? null : Instant.parse(expiresAt), sourceThread, sourceCheckpoint,
                contentHash, metadata);
    }
}
