package io.threadline.memory;

import io.threadline.ErrorCode;
import io.threadline.ThreadlineException;

import java.time.Instant;
import java.util.Map;
import java.util.Objects;

/**
 * A search: by text (embedded by the store) or by vector, within one tenant, optionally under a
 * namespace prefix and with exact metadata filters, at most {@code k} hits scoring at least
 * {@code minScore}.
 *
 * <p>By default a search sees the current memories: not superseded, not expired. {@code asOf} (or {@code null})
 * asks what was believed at that instant instead — memories recorded by then, not yet superseded nor expired then;
 * {@code validAt} (or {@code null}) keeps only memories whose fact holds at that instant
 * ({@code validFrom ≤ validAt < validTo}).
 */
public record MemoryQuery(String tenant, String text, float[] vector, int k, String namespacePrefix,
                          Map<String, String> metadata, double minScore, Instant asOf, Instant validAt) {

    /** A search of the current memories, whatever their validity. */
    public MemoryQuery(String tenant, String text, float[] vector, int k, String namespacePrefix, Map<String, String> metadata,
                       double minScore) {
        this(tenant, text, vector, k, namespacePrefix, metadata, minScore, null, null);
    }

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
        if (metadata != null && metadata.values().stream().anyMatch(Objects::isNull)) {
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
        return new MemoryQuery(tenant, text, vector, k, prefix, metadata, minScore, asOf, validAt);
    }

    public MemoryQuery where(Map<String, String> filters) {
        return new MemoryQuery(tenant, text, vector, k, namespacePrefix, filters, minScore, asOf, validAt);
    }

    public MemoryQuery atLeast(double score) {
        return new MemoryQuery(tenant, text, vector, k, namespacePrefix, metadata, score, asOf, validAt);
    }

    /** This search as of {@code at}: what the store believed then (see the type's description). */
    public MemoryQuery asOf(Instant at) {
        return new MemoryQuery(tenant, text, vector, k, namespacePrefix, metadata, minScore, at, validAt);
    }

    /** This search keeping only memories whose fact holds at {@code at}. */
    public MemoryQuery validAt(Instant at) {
        return new MemoryQuery(tenant, text, vector, k, namespacePrefix, metadata, minScore, asOf, at);
    }

    /** The instant whose beliefs this search sees: {@code asOf}, or {@code now}. */
    public Instant seenAt(Instant now) {
        return asOf == null ? now : asOf;
    }

    /** Whether {@code r} is visible to this search at {@code now}, by time (supersession, expiry, validity) and filters. */
    public boolean sees(MemoryRecord r, Instant now) {
        // Without asOf, a memory stamped after "now" (another writer's clock) is still current.
        boolean visible = asOf == null ? r.currentAt(now) && !r.expiredAt(now) : r.believedAt(asOf);
        return visible && (validAt == null || r.holdsAt(validAt)) && covers(r.namespace())
                && r.metadata().entrySet().containsAll(metadata.entrySet());
    }

    /** Whether {@code namespace} is the prefix itself or lies under it (segment-wise, not character-wise). */
    public boolean covers(String namespace) {
        return namespacePrefix == null || namespace.equals(namespacePrefix) || namespace.startsWith(namespacePrefix + "/");
    }

    private static ThreadlineException invalid(String field, String message) {
        return new ThreadlineException(ErrorCode.INVALID_INPUT, message, Map.of("field", field));
    }
}
