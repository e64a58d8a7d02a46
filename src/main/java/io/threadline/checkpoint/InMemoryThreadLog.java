package io.threadline.checkpoint;

import io.threadline.ErrorCode;
import io.threadline.ThreadlineException;

import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * One thread's checkpoints for {@link InMemoryCheckpointStore}, each in its encoded byte form, with the indexes a
 * store answers from (by id, by idempotency key, the unpublished outboxes). The single append path checks what the
 * DynamoDB store's condition expression checks. Every access holds this log's monitor, so commits on a thread
 * serialise; {@link InMemoryThreadLogs#read} takes it for the reads.
 */
final class InMemoryThreadLog {

    private record Entry(long step, CheckpointId id, boolean snapshot, String idempotencyKey, byte[] bytes) {}

    private final List<Entry> entries = new ArrayList<>();
    private final Map<CheckpointId, Long> stepById = new HashMap<>();
    private final Map<String, CheckpointId> idByKey = new HashMap<>();
    private final Set<CheckpointId> unpublished = new LinkedHashSet<>();
    private long firstStep = 1;
    private long bytes;
    /** The thread's tags (on its head); set by its first commit and by retag. */
    private ThreadTags tags = ThreadTags.none();
    /** The head as a listing shows it, kept current by every commit and retag. */
    private ThreadSummary summary;
    /** Set by a delete, under the monitor: a committer that took this log before the delete must not write to it. */
    private boolean deleted;

    /**
     * A log holding a recorded thread as it was exported, possibly starting after a pruned prefix: the first
     * checkpoint must be a snapshot and every next one must follow its parent. Outboxes count as applied.
     */
    static InMemoryThreadLog restored(List<Checkpoint> checkpoints) {
        if (checkpoints.isEmpty() || !checkpoints.get(0).isSnapshot()) {
            throw new IllegalArgumentException("a restored thread starts with a snapshot");
        }
        InMemoryThreadLog log = new InMemoryThreadLog();
        Checkpoint previous = null;
        for (Checkpoint cp : checkpoints) {
            if (previous != null && (cp.step() != previous.step() + 1 || !previous.id().equals(cp.parent()))) {
                throw new IllegalArgumentException("checkpoint " + cp.id() + " does not follow " + previous.id());
            }
            log.add(cp, CheckpointCodec.encode(cp));
            previous = cp;
        }
        log.unpublished.clear();  // a restored recording never writes memories again
        log.firstStep = checkpoints.get(0).step();
        log.summary = ThreadSummary.of(previous, log.tags);
        return log;
    }

    /** Appends the commit's checkpoint (encoded as {@code bytes}) if it follows the head, or answers the earlier one of its idempotency key. */
    synchronized CommitResult commit(Commit commit, byte[] bytes) {
        Checkpoint cp = commit.checkpoint();
        if (deleted) {
            throw ThreadDeletion.closed(commit.thread());
        }
        if (cp.idempotencyKey() != null) {
            CheckpointId earlier = idByKey.get(cp.idempotencyKey());
            if (earlier != null && stepById.containsKey(earlier)) {
                return new CommitResult(decoded(commit.thread(), earlier), true);
            }
        }
        if (commit.runGuard() != null && !commit.runGuard().holds(commit.thread())) {
            // Under this log's monitor, which a delete takes (after removing the run record) to close the log: a guard
            // that holds here was checked before the record went, so the delete that follows deletes this commit.
            throw commit.runGuard().refused(commit.thread(), cp.step());
        }
        Entry head = head();
        long headStep = head == null ? 0 : head.step();
        if (headStep != commit.expectedStep()) {
            throw conflict(commit, headStep);
        }
        if (head != null && !head.id().equals(cp.parent())) {
            throw new IllegalArgumentException("checkpoint parent " + cp.parent() + " is not the head " + head.id());
        }
        if (head != null && cp.id().compareTo(head.id()) <= 0) {
            throw new IllegalArgumentException("checkpoint id " + cp.id() + " does not follow the head " + head.id());
        }
        add(cp, bytes);
        if (commit.expectedStep() == 0) {
            tags = commit.tags();
        }
        summary = ThreadSummary.of(cp, tags);
        return new CommitResult(cp, false, bytes.length); // what this store keeps of a checkpoint: its envelope
    }

    private void add(Checkpoint cp, byte[] encoded) {
        entries.add(new Entry(cp.step(), cp.id(), cp.isSnapshot(), cp.idempotencyKey(), encoded));
        stepById.put(cp.id(), cp.step());
        if (cp.idempotencyKey() != null) {
            idByKey.put(cp.idempotencyKey(), cp.id());
        }
        if (cp.hasOutbox()) {
            unpublished.add(cp.id());
        }
        bytes += encoded.length;
    }

    private static ThreadlineException conflict(Commit commit, long headStep) {
        return new ThreadlineException(ErrorCode.CONFLICT,
                "thread " + commit.thread().threadId() + " moved on: expected step " + commit.expectedStep()
                        + " but the head is at step " + headStep + "; reload and try again",
                Map.of("thread", commit.thread().threadId(), "expectedStep", commit.expectedStep(), "headStep", headStep));
    }

    private Entry head() {
        return entries.isEmpty() ? null : entries.get(entries.size() - 1);
    }

    private Entry byStep(long step) {
        long i = step - firstStep;
        return i < 0 || i >= entries.size() ? null : entries.get((int) i);
    }

    private Checkpoint decode(ThreadKey thread, long step) {
        return CheckpointCodec.decode(thread, byStep(step).bytes());
    }

    /** The head's id and step; null while the log is empty. */
    ThreadHead headOrNull() {
        Entry head = head();
        return head == null ? null : new ThreadHead(head.id(), head.step());
    }

    /** The checkpoint of {@code id}, decoded; null when the log holds none. */
    Checkpoint decoded(ThreadKey thread, CheckpointId id) {
        Long step = id == null ? null : stepById.get(id);
        return step == null ? null : decode(thread, step);
    }

    /** The checkpoint of the idempotency key, decoded; null when the log holds none. */
    Checkpoint byIdempotencyKey(ThreadKey thread, String idempotencyKey) {
        return decoded(thread, idByKey.get(idempotencyKey));
    }

    /** The chain from the nearest snapshot up to the head; null while the log is empty. */
    CheckpointChain latestChain(ThreadKey thread) {
        Entry head = head();
        return head == null ? null : chain(thread, head.step());
    }

    /** The chain from the nearest snapshot up to the checkpoint of {@code id}; null when the log holds none. */
    CheckpointChain chain(ThreadKey thread, CheckpointId id) {
        Long step = stepById.get(id);
        return step == null ? null : chain(thread, step);
    }

    private CheckpointChain chain(ThreadKey thread, long targetStep) {
        long from = snapshotAtOrBelow(targetStep);
        List<Checkpoint> out = new ArrayList<>((int) (targetStep - from + 1));
        List<Long> stored = new ArrayList<>(out.size());
        for (long s = from; s <= targetStep; s++) {
            out.add(decode(thread, s));
            stored.add((long) byStep(s).bytes().length);
        }
        return new CheckpointChain(out, stored);
    }

    private long snapshotAtOrBelow(long step) {
        long at = step;
        while (!byStep(at).snapshot()) {
            at--;
        }
        return at;
    }

    /** One page of the thread's checkpoints, newest first; a cursor is the step of the last checkpoint answered. */
    HistoryPage history(ThreadKey thread, HistoryQuery query) {
        Entry head = head();
        if (head == null) {
            return HistoryPage.empty();
        }
        long start = query.cursor() == null ? head.step() : parseCursor(query) - 1;
        start = Math.min(start, head.step());
        List<Checkpoint> page = new ArrayList<>(query.limit());
        long step = start;
        for (; step >= firstStep && page.size() < query.limit(); step--) {
            page.add(decode(thread, step));
        }
        // The next page starts one below the last checkpoint answered.
        List<String> cursors = page.stream().map(cp -> Long.toString(cp.step())).toList();
        String next = step >= firstStep && !page.isEmpty() ? cursors.get(cursors.size() - 1) : null;
        return new HistoryPage(page, next, cursors);
    }

    private static long parseCursor(HistoryQuery query) {
        try {
            return Long.parseLong(query.cursor());
        } catch (NumberFormatException e) {
            throw query.badCursor();
        }
    }

    /** The checkpoints whose outbox is not yet published, oldest first. */
    List<Checkpoint> unpublished(ThreadKey thread) {
        List<Checkpoint> out = new ArrayList<>();
        for (CheckpointId id : unpublished) {
            out.add(decode(thread, stepById.get(id)));
        }
        return out;
    }

    boolean markPublished(CheckpointId id) {
        return unpublished.remove(id);
    }

    long storedBytes() {
        return bytes;
    }

    /** Drops the checkpoints below the policy's window, back to the snapshot the oldest kept one needs. */
    PruneReport prune(RetentionPolicy policy) {
        Entry head = head();
        if (head == null) {
            return new PruneReport(0, 0, 0);
        }
        long keepFrom = snapshotAtOrBelow(Math.max(firstStep, head.step() - policy.keepLast() + 1));
        int removed = (int) (keepFrom - firstStep);
        long removedBytes = 0;
        for (Entry e : entries.subList(0, removed)) {
            removedBytes += e.bytes().length;
            stepById.remove(e.id());
            unpublished.remove(e.id());
            if (e.idempotencyKey() != null) {
                idByKey.remove(e.idempotencyKey());
            }
        }
        entries.subList(0, removed).clear();
        firstStep = keepFrom;
        bytes -= removedBytes;
        return new PruneReport(removed, removedBytes, keepFrom);
    }

    /** Sets and removes tags on the head; null while the log is empty. */
    ThreadTags retag(Map<String, String> set, Collection<String> remove) {
        if (head() == null) {
            return null;
        }
        tags = tags.with(set, remove);
        ThreadSummary s = summary;
        summary = new ThreadSummary(s.threadId(), s.agent(), s.status(), s.step(), s.checkpointId(), s.updatedAt(), tags,
                s.waitingFor());
        return tags;
    }

    /** The head as a listing shows it; null while the log is empty. */
    synchronized ThreadSummary summary() {
        return summary;
    }

    /** Closes the log to committers that took it before the delete, and counts what it held. */
    synchronized ThreadDeletion close(long pendingEffects) {
        deleted = true;
        return new ThreadDeletion(entries.size(), 0, entries.isEmpty() ? 0 : 1, pendingEffects, idByKey.size(), unpublished.size(), 0);
    }
}
