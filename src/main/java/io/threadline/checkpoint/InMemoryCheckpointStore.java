package io.threadline.checkpoint;

import io.threadline.ErrorCode;
import io.threadline.ThreadlineException;

import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Function;

/**
 * A {@link CheckpointStore} in this process's memory, for unit tests of the core, local runs and
 * benchmarks. It keeps each checkpoint in its encoded byte form ({@link CheckpointCodec}), so it
 * exercises the same encoding as a remote store and its byte counts are real. It passes the same
 * contract suite as the DynamoDB store; it is not durable.
 */
public final class InMemoryCheckpointStore implements CheckpointStore {

    private final Map<ThreadKey, ThreadLog> threads = new ConcurrentHashMap<>();
    private final Map<ThreadKey, Map<Long, java.util.TreeMap<Integer, PendingEffect>>> pending = new ConcurrentHashMap<>();

    private record Entry(long step, CheckpointId id, boolean snapshot, String idempotencyKey, byte[] bytes) {}

    /** One thread's checkpoints; every access holds its monitor, so commits on a thread serialise. */
    private static final class ThreadLog {
        final List<Entry> entries = new ArrayList<>();
        final Map<CheckpointId, Long> stepById = new HashMap<>();
        final Map<String, CheckpointId> idByKey = new HashMap<>();
        final java.util.Set<CheckpointId> unpublished = new java.util.LinkedHashSet<>();
        long firstStep = 1;
        long bytes;
        /** The thread's tags (on its head); set by its first commit and by retag. */
        ThreadTags tags = ThreadTags.none();
        /** The head as a listing shows it, kept current by every commit and retag. */
        ThreadSummary summary;
        /** Set by a delete, under the monitor: a committer that took this log before the delete must not write to it. */
        boolean deleted;

        Entry head() {
            return entries.isEmpty() ? null : entries.get(entries.size() - 1);
        }

        Entry byStep(long step) {
            long i = step - firstStep;
            return i < 0 || i >= entries.size() ? null : entries.get((int) i);
        }
    }

    @Override
    public Optional<ThreadHead> head(ThreadKey thread) {
        return read(thread, log -> log.head() == null ? null : new ThreadHead(log.head().id(), log.head().step()));
    }

    @Override
    public Optional<CheckpointChain> loadLatest(ThreadKey thread) {
        return read(thread, log -> log.head() == null ? null : chain(thread, log, log.head().step()));
    }

    @Override
    public Optional<CheckpointChain> load(ThreadKey thread, CheckpointId id) {
        return read(thread, log -> {
            Long step = log.stepById.get(id);
            return step == null ? null : chain(thread, log, step);
        });
    }

    /** What {@code read} finds in the thread's log, under its monitor; empty when there is no such thread or it finds nothing. */
    private <T> Optional<T> read(ThreadKey thread, Function<ThreadLog, T> read) {
        ThreadLog log = threads.get(thread);
        if (log == null) {
            return Optional.empty();
        }
        synchronized (log) {
            return Optional.ofNullable(read.apply(log));
        }
    }

    /** The checkpoint of {@code id} in the log, decoded; null when the log holds none. */
    private static Checkpoint decoded(ThreadKey thread, ThreadLog log, CheckpointId id) {
        Long step = id == null ? null : log.stepById.get(id);
        return step == null ? null : CheckpointCodec.decode(thread, log.byStep(step).bytes());
    }

    private static CheckpointChain chain(ThreadKey thread, ThreadLog log, long targetStep) {
        long from = targetStep;
        while (!log.byStep(from).snapshot()) {
            from--;
        }
        List<Checkpoint> out = new ArrayList<>((int) (targetStep - from + 1));
        for (long s = from; s <= targetStep; s++) {
            out.add(CheckpointCodec.decode(thread, log.byStep(s).bytes()));
        }
        return new CheckpointChain(out);
    }

    @Override
    public Optional<Checkpoint> get(ThreadKey thread, CheckpointId id) {
        return read(thread, log -> decoded(thread, log, id));
    }

    @Override
    public Optional<Checkpoint> findByIdempotencyKey(ThreadKey thread, String idempotencyKey) {
        return read(thread, log -> decoded(thread, log, log.idByKey.get(idempotencyKey)));
    }

    @Override
    public HistoryPage history(ThreadKey thread, HistoryQuery query) {
        ThreadLog log = threads.get(thread);
        if (log == null) {
            return HistoryPage.empty();
        }
        synchronized (log) {
            Entry head = log.head();
            if (head == null) {
                return HistoryPage.empty();
            }
            long start = query.cursor() == null ? head.step() : parseCursor(query.cursor()) - 1;
            start = Math.min(start, head.step());
            List<Checkpoint> page = new ArrayList<>(query.limit());
            long step = start;
            for (; step >= log.firstStep && page.size() < query.limit(); step--) {
                page.add(CheckpointCodec.decode(thread, log.byStep(step).bytes()));
            }
            // A cursor is the step of the last checkpoint answered; the next page starts one below it.
            List<String> cursors = page.stream().map(cp -> Long.toString(cp.step())).toList();
            String next = step >= log.firstStep && !page.isEmpty() ? cursors.get(cursors.size() - 1) : null;
            return new HistoryPage(page, next, cursors);
        }
    }

    private static long parseCursor(String cursor) {
        try {
            return Long.parseLong(cursor);
        } catch (NumberFormatException e) {
            throw new ThreadlineException(ErrorCode.INVALID_INPUT, "history cursor '" + cursor + "' is not one this store issued",
                    Map.of("field", "cursor"));
        }
    }

    @Override
    public CommitResult commit(Commit commit) {
        Checkpoint cp = commit.checkpoint();
        ThreadLog log = threads.computeIfAbsent(commit.thread(), k -> new ThreadLog());
        byte[] bytes = CheckpointCodec.encode(cp);
        synchronized (log) {
            if (log.deleted) {
                throw ThreadDeletion.closed(commit.thread());
            }
            if (cp.idempotencyKey() != null) {
                CheckpointId earlier = log.idByKey.get(cp.idempotencyKey());
                if (earlier != null && log.stepById.containsKey(earlier)) {
                    Entry e = log.byStep(log.stepById.get(earlier));
                    return new CommitResult(CheckpointCodec.decode(commit.thread(), e.bytes()), true);
                }
            }
            Entry head = log.head();
            long headStep = head == null ? 0 : head.step();
            if (headStep != commit.expectedStep()) {
                throw conflict(commit, headStep);
            }
            CheckpointId expectedParent = head == null ? null : head.id();
            if (head != null && !head.id().equals(cp.parent())) {
                throw new IllegalArgumentException("checkpoint parent " + cp.parent() + " is not the head " + expectedParent);
            }
            if (head != null && cp.id().compareTo(head.id()) <= 0) {
                throw new IllegalArgumentException("checkpoint id " + cp.id() + " does not follow the head " + head.id());
            }
            log.entries.add(new Entry(cp.step(), cp.id(), cp.isSnapshot(), cp.idempotencyKey(), bytes));
            log.stepById.put(cp.id(), cp.step());
            if (cp.idempotencyKey() != null) {
                log.idByKey.put(cp.idempotencyKey(), cp.id());
            }
            if (cp.hasOutbox()) {
                log.unpublished.add(cp.id());
            }
            log.bytes += bytes.length;
            if (commit.expectedStep() == 0) {
                log.tags = commit.tags();
            }
            log.summary = ThreadSummary.of(cp, log.tags);
            return new CommitResult(cp, false);
        }
    }

    @Override
    public List<Checkpoint> unpublished(ThreadKey thread) {
        ThreadLog log = threads.get(thread);
        if (log == null) {
            return List.of();
        }
        synchronized (log) {
            List<Checkpoint> out = new ArrayList<>();
            for (CheckpointId id : log.unpublished) {
                out.add(CheckpointCodec.decode(thread, log.byStep(log.stepById.get(id)).bytes()));
            }
            return out;
        }
    }

    @Override
    public void markPublished(ThreadKey thread, CheckpointId id) {
        ThreadLog log = threads.get(thread);
        if (log != null) {
            synchronized (log) {
                log.unpublished.remove(id);
            }
        }
    }

    static ThreadlineException conflict(Commit commit, long headStep) {
        return new ThreadlineException(ErrorCode.CONFLICT,
                "thread " + commit.thread().threadId() + " moved on: expected step " + commit.expectedStep()
                        + " but the head is at step " + headStep + "; reload and try again",
                Map.of("thread", commit.thread().threadId(), "expectedStep", commit.expectedStep(), "headStep", headStep));
    }

    @Override
    public PruneReport prune(ThreadKey thread, RetentionPolicy policy, Instant now) {
        ThreadLog log = threads.get(thread);
        if (log == null) {
            return new PruneReport(0, 0, 0);
        }
        synchronized (log) {
            Entry head = log.head();
            if (head == null) {
                return new PruneReport(0, 0, 0);
            }
            long oldestRetained = Math.max(log.firstStep, head.step() - policy.keepLast() + 1);
            long keepFrom = oldestRetained;
            while (!log.byStep(keepFrom).snapshot()) {
                keepFrom--;
            }
            int removed = (int) (keepFrom - log.firstStep);
            long removedBytes = 0;
            for (int i = 0; i < removed; i++) {
                Entry e = log.entries.get(i);
                removedBytes += e.bytes().length;
                log.stepById.remove(e.id());
                log.unpublished.remove(e.id());
                if (e.idempotencyKey() != null) {
                    log.idByKey.remove(e.idempotencyKey());
                }
            }
            log.entries.subList(0, removed).clear();
            log.firstStep = keepFrom;
            log.bytes -= removedBytes;
            return new PruneReport(removed, removedBytes, keepFrom);
        }
    }

    @Override
    public long storedBytes(ThreadKey thread) {
        ThreadLog log = threads.get(thread);
        if (log == null) {
            return 0;
        }
        synchronized (log) {
            return log.bytes;
        }
    }

    @Override
    public void putPendingEffect(ThreadKey thread, long step, int seq, PendingEffect effect) {
        Map<Long, java.util.TreeMap<Integer, PendingEffect>> steps = pending.computeIfAbsent(thread, k -> new ConcurrentHashMap<>());
        synchronized (steps) {
            if (steps.computeIfAbsent(step, k -> new java.util.TreeMap<>()).putIfAbsent(seq, effect) != null) {
                throw new ThreadlineException(ErrorCode.CONFLICT,
                        "another attempt of step " + step + " of thread " + thread.threadId() + " is running",
                        Map.of("thread", thread.threadId(), "step", step));
            }
        }
    }

    @Override
    public List<PendingEffect> pendingEffects(ThreadKey thread, long step) {
        Map<Long, java.util.TreeMap<Integer, PendingEffect>> steps = pending.get(thread);
        if (steps == null) {
            return List.of();
        }
        synchronized (steps) {
            steps.keySet().removeIf(earlier -> earlier < step);  // orphans: see CheckpointStore#pendingEffects
            java.util.TreeMap<Integer, PendingEffect> effects = steps.get(step);
            return effects == null ? List.of() : List.copyOf(effects.values());
        }
    }

    @Override
    public void clearPendingEffects(ThreadKey thread, long step) {
        Map<Long, java.util.TreeMap<Integer, PendingEffect>> steps = pending.get(thread);
        if (steps != null) {
            synchronized (steps) {
                steps.remove(step);
            }
        }
    }

    @Override
    public void discardPendingEffects(ThreadKey thread, long step, java.util.Collection<Integer> seqs) {
        Map<Long, java.util.TreeMap<Integer, PendingEffect>> steps = pending.get(thread);
        if (steps != null) {
            synchronized (steps) {
                java.util.TreeMap<Integer, PendingEffect> effects = steps.get(step);
                if (effects != null) {
                    effects.keySet().removeAll(seqs);
                    if (effects.isEmpty()) {
                        steps.remove(step);
                    }
                }
            }
        }
    }

    /**
     * The log leaves the map first, then is closed under its monitor: a commit that holds the monitor before
     * lands and is counted here; one after finds it closed ({@code THREAD_DELETED}); one that looks the thread
     * up after the removal starts a new thread.
     */
    @Override
    public ThreadDeletion delete(ThreadKey thread) {
        long pendingEffects = 0;
        Map<Long, java.util.TreeMap<Integer, PendingEffect>> steps = pending.remove(thread);
        if (steps != null) {
            synchronized (steps) {
                for (java.util.TreeMap<Integer, PendingEffect> effects : steps.values()) {
                    pendingEffects += effects.size();
                }
            }
        }
        ThreadLog log = threads.remove(thread);
        if (log == null) {
            return new ThreadDeletion(0, 0, 0, pendingEffects, 0, 0, 0);
        }
        synchronized (log) {
            log.deleted = true;
            return new ThreadDeletion(log.entries.size(), 0, log.entries.isEmpty() ? 0 : 1, pendingEffects, log.idByKey.size(),
                    log.unpublished.size(), 0);
        }
    }

    /**
     * Puts a recorded thread back as it was exported — possibly starting after a pruned prefix — for
     * replays and tests. The thread must not exist here; the first checkpoint must be a snapshot and
     * every next one must follow its parent. Outboxes count as applied: a restored recording never
     * writes memories again.
     */
    public void restore(ThreadKey thread, List<Checkpoint> checkpoints) {
        if (checkpoints.isEmpty() || !checkpoints.get(0).isSnapshot()) {
            throw new IllegalArgumentException("a restored thread starts with a snapshot");
        }
        ThreadLog log = new ThreadLog();
        Checkpoint previous = null;
        for (Checkpoint cp : checkpoints) {
            if (previous != null && (cp.step() != previous.step() + 1 || !previous.id().equals(cp.parent()))) {
                throw new IllegalArgumentException("checkpoint " + cp.id() + " does not follow " + previous.id());
            }
            byte[] bytes = CheckpointCodec.encode(cp);
            log.entries.add(new Entry(cp.step(), cp.id(), cp.isSnapshot(), cp.idempotencyKey(), bytes));
            log.stepById.put(cp.id(), cp.step());
            if (cp.idempotencyKey() != null) {
                log.idByKey.put(cp.idempotencyKey(), cp.id());
            }
            log.bytes += bytes.length;
            previous = cp;
        }
        log.firstStep = checkpoints.get(0).step();
        log.summary = ThreadSummary.of(previous, log.tags);
        if (threads.putIfAbsent(thread, log) != null) {
            throw new IllegalArgumentException("thread " + thread + " already exists here");
        }
    }

    /**
     * Walks every thread this store holds (it is in memory: there is no index to keep), keeping the tenant's that
     * match, in listing order; memory is bounded by the matching threads of one tenant.
     */
    @Override
    public ThreadPage threads(String tenant, ThreadQuery query) {
        ThreadCursor after = query.cursor() == null ? null : ThreadCursor.parse(query.cursor());
        java.util.TreeMap<ThreadCursor, ThreadSummary> ordered = new java.util.TreeMap<>();
        threads.forEach((key, log) -> {
            if (!key.tenant().equals(tenant)) {
                return;
            }
            ThreadSummary summary;
            synchronized (log) {
                summary = log.summary;
            }
            if (summary == null) {
                return;
            }
            ThreadCursor position = new ThreadCursor(bucket(summary.updatedAt()), summary.threadId());
            if ((after == null || position.compareTo(after) > 0) && query.matches(summary)) {
                ordered.put(position, summary);
                if (ordered.size() > query.limit() + 1) {
                    ordered.pollLastEntry();
                }
            }
        });
        List<ThreadSummary> page = new ArrayList<>(query.limit());
        ThreadCursor last = null;
        for (Map.Entry<ThreadCursor, ThreadSummary> e : ordered.entrySet()) {
            if (page.size() == query.limit()) {
                return new ThreadPage(page, last.encode());
            }
            page.add(e.getValue());
            last = e.getKey();
        }
        return new ThreadPage(page, null);
    }

    private static long bucket(Instant at) {
        return at.toEpochMilli();
    }

    @Override
    public ThreadTags retag(ThreadKey thread, Map<String, String> set, java.util.Collection<String> remove) {
        ThreadLog log = threads.get(thread);
        if (log != null) {
            synchronized (log) {
                if (log.head() != null) {
                    ThreadTags next = log.tags.with(set, remove);
                    log.tags = next;
                    ThreadSummary s = log.summary;
                    log.summary = new ThreadSummary(s.threadId(), s.agent(), s.status(), s.step(), s.checkpointId(), s.updatedAt(), next,
                            s.waitingFor());
                    return next;
                }
            }
        }
        throw new ThreadlineException(ErrorCode.THREAD_NOT_FOUND, "no thread " + thread.threadId() + " of this tenant",
                Map.of("thread", thread.threadId()));
    }

    /**
     * Threads in (tenant, thread id) order; the cursor is the last thread returned. Each page looks at every thread
     * once and keeps the {@code limit} next ones: no copy of the whole key set is held.
     */
    @Override
    public HeadPage scanHeads(HeadScan scan) {
        ThreadKey after = scan.cursor() == null ? null : scanCursor(scan);
        java.util.Comparator<ThreadKey> order = java.util.Comparator.comparing(ThreadKey::tenant).thenComparing(ThreadKey::threadId);
        // The limit smallest keys after the cursor: a max-heap of at most limit keys.
        java.util.PriorityQueue<ThreadKey> page = new java.util.PriorityQueue<>(order.reversed());
        for (ThreadKey key : threads.keySet()) {
            if ((scan.tenant() != null && !scan.tenant().equals(key.tenant())) || (after != null && order.compare(key, after) <= 0)) {
                continue;
            }
            page.add(key);
            if (page.size() > scan.limit()) {
                page.poll();
            }
        }
        List<ThreadKey> keys = new ArrayList<>(page);
        keys.sort(order);
        List<HeadPage.Entry> heads = new ArrayList<>(keys.size());
        for (ThreadKey key : keys) {
            head(key).ifPresent(head -> heads.add(new HeadPage.Entry(key, head)));
        }
        String next = keys.size() < scan.limit() ? null : CURSOR_PREFIX + keys.get(keys.size() - 1).tenant() + "/" + keys.get(keys.size() - 1).threadId();
        return new HeadPage(heads, next);
    }

    private static final String CURSOR_PREFIX = "mem1:";

    private static ThreadKey scanCursor(HeadScan scan) {
        String cursor = scan.cursor();
        int slash = cursor.indexOf('/');
        if (!cursor.startsWith(CURSOR_PREFIX) || slash < 0) {
            throw scan.badCursor();
        }
        ThreadKey key;
        try {
            key = ThreadKey.of(cursor.substring(CURSOR_PREFIX.length(), slash), cursor.substring(slash + 1));
        } catch (ThreadlineException e) {
            throw scan.badCursor();
        }
        if (scan.tenant() != null && !scan.tenant().equals(key.tenant())) {
            throw scan.badCursor();
        }
        return key;
    }
}
