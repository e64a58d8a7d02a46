package io.threadline.runs;

import io.threadline.checkpoint.ThreadKey;

import java.time.Instant;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;

/** Run records in a map, for tests and local demos; the same rules as the DynamoDB store (RunStoreContract). */
public final class InMemoryRunStore implements RunStore {

    private final Map<ThreadKey, Run> runs = new ConcurrentHashMap<>();
    private final Map<ThreadKey, Instant> wakes = new ConcurrentHashMap<>();

    @Override
    public Optional<Run> get(ThreadKey thread) {
        return Optional.ofNullable(runs.get(thread));
    }

    @Override
    public synchronized boolean put(Run run, Instant sweepAfter) {
        ThreadKey thread = ThreadKey.of(run.tenant(), run.threadId());
        Run stored = runs.get(thread);
        long storedVersion = stored == null ? 0 : stored.version();
        if (storedVersion != run.version() - 1) {
            return false;
        }
        runs.put(thread, run);
        Instant sweepAt = run.sweepAt(sweepAfter);
        if (sweepAt != null) {
            wakes.put(thread, sweepAt);
        } else {
            wakes.remove(thread);
        }
        return true;
    }

    @Override
    public synchronized Optional<Run> delete(ThreadKey thread) {
        wakes.remove(thread);
        return Optional.ofNullable(runs.remove(thread));
    }

    /** Whether the thread has an entry in the wake index (tests: a delete leaves none). */
    boolean filed(ThreadKey thread) {
        return wakes.containsKey(thread);
    }

    @Override
    public List<Run> due(Instant now, int limit) {
        return wakes.entrySet().stream().filter(e -> !e.getValue().isAfter(now))
                .sorted(Map.Entry.comparingByValue(Comparator.naturalOrder())).limit(limit)
                .map(e -> runs.get(e.getKey())).filter(Run::active).toList();
    }
}
