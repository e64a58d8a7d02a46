package io.threadline.runtime;

import io.threadline.checkpoint.ThreadDeletion;

import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;

/**
 * What deleting a thread removed: the store's items by kind, and the long-term memories its steps wrote. A
 * report of zeros is a delete of a thread that was not there (or was deleted already): deletes are idempotent.
 *
 * @param threadId the thread deleted
 * @param store    the checkpoint store's items, by kind
 * @param memories memories whose source was the thread ({@code 0} when the runtime has no memory store)
 */
public record DeleteReport(String threadId, ThreadDeletion store, long memories) {

    public DeleteReport {
        Objects.requireNonNull(threadId, "threadId");
        Objects.requireNonNull(store, "store");
    }

    /** Every count by kind, the store's first, then {@code memories}. */
    public Map<String, Long> byKind() {
        Map<String, Long> out = new LinkedHashMap<>(store.byKind());
        out.put("memories", memories);
        return out;
    }

    /** Whether the thread existed (had a head) when the delete began. */
    public boolean existed() {
        return store.existed();
    }
}
