package io.threadline.checkpoint.dynamodb.internal;

import io.threadline.ErrorCode;
import io.threadline.ThreadlineException;
import io.threadline.checkpoint.Checkpoint;
import io.threadline.checkpoint.CheckpointChain;
import io.threadline.checkpoint.CheckpointId;
import io.threadline.checkpoint.ThreadKey;
import software.amazon.awssdk.services.dynamodb.model.AttributeValue;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * Collects a chain read newest first and stops at its snapshot. Checkpoints are kept by step: a pack comes after the
 * items of its checkpoints not deleted yet (they sort above its key), and fills in what they lack, whatever of them
 * is left. What sorts above the target is passed over; the first item below it that does not hold it stops the read
 * ({@link #passedOver}): the target is not stored, or it is packed with pack-mates still above its pack, which the
 * caller then looks for ({@code packHolding}).
 */
final class ChainCollector {
    private final ThreadKey thread;
    private final CheckpointItems items;
    private final TreeMap<Long, Checkpoint> byStep = new TreeMap<>();
    private final Map<Long, Long> storedByStep = new HashMap<>();
    private long itemBytes; // of the items read since the last complete checkpoint: its chunks, then itself
    private boolean found;
    private boolean complete;
    private boolean passedOver;
    private String floor;
    private CheckpointId target;

    ChainCollector(ThreadKey thread, InflateThreads inflate, CheckpointId target) {
        this.thread = thread;
        this.items = new CheckpointItems(thread, inflate);
        this.target = target;
    }

    void target(CheckpointId id) {
        target = id;
    }

    /** Whether the target is not among what was read. */
    boolean isEmpty() {
        return !found;
    }

    /** Whether the read stopped at an item below the target that does not hold it, the target not found. */
    boolean passedOver() {
        return passedOver;
    }

    /** The lowest sort key the chain reaches, as its newest item says; null until one says. */
    String floor() {
        return floor;
    }

    /** Returns false once the snapshot is in, or the target is known to be missing: the chain needs nothing older. */
    boolean accept(Map<String, AttributeValue> item) {
        String sk = item.get(Keys.SK).s();
        if (!sk.startsWith(Keys.CHECKPOINT_PREFIX)) {
            return true;
        }
        if (!found) {
            if (Keys.isChunk(sk) && !Keys.checkpointIdOf(sk).equals(target)) {
                return true; // a chunk of a checkpoint passed over
            }
            if (!Keys.isChunk(sk) && !CheckpointItems.holds(item, target)) {
                if (CheckpointItems.allNewerThan(item, target)) {
                    // above the target: not of its chain (above a HEAD nothing can be, commits being transactional)
                    return true;
                }
                // The target is not stored, or it is packed and other items still lie above its pack: the caller looks.
                passedOver = true;
                return false;
            }
        }
        if (floor == null && !Keys.isChunk(sk)) {
            floor = CheckpointItems.chainFloor(item);
        }
        itemBytes += ItemSize.of(item);
        List<Checkpoint> read = items.accept(item);
        if (read.isEmpty()) {
            return true;
        }
        long bytes = itemBytes;
        itemBytes = 0;
        long weights = 0;
        for (Checkpoint cp : read) {
            weights += weight(cp);
        }
        for (Checkpoint cp : read) {
            if (cp.id().compareTo(target) > 0) {
                continue;
            }
            found |= cp.id().equals(target);
            if (byStep.putIfAbsent(cp.step(), cp) == null) {
                // a pack's bytes are shared by its checkpoints in proportion to their changes
                storedByStep.put(cp.step(), read.size() == 1 ? bytes : bytes * weight(cp) / weights);
            }
        }
        complete = found && byStep.firstEntry().getValue().isSnapshot();
        return !complete;
    }

    private static long weight(Checkpoint cp) {
        return cp.change().size() + 1L;
    }

    CheckpointChain finish() {
        if (!complete) {
            throw broken(target, byStep.isEmpty()
                    ? "checkpoint " + target + " is not stored"
                    : "no snapshot is stored at or before step " + byStep.firstKey()
                    + " (expired by TTL, or removed outside prune)");
        }
        List<Checkpoint> chain = new ArrayList<>(byStep.values());
        List<Long> stored = new ArrayList<>(chain.size());
        chain.forEach(cp -> stored.add(storedByStep.get(cp.step())));
        try {
            return new CheckpointChain(chain, stored);
        } catch (IllegalArgumentException e) {
            throw broken(target, e.getMessage());
        }
    }

    private ThreadlineException broken(CheckpointId target, String why) {
        return new ThreadlineException(ErrorCode.INTERNAL, "the checkpoint chain of " + thread + " up to " + target
                + " is incomplete: " + why, Map.of("thread", thread.threadId(), "checkpointId", target.value()));
    }
}
