package io.threadline.runtime.internal;

import io.threadline.checkpoint.ThreadKey;

import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The decoded latest state of recently used threads, so a step on a warm thread does not re-read
 * and re-decode the whole state. Only an optimisation: an entry is used only when it matches the
 * store's head, and the conditional commit rejects anything stale.
 */
public final class HeadCache<S> {

    private final int capacity;
    private final Map<ThreadKey, Head<S>> entries;

    public HeadCache(int capacity) {
        this.capacity = capacity;
        this.entries = new LinkedHashMap<>(16, 0.75f, true) {
            @Override
            protected boolean removeEldestEntry(Map.Entry<ThreadKey, Head<S>> eldest) {
                return size() > HeadCache.this.capacity;
            }
        };
    }

    public synchronized Head<S> get(ThreadKey thread) {
        return capacity == 0 ? null : entries.get(thread);
    }

    public synchronized void put(ThreadKey thread, Head<S> head) {
        if (capacity == 0) {
            return;
        }
        Head<S> current = entries.get(thread);
        // Two steps racing in one process: keep the newer head.
        if (current == null || current.checkpoint().step() < head.checkpoint().step()) {
            entries.put(thread, head);
        }
    }

    /** Stores what was just read from the store, whatever the cache held (the store is the truth). */
    public synchronized void replace(ThreadKey thread, Head<S> head) {
        if (capacity > 0) {
            entries.put(thread, head);
        }
    }

    public synchronized void remove(ThreadKey thread) {
        entries.remove(thread);
    }
}
