package io.threadline.checkpoint.dynamodb.internal;

import io.threadline.ErrorCode;
import io.threadline.ThreadlineException;
import io.threadline.checkpoint.Checkpoint;
import io.threadline.checkpoint.CheckpointChain;
import io.threadline.checkpoint.CheckpointId;
import io.threadline.checkpoint.ThreadKey;
import software.amazon.awssdk.services.dynamodb.model.AttributeValue;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;

/**
 * Collects a chain read newest first and stops at its snapshot. Checkpoints are kept by step: a pack comes after the
 * items of its checkpoints not deleted yet (they sort above its key), and fills in what they lack, whatever of them
 * is left. What sorts above the target is passed over; the first item below it that does not hold it stops the read
 * ({@link #passedOver}): the target is not stored, or it is packed with pack-mates still above its pack, which the
 * caller then looks for ({@code packHolding}).
 */
final class ChainCollector {
    private static final Comparator<Read> BY_STEP = Comparator.comparingLong(r -> r.checkpoint.step());

    private final ThreadKey thread;
    private final CheckpointItems items;
    /**
     * What was read, in the order read (a read's checkpoints newest first), with what it read for each. A chain is read
     * newest first, so this is mostly in descending step order already; {@link #finish} orders it by step, the first
     * read of a step kept. No map per checkpoint: a cold read late in a snapshot cycle collects ~1,400 of them.
     */
    private final List<Read> read = new ArrayList<>();
    /** The first read of the lowest step so far: whether it is a snapshot says whether the chain is complete. */
    private Checkpoint lowest;
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
        List<Checkpoint> decoded = items.accept(item);
        if (decoded.isEmpty()) {
            return true;
        }
        long bytes = itemBytes;
        itemBytes = 0;
        return collect(decoded, bytes);
    }

    /**
     * Keeps what one item held (its checkpoint, or a pack's, oldest first) that is not above the target, with what its
     * items cost ({@code bytes}). Returns false once the chain is complete.
     */
    boolean collect(List<Checkpoint> decoded, long bytes) {
        long weights = 0;
        for (Checkpoint cp : decoded) {
            weights += weight(cp);
        }
        for (int i = decoded.size() - 1; i >= 0; i--) {
            Checkpoint cp = decoded.get(i);
            if (cp.id().compareTo(target) > 0) {
                continue;
            }
            found |= cp.id().equals(target);
            // a pack's bytes are shared by its checkpoints in proportion to their changes
            read.add(new Read(cp, decoded.size() == 1 ? bytes : bytes * weight(cp) / weights));
            if (lowest == null || cp.step() < lowest.step()) {
                lowest = cp;
            }
        }
        complete = found && lowest.isSnapshot();
        return !complete;
    }

    private static long weight(Checkpoint cp) {
        return cp.change().size() + 1L;
    }

    CheckpointChain finish() {
        if (!complete) {
            throw broken(target, read.isEmpty()
                    ? "checkpoint " + target + " is not stored"
                    : "no snapshot is stored at or before step " + lowest.step()
                    + " (expired by TTL, or removed outside prune)");
        }
        // Stable: of the reads of one step (a pack's checkpoint whose own item is not deleted yet), the first stays first.
        read.sort(BY_STEP);
        List<Checkpoint> chain = new ArrayList<>(read.size());
        List<Long> stored = new ArrayList<>(read.size());
        long previous = 0;
        for (Read r : read) {
            if (chain.isEmpty() || r.checkpoint.step() != previous) {
                chain.add(r.checkpoint);
                stored.add(r.storedBytes);
                previous = r.checkpoint.step();
            }
        }
        try {
            return new CheckpointChain(chain, stored);
        } catch (IllegalArgumentException e) {
            throw broken(target, e.getMessage());
        }
    }

    /** A checkpoint read, and the bytes its item (its share of its pack) cost. */
    private record Read(Checkpoint checkpoint, long storedBytes) {
    }

    private ThreadlineException broken(CheckpointId target, String why) {
        return new ThreadlineException(ErrorCode.INTERNAL, "the checkpoint chain of " + thread + " up to " + target
                + " is incomplete: " + why, Map.of("thread", thread.threadId(), "checkpointId", target.value()));
    }
}
