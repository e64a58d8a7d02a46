package io.threadline.checkpoint.dynamodb.internal;

import io.threadline.checkpoint.Checkpoint;
import io.threadline.checkpoint.CheckpointId;
import io.threadline.checkpoint.HistoryPage;
import software.amazon.awssdk.services.dynamodb.model.AttributeValue;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * Takes checkpoints newest first, one a step (a thread's checkpoints are one a step: each commit is conditional on
 * the head) — below a cursor, from the cursor's step down, which its item or its pack says. A pack's checkpoints come
 * after the items of any of them not deleted yet, so what is read is held until the step before it is taken: a step
 * whose item is gone is in the pack below. A step that is not there (a hole TTL or a prune left) is given up once a
 * snapshot below it, or more items than can lie between a checkpoint and its pack, are read; what is held is then
 * taken newest first. Without the cursor's checkpoint (pruned since), what lies below it is taken newest first.
 */
final class HistoryCollector {
    private final CheckpointItems items;
    private final CheckpointId cursor;
    private final int limit;
    private final TreeMap<Long, Checkpoint> held = new TreeMap<>();
    private final List<Checkpoint> page = new ArrayList<>();
    /** The step to take next; null: the newest held (no cursor and nothing taken, or a step given up). */
    private Long expected;
    /** With a cursor, until its step is known (from its item or its pack) nothing can be taken. */
    private boolean waitingForCursor;
    private int readWhileWaiting;
    private boolean cursorNotFound;
    private boolean more;

    /** @param cursorStored whether the cursor's checkpoint is expected among what is read (its item, or its pack) */
    HistoryCollector(CheckpointItems items, CheckpointId cursor, int limit, boolean cursorStored) {
        this.items = items;
        this.cursor = cursor;
        this.limit = limit;
        this.waitingForCursor = cursor != null && cursorStored;
    }

    /** Whether the read stopped because the first item below the cursor is neither its own nor its pack. */
    boolean cursorNotFound() {
        return cursorNotFound;
    }

    boolean accept(Map<String, AttributeValue> item) {
        String sk = item.get(Keys.SK).s();
        boolean checkpointOrPack = Keys.isCheckpoint(sk) || Keys.isPack(sk);
        if (page.size() == limit) {
            // Chunks of the next checkpoint come before it; only its checkpoint item (or a pack) proves it exists.
            more = checkpointOrPack;
            return !more;
        }
        if (waitingForCursor && Keys.isCheckpoint(sk) && Keys.checkpointIdOf(sk).equals(cursor)) {
            expectAfter(CheckpointItems.stepOf(item));
            return true;
        }
        if (waitingForCursor && checkpointOrPack && !CheckpointItems.holds(item, cursor) && !CheckpointItems.allNewerThan(item, cursor)) {
            cursorNotFound = true;
            return false;
        }
        for (Checkpoint cp : items.accept(item)) {
            if (cursor != null && cp.id().compareTo(cursor) >= 0) {
                if (waitingForCursor && cp.id().equals(cursor)) {
                    expectAfter(cp.step());
                }
            } else if (page.isEmpty() || cp.step() < page.get(page.size() - 1).step()) {
                held.putIfAbsent(cp.step(), cp);
            }
        }
        if (checkpointOrPack && expected != null && !held.containsKey(expected)) {
            readWhileWaiting++;
            boolean snapshotBelow = Keys.isCheckpoint(sk) && CheckpointItems.isSnapshot(item) && CheckpointItems.stepOf(item) < expected;
            if (snapshotBelow || readWhileWaiting > ThreadReader.MAX_PACK_MATES) {
                expected = null; // not stored: a hole TTL or a prune left
            }
        }
        takeWhatFollows();
        if (page.size() == limit && !held.isEmpty()) {
            more = true;
            return false;
        }
        return true;
    }

    private void expectAfter(long cursorStep) {
        waitingForCursor = false;
        expected = cursorStep - 1;
        held.tailMap(cursorStep, true).clear();
    }

    private void takeWhatFollows() {
        while (!waitingForCursor && !held.isEmpty() && page.size() < limit) {
            Checkpoint next = expected == null ? held.lastEntry().getValue() : held.get(expected);
            if (next == null) {
                return;
            }
            page.add(next);
            held.tailMap(next.step(), true).clear();
            expected = next.step() - 1;
            readWhileWaiting = 0;
        }
    }

    HistoryPage finish() {
        waitingForCursor = false;
        while (!held.isEmpty() && page.size() < limit) {
            expected = null;
            takeWhatFollows();
        }
        more |= !held.isEmpty();
        List<String> cursors = page.stream().map(cp -> cp.id().value()).toList();
        String next = more ? cursors.get(cursors.size() - 1) : null;
        return new HistoryPage(page, next, cursors);
    }
}
