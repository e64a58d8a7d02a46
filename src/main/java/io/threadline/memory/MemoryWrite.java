package io.threadline.memory;

import com.fasterxml.jackson.annotation.JsonInclude;
import io.threadline.ErrorCode;
import io.threadline.ThreadlineException;

import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.TreeMap;
import java.util.function.UnaryOperator;
import java.util.regex.Pattern;

/**
 * A memory to remember. A write with an id already stored replaces that memory (so replaying a
 * step's writes is harmless); a write close to an existing memory of the same tenant and namespace
 * (cosine ≥ the store's threshold) is merged into it instead of added.
 *
 * @param id               stable id, or {@code null} for one derived from tenant, namespace and content
 * @param ttl              how long it lives, or {@code null} for ever
 * @param sourceThread     provenance: the thread whose step wrote it, or {@code null}
 * @param sourceCheckpoint the checkpoint of that step (the runtime's outbox sets it), or {@code null}
 * @param sourceStep       that step's number, or {@code null}
 * @param sourceNode       the node that asked to remember it, or {@code null}
 * @param derivedFrom      what it was derived from: {@code input} (the step's input and state) or {@code effect:<seq>}
 *                         (the recorded effect — model reply, tool result, … — of that sequence number in the
 *                         checkpoint's effects), or {@code null}
 * @param supersedes       ids of memories of the same tenant this write corrects: they stop being recalled (they stay for
 *                         audit and "as of" searches) and name this memory as what superseded them; empty for none. Each
 *                         must exist and be current or already superseded by this write (applying it again is harmless);
 *                         a correction is never merged into a near-duplicate
 * @param validFrom        when the fact starts to hold ({@code null}: always held), to the millisecond
 * @param validTo          when it stops holding, exclusive ({@code null}: still holds), to the millisecond
 */
public record MemoryWrite(String id, String tenant, String namespace, String content, String kind, double importance,
                          Duration ttl, String sourceThread, String sourceCheckpoint, Long sourceStep, String sourceNode,
                          String derivedFrom, Map<String, String> metadata,
                          // Absent from a step's outbox when unused, so an outbox without corrections is stored as before.
                          @JsonInclude(JsonInclude.Include.NON_EMPTY) List<String> supersedes,
                          @JsonInclude(JsonInclude.Include.NON_NULL) Instant validFrom,
                          @JsonInclude(JsonInclude.Include.NON_NULL) Instant validTo) {

    /** A write that corrects nothing and holds always. */
    public MemoryWrite(String id, String tenant, String namespace, String content, String kind, double importance, Duration ttl,
                       String sourceThread, String sourceCheckpoint, Long sourceStep, String sourceNode, String derivedFrom,
                       Map<String, String> metadata) {
        this(id, tenant, namespace, content, kind, importance, ttl, sourceThread, sourceCheckpoint, sourceStep, sourceNode, derivedFrom,
                metadata, List.of(), null, null);
    }

    /** Most memories one write may supersede. */
    public static final int MAX_SUPERSEDES = 16;

    /** A write without step provenance (an API caller's, or a test's). */
    public MemoryWrite(String id, String tenant, String namespace, String content, String kind, double importance, Duration ttl,
                       String sourceThread, String sourceCheckpoint, Map<String, String> metadata) {
        this(id, tenant, namespace, content, kind, importance, ttl, sourceThread, sourceCheckpoint, null, null, null, metadata);
    }

    /** {@code derivedFrom}: the step's input, or a recorded effect ({@code effect:<seq>}). */
    public static final Pattern DERIVED_FROM = Pattern.compile("input|effect:[0-9]{1,9}");

    /** Namespace paths: up to 16 segments of letters, digits and {@code . _ : -} (not dots alone), separated by '/'. */
    public static final Pattern NAMESPACE = Pattern.compile(
            "(?!\\.+(?:/|$))[A-Za-z0-9._:-]{1,64}(?:/(?!\\.+(?:/|$))[A-Za-z0-9._:-]{1,64}){0,15}");
    /**
     * Metadata keys: no '=' (a key and its value are indexed as one {@code key=value} term) and no '.', so a
     * key never reads as a path.
     */
    public static final Pattern METADATA_KEY = Pattern.compile("[A-Za-z0-9_-]{1,64}");
    /** Memory ids and tenants: the same safe alphabet as thread ids. */
    public static final Pattern ID = Pattern.compile("[A-Za-z0-9._:-]{1,128}");
    /** Longest content, in characters. */
    public static final int MAX_CONTENT_CHARS = 32_768;
    /** Longest kind, in characters (it is indexed as one keyword). */
    public static final int MAX_KIND_CHARS = 64;

    private static final String ID_RULE = "1-128 letters, digits, '.', '_', ':' or '-'";

    public MemoryWrite {
        check(tenant != null && ID.matcher(tenant).matches(), "tenant", ID_RULE);
        check(namespace != null && NAMESPACE.matcher(namespace).matches(), "namespace",
                "a path of up to 16 segments of 1-64 letters, digits, '.', '_', ':' or '-' separated by '/', e.g. users/42/preferences");
        if (id != null) {
            requireId(id);
        }
        check(content != null && !content.isBlank() && content.length() <= MAX_CONTENT_CHARS, "content",
                "1 to " + MAX_CONTENT_CHARS + " characters");
        check(kind == null || !kind.isBlank() && kind.length() <= MAX_KIND_CHARS, "kind", "1 to " + MAX_KIND_CHARS + " characters");
        check(importance >= 0 && importance <= 1, "importance", "between 0 and 1");
        check(ttl == null || !ttl.isNegative() && !ttl.isZero(), "ttl", "positive");
        check(sourceThread == null || ID.matcher(sourceThread).matches(), "sourceThread", ID_RULE);
        check(sourceStep == null || sourceStep >= 0, "sourceStep", "zero or more");
        check(sourceNode == null || !sourceNode.isBlank() && sourceNode.length() <= MAX_KIND_CHARS * 2, "sourceNode",
                "1 to " + MAX_KIND_CHARS * 2 + " characters");
        check(derivedFrom == null || DERIVED_FROM.matcher(derivedFrom).matches(), "derivedFrom", "input or effect:<seq>");
        check(metadata == null || metadata.values().stream().allMatch(Objects::nonNull), "metadata", "string values, not null");
        metadata = metadata == null ? Map.of() : Map.copyOf(metadata);
        check(metadata.keySet().stream().allMatch(k -> METADATA_KEY.matcher(k).matches()), "metadata",
                "keyed by 1-64 letters, digits, '_' or '-'");
        kind = kind == null ? "fact" : kind;
        check(supersedes == null || supersedes.size() <= MAX_SUPERSEDES && supersedes.stream().allMatch(s -> s != null
                && ID.matcher(s).matches() && !s.equals(id)) && supersedes.stream().distinct().count() == supersedes.size(),
                "supersedes", "at most " + MAX_SUPERSEDES + " distinct memory ids (" + ID_RULE + "), not the write's own id");
        supersedes = supersedes == null ? List.of() : List.copyOf(supersedes);
        validFrom = validFrom == null ? null : validFrom.truncatedTo(ChronoUnit.MILLIS);
        validTo = validTo == null ? null : validTo.truncatedTo(ChronoUnit.MILLIS);
        check(validFrom == null || validTo == null || validFrom.isBefore(validTo), "validTo", "after validFrom");
    }

    /** This write correcting the memories {@code ids} (see {@link #supersedes()}). */
    public MemoryWrite superseding(List<String> ids) {
        return new MemoryWrite(id, tenant, namespace, content, kind, importance, ttl, sourceThread, sourceCheckpoint, sourceStep, sourceNode,
                derivedFrom, metadata, ids, validFrom, validTo);
    }

    /** This write stating that its fact holds from {@code from} (inclusive) to {@code to} (exclusive); null = open. */
    public MemoryWrite validDuring(Instant from, Instant to) {
        return new MemoryWrite(id, tenant, namespace, content, kind, importance, ttl, sourceThread, sourceCheckpoint, sourceStep, sourceNode,
                derivedFrom, metadata, supersedes, from, to);
    }

    /** This write with {@code entries} added to its metadata (its own entries win on a shared key). */
    public MemoryWrite withMetadataDefaults(Map<String, String> entries) {
        if (entries.isEmpty()) {
            return this;
        }
        Map<String, String> merged = new HashMap<>(entries);
        merged.putAll(metadata);
        return new MemoryWrite(id, tenant, namespace, content, kind, importance, ttl, sourceThread, sourceCheckpoint, sourceStep, sourceNode,
                derivedFrom, merged, supersedes, validFrom, validTo);
    }

    /**
     * Refuses ({@code INVALID_INPUT}, field {@code id}) an id no write could have stored; every store checks the
     * ids of put, get and delete with it, so an id that put refuses is refused alike everywhere.
     */
    public static String requireId(String id) {
        check(id != null && ID.matcher(id).matches(), "id", ID_RULE);
        return id;
    }

    /** Refuses ({@code INVALID_INPUT} naming {@code field}) a tenant or thread id outside the id alphabet. */
    public static String requireField(String value, String field) {
        check(value != null && ID.matcher(value).matches(), field, ID_RULE);
        return value;
    }

    /** Refuses ({@code INVALID_INPUT}, field {@code writes}) a batch that is missing or holds a missing write. */
    public static List<MemoryWrite> requireBatch(List<MemoryWrite> writes) {
        check(writes != null && writes.stream().allMatch(Objects::nonNull), "writes", "a list of writes, none of them null");
        return writes;
    }

    /** Refuses ({@code INVALID_INPUT}, field {@code metadata}) a forget-by-metadata selection that is empty or malformed. */
    public static Map<String, String> requireSelection(Map<String, String> entries) {
        check(entries != null && !entries.isEmpty(), "metadata", "at least one key=value entry to select memories by");
        check(entries.entrySet().stream().allMatch(e -> e.getKey() != null && METADATA_KEY.matcher(e.getKey()).matches()
                && e.getValue() != null), "metadata", "keyed by 1-64 letters, digits, '_' or '-', with string values");
        return entries;
    }

    /** {@code k=v, …} in key order, for reports. */
    public static String describe(Map<String, String> entries) {
        return new TreeMap<>(entries).toString().replaceAll("^\\{|\\}$", "");
    }

    /** A fact with importance 0.5, no expiry and no source. */
    public static MemoryWrite of(String tenant, String namespace, String content) {
        return new MemoryWrite(null, tenant, namespace, content, "fact", 0.5, null, null, null, Map.of());
    }

    /**
     * This write with {@code mask} applied to its content, kind and metadata values — what the runtime's outbox does
     * with a step's {@code @Sensitive} values before it records the writes (the namespace is an address, not text:
     * the outbox refuses one that holds such a value rather than file the memory elsewhere).
     */
    public MemoryWrite masked(UnaryOperator<String> mask) {
        Map<String, String> maskedMetadata = new HashMap<>(metadata.size());
        metadata.forEach((k, v) -> maskedMetadata.put(k, mask.apply(v)));
        return new MemoryWrite(id, tenant, namespace, mask.apply(content), mask.apply(kind), importance, ttl, sourceThread, sourceCheckpoint,
                sourceStep, sourceNode, derivedFrom, maskedMetadata, supersedes, validFrom, validTo);
    }

    /** This write with its checkpoint as its source (the runtime's outbox, once the checkpoint id is known). */
    public MemoryWrite fromCheckpoint(String checkpointId) {
        return new MemoryWrite(id, tenant, namespace, content, kind, importance, ttl, sourceThread, checkpointId, sourceStep, sourceNode,
                derivedFrom, metadata, supersedes, validFrom, validTo);
    }

    private static void check(boolean ok, String field, String rule) {
        if (!ok) {
            throw new ThreadlineException(ErrorCode.INVALID_INPUT, "memory " + field + " must be " + rule, Map.of("field", field));
        }
    }
}
