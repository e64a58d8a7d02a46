package io.threadline.memory;

import io.threadline.ErrorCode;
import io.threadline.ThreadlineException;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.Deque;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.Function;

/** The rules of corrections every store shares: what a write may supersede, and how a chain of corrections reads. */
public final class MemoryCorrections {

    /** Most memories one history answers: a chain longer than this is cut (its oldest and newest stay reachable by id). */
    public static final int MAX_HISTORY = 100;

    private MemoryCorrections() {
    }

    /**
     * Refuses ({@code INVALID_INPUT}, field {@code supersedes}) a correction of a memory that does not exist or that another
     * memory already superseded (correct that one instead: chains stay readable). A memory already superseded by this
     * write's own id passes, so applying a correction again is harmless.
     */
    public static MemoryRecord requireSupersedable(String writeId, String supersededId, Optional<MemoryRecord> found) {
        MemoryRecord r = found.orElseThrow(() -> invalid("memory supersedes names " + supersededId
                + ", which the tenant has no memory of: nothing to correct", supersededId));
        if (r.supersededBy() != null && !r.supersededBy().equals(writeId)) {
            throw invalid("memory supersedes names " + supersededId + ", which memory " + r.supersededBy()
                    + " already superseded; supersede that one instead", supersededId);
        }
        return r;
    }

    private static ThreadlineException invalid(String message, String id) {
        return new ThreadlineException(ErrorCode.INVALID_INPUT, message, Map.of("field", "supersedes", "id", id));
    }

    /**
     * The chain of corrections {@code id} belongs to: every memory it superseded or that superseded it, transitively,
     * oldest first (then by id), without embeddings; empty when the tenant has no memory {@code id}. At most
     * {@link #MAX_HISTORY} memories.
     */
    public static List<MemoryRecord> history(String id, Function<String, Optional<MemoryRecord>> get) {
        MemoryWrite.requireId(id);
        Map<String, MemoryRecord> seen = new LinkedHashMap<>();
        Deque<String> next = new ArrayDeque<>(List.of(id));
        while (!next.isEmpty() && seen.size() < MAX_HISTORY) {
            String at = next.removeFirst();
            if (seen.containsKey(at)) {
                continue;
            }
            Optional<MemoryRecord> r = get.apply(at);
            if (r.isEmpty()) {
                continue; // forgotten or deleted: the chain goes on around it
            }
            seen.put(at, r.get().withoutEmbedding());
            next.addAll(r.get().supersedes());
            if (r.get().supersededBy() != null) {
                next.add(r.get().supersededBy());
            }
        }
        List<MemoryRecord> out = new ArrayList<>(seen.values());
        out.sort(Comparator.comparing(MemoryRecord::createdAt).thenComparing(MemoryRecord::id));
        return out;
    }
}
