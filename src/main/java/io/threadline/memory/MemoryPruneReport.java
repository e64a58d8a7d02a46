package io.threadline.memory;

import java.util.List;

/** What a prune removed: expired memories, and memories over a namespace's cap (least valuable first). */
public record MemoryPruneReport(List<String> expiredIds, List<String> overCapIds) {
    public MemoryPruneReport {
        expiredIds = List.copyOf(expiredIds);
        overCapIds = List.copyOf(overCapIds);
    }

    public int removed() {
        return expiredIds.size() + overCapIds.size();
    }
}
