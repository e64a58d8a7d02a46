package io.threadline.memory;

import io.threadline.ErrorCode;
import io.threadline.ThreadlineException;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The configurable bounds of what one memory may carry, checked by every store before it writes or
 * searches anything (so a refused write stores nothing), and the one place they are enforced. The fixed
 * bounds — tenant, id, namespace and kind alphabets and lengths, content length — are the
 * {@link MemoryWrite} constructor's. Why bounds at all: metadata is indexed (one keyword term per
 * entry), so an unbounded entry fails in the index ("immense term", > 32766 bytes) and unbounded entries
 * make every document of the index heavier; an unbounded ttl overflows the expiry instant.
 *
 * @param maxMetadataKeys       entries of metadata one write may carry, and one memory may keep after
 *                              merges ({@code threadline.memory.max-metadata-keys})
 * @param maxMetadataValueBytes UTF-8 bytes of one metadata value, or of one metadata filter's value
 *                              ({@code threadline.memory.max-metadata-value-bytes})
 * @param maxTtl                the longest time to live of a memory ({@code threadline.memory.max-ttl})
 */
public record MemoryLimits(int maxMetadataKeys, int maxMetadataValueBytes, Duration maxTtl) {

    /** Ceilings of the configurable limits: a key and value together stay far below the index's 32766-byte term. */
    public static final int CEILING_METADATA_KEYS = 256;
    public static final int CEILING_METADATA_VALUE_BYTES = 8192;
    public static final Duration CEILING_TTL = Duration.ofDays(36_500);

    public static final MemoryLimits DEFAULT = new MemoryLimits(32, 512, Duration.ofDays(3650));

    public MemoryLimits {
        if (maxMetadataKeys < 0 || maxMetadataKeys > CEILING_METADATA_KEYS) {
            throw new IllegalArgumentException("threadline.memory.max-metadata-keys must be 0 to " + CEILING_METADATA_KEYS
                    + ", got " + maxMetadataKeys);
        }
        if (maxMetadataValueBytes < 1 || maxMetadataValueBytes > CEILING_METADATA_VALUE_BYTES) {
            throw new IllegalArgumentException("threadline.memory.max-metadata-value-bytes must be 1 to "
                    + CEILING_METADATA_VALUE_BYTES + ", got " + maxMetadataValueBytes);
        }
        if (maxTtl == null || maxTtl.isNegative() || maxTtl.isZero() || maxTtl.compareTo(CEILING_TTL) > 0) {
            throw new IllegalArgumentException("threadline.memory.max-ttl must be positive and at most " + CEILING_TTL
                    + ", got " + maxTtl);
        }
    }

    /** Refuses ({@code INVALID_INPUT}, naming the field) a write beyond these limits. */
    public void check(MemoryWrite write) {
        if (write.ttl() != null && write.ttl().compareTo(maxTtl) > 0) {
            throw invalid("ttl", "memory ttl must be at most " + maxTtl.toSeconds() + " seconds (" + maxTtl.toDays()
                    + " days, threadline.memory.max-ttl), got " + write.ttl().toSeconds() + " seconds", maxTtl.toSeconds());
        }
        checkMetadata("metadata", "metadata", write.metadata());
    }

    /** Refuses ({@code INVALID_INPUT}) metadata filters that no memory within these limits could match. */
    public void check(MemoryQuery query) {
        checkMetadata("metadata", "metadata filters", query.metadata());
    }

    private void checkMetadata(String field, String what, Map<String, String> metadata) {
        if (metadata.size() > maxMetadataKeys) {
            throw invalid(field, "memory " + what + " may have at most " + maxMetadataKeys
                    + " keys (threadline.memory.max-metadata-keys), got " + metadata.size(), maxMetadataKeys);
        }
        for (Map.Entry<String, String> e : metadata.entrySet()) {
            int bytes = e.getValue().getBytes(StandardCharsets.UTF_8).length;
            if (bytes > maxMetadataValueBytes) {
                throw invalid(field, "memory " + what + " value of key '" + e.getKey() + "' is " + bytes
                        + " bytes; at most " + maxMetadataValueBytes + " UTF-8 bytes (threadline.memory.max-metadata-value-bytes)",
                        maxMetadataValueBytes);
            }
        }
    }

    /**
     * The metadata of two memories merged into one: {@code newer}'s entries win on a shared key; beyond
     * {@link #maxMetadataKeys} the memory keeps all of {@code newer}'s and then {@code older}'s in key order,
     * so repeated near-duplicate writes cannot grow one memory without bound. Deterministic, so folding
     * the same memories again gives the same metadata.
     */
    public Map<String, String> merged(Map<String, String> older, Map<String, String> newer) {
        Map<String, String> out = new LinkedHashMap<>(newer);
        older.entrySet().stream().sorted(Map.Entry.comparingByKey(Comparator.naturalOrder()))
                .forEach(e -> {
                    if (out.size() < Math.max(maxMetadataKeys, newer.size())) {
                        out.putIfAbsent(e.getKey(), e.getValue());
                    }
                });
        return out;
    }

    private static ThreadlineException invalid(String field, String message, long limit) {
        return new ThreadlineException(ErrorCode.INVALID_INPUT, message, Map.of("field", field, "limit", limit));
    }
}
