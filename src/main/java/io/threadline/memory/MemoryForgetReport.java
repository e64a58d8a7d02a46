package io.threadline.memory;

import java.util.List;

/**
 * What a forget removed: every memory of one tenant that a selection named (the memories derived from a thread, or
 * those carrying a metadata entry such as a subject tag), by id, whatever its namespace, expiry or supersession.
 *
 * @param tenant    whose memories
 * @param selection what was forgotten, e.g. {@code thread=t-42} or {@code metadata subject=u-7}
 * @param ids       the ids removed (none when nothing matched: forgetting is idempotent)
 */
public record MemoryForgetReport(String tenant, String selection, List<String> ids) {
    public MemoryForgetReport {
        ids = List.copyOf(ids);
    }

    public int removed() {
        return ids.size();
    }
}
