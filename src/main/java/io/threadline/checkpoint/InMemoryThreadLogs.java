package io.threadline.checkpoint;

import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.BiConsumer;
import java.util.function.Function;

/**
 * The threads of {@link InMemoryCheckpointStore} by key: which log a call works on, read under the log's monitor,
 * and the removal a delete makes.
 */
final class InMemoryThreadLogs {

    private final ConcurrentHashMap<ThreadKey, InMemoryThreadLog> logs = new ConcurrentHashMap<>();

    /** What {@code read} finds in the thread's log, under its monitor; empty when there is no such thread or it finds nothing. */
    <T> Optional<T> read(ThreadKey thread, Function<InMemoryThreadLog, T> read) {
        InMemoryThreadLog log = logs.get(thread);
        if (log == null) {
            return Optional.empty();
        }
        synchronized (log) {
            return Optional.ofNullable(read.apply(log));
        }
    }

    /** The thread's log, a new empty one if it has none. */
    InMemoryThreadLog logFor(ThreadKey thread) {
        return logs.computeIfAbsent(thread, k -> new InMemoryThreadLog());
    }

    /** Adds a whole log for a thread that must not exist here. */
    void add(ThreadKey thread, InMemoryThreadLog log) {
        if (logs.putIfAbsent(thread, log) != null) {
            throw new IllegalArgumentException("thread " + thread + " already exists here");
        }
    }

    /**
     * The log leaves the map first, then is closed under its monitor: a commit that holds the monitor before
     * lands and is counted here; one after finds it closed ({@code THREAD_DELETED}); one that looks the thread
     * up after the removal starts a new thread.
     */
    ThreadDeletion delete(ThreadKey thread, long pendingEffects) {
        InMemoryThreadLog log = logs.remove(thread);
        return log == null ? new ThreadDeletion(0, 0, 0, pendingEffects, 0, 0, 0) : log.close(pendingEffects);
    }

    void forEach(BiConsumer<ThreadKey, InMemoryThreadLog> action) {
        logs.forEach(action);
    }

    /** A live view of the keys; iterating it copies nothing. */
    Set<ThreadKey> keys() {
        return logs.keySet();
    }
}
