package io.threadline.checkpoint;

import io.threadline.ErrorCode;
import io.threadline.ThreadlineException;

import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Consumer;

/**
 * The pending effects of {@link InMemoryCheckpointStore}: per thread, per step, the effects an attempt recorded by
 * sequence number. Each thread's table is guarded by its own monitor.
 */
final class InMemoryPendingEffects {

    private final Map<ThreadKey, Map<Long, TreeMap<Integer, PendingEffect>>> byThread = new ConcurrentHashMap<>();

    void put(ThreadKey thread, long step, int seq, PendingEffect effect) {
        Map<Long, TreeMap<Integer, PendingEffect>> steps = byThread.computeIfAbsent(thread, k -> new ConcurrentHashMap<>());
        synchronized (steps) {
            if (steps.computeIfAbsent(step, k -> new TreeMap<>()).putIfAbsent(seq, effect) != null) {
                throw new ThreadlineException(ErrorCode.CONFLICT,
                        "another attempt of step " + step + " of thread " + thread.threadId() + " is running",
                        Map.of("thread", thread.threadId(), "step", step));
            }
        }
    }

    List<PendingEffect> of(ThreadKey thread, long step) {
        Map<Long, TreeMap<Integer, PendingEffect>> steps = byThread.get(thread);
        if (steps == null) {
            return List.of();
        }
        synchronized (steps) {
            steps.keySet().removeIf(earlier -> earlier < step);  // orphans: see CheckpointStore#pendingEffects
            TreeMap<Integer, PendingEffect> effects = steps.get(step);
            return effects == null ? List.of() : List.copyOf(effects.values());
        }
    }

    void clear(ThreadKey thread, long step) {
        change(thread, steps -> steps.remove(step));
    }

    void discard(ThreadKey thread, long step, Collection<Integer> seqs) {
        change(thread, steps -> {
            TreeMap<Integer, PendingEffect> effects = steps.get(step);
            if (effects != null) {
                effects.keySet().removeAll(seqs);
                if (effects.isEmpty()) {
                    steps.remove(step);
                }
            }
        });
    }

    /** Applies {@code change} to the thread's steps under their monitor, if the thread has any. */
    private void change(ThreadKey thread, Consumer<Map<Long, TreeMap<Integer, PendingEffect>>> change) {
        Map<Long, TreeMap<Integer, PendingEffect>> steps = byThread.get(thread);
        if (steps != null) {
            synchronized (steps) {
                change.accept(steps);
            }
        }
    }

    /** Drops all of the thread's pending effects; how many there were. */
    long removeThread(ThreadKey thread) {
        Map<Long, TreeMap<Integer, PendingEffect>> steps = byThread.remove(thread);
        if (steps == null) {
            return 0;
        }
        synchronized (steps) {
            return steps.values().stream().mapToLong(Map::size).sum();
        }
    }
}
