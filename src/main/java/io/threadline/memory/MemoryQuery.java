package io.threadline.memory;

import io.threadline.ErrorCode;
import io.threadline.ThreadlineException;

import java.util.Map;

/**
 * A search: by text (embedded by the store) or by vector, within one tenant, optionally under a
 * namespace prefix and with exact metadata filters, at most {@code k} hits scoring at least
 * {@code minScore}.
 */
public record MemoryQuery(String tenant, String text, float[] vector, int k, String namespacePrefix,
                          Map<String, String> metadata, double minScore) {

    public static final int MAX_K = 100;

    public MemoryQuery {
        if (tenant == null || !MemoryWrite.ID.matcher(tenant).matches()) {
            throw invalid("tenant", "a search needs its tenant");
        }
        if ((text == null || text.isBlank()) == (vector == null)) {
            throw invalid("text", "give either the text or the vector to search for");
        }
        if (k < 1 || k > MAX_K) {
            throw invalid("k", "k must be between 1 and " + MAX_K);
        }
        if (namespacePrefix != null && !MemoryWrite.NAMESPACE.matcher(namespacePrefix).matches()) {
            throw invalid("namespacePrefix", "a namespace prefix is a path like users/42");
        }
        if (metadata != null && metadata.values().stream().anyMatch(java.util.Objects::isNull)) {
            throw invalid("metadata", "metadata filter values are strings, not null");
        }
        metadata = metadata == null ? Map.of() : Map.copyOf(metadata);
        if (!metadata.keySet().stream().allMatch(key -> MemoryWrite.METADATA_KEY.matcher(key).matches())) {
            throw invalid("metadata", "metadata filter keys are 1-64 letters, digits, '_' or '-'");
        }
    }

    public static MemoryQuery text(String tenant, String text, int k) {
        return new MemoryQuery(tenant, text, null, k, null, Map.of(), 0);
    }

    public MemoryQuery under(String prefix) {
        return new MemoryQuery(tenant, text, vector, k, prefix, metadata, minScore);
    }

    public MemoryQuery where(Map<String, String> filters) {
        return new MemoryQuery(tenant, text, vector, k, namespacePrefix, filters, minScore);
    }

    public MemoryQuery atLeast(double score) {
        return new MemoryQuery(tenant, text, vector, k, namespacePrefix, metadata, score);
    }

    /** Whether {@code namespace} is the prefix itself or lies under it (segment-wise, not character-wise). */
    public boolean covers(String namespace) {
        return namespacePrefix == null || namespace.equals(namespacePrefix) || namespace.startsWith(namespacePrefix + "/");
    }

    private static ThreadlineException invalid(String field, String message) {
        return new ThreadlineException(ErrorCode.INVALID_INPUT, message, Map.of("field", field));
    }
}
