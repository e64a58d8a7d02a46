package io.threadline.checkpoint.dynamodb.internal;

import io.threadline.checkpoint.Checkpoint;
import io.threadline.checkpoint.CheckpointId;
import io.threadline.checkpoint.ThreadKey;
import software.amazon.awssdk.services.dynamodb.model.AttributeValue;

import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * The checkpoints this store committed lately, per thread, as the packer would read them back: so the commit that ends a
 * block packs what its own container wrote without a Query, an inflate and a decode per member ({@link DeltaPacker}). A
 * warm Lambda container writes every step of the threads it serves, so it knows the whole block; where it does not (a
 * container started mid-block, another container's steps, an evicted thread), {@link #block} says so and the packer
 * reads the block back.
 *
 * <p>What is kept are the items exactly as the commit's transaction wrote them, and the envelopes they were made of.
 * A checkpoint's item is never rewritten, only deleted (by a pack, a prune, the thread's delete), so a kept member is
 * what the table holds or held. One another packer already packed is packed again here, which reads allow (overlapping
 * packs read as one); one a delete removed is caught by the packer's head check after its put.
 */
public final class RecentDeltas {

    /**
     * Threads kept, least recently committed dropped first. A Lambda container runs one invocation at a time, so a few
     * threads are in a block at once; at 256 deltas a block and ~1.5 KB a member (item and envelope) this bounds the
     * cache at ~25 MB, at the recommended 32 at ~3 MB.
     */
    static final int THREADS = 64;

    /** A committed checkpoint: a single-item delta with its item and envelope, or a snapshot or chunked delta (a block ends there). */
    record Member(long step, CheckpointId id, CheckpointId parent, Map<String, AttributeValue> item, byte[] envelope) {

        boolean endsBlock() {
            return item == null;
        }
    }

    /** Members kept a thread: a block, and the commit that ends it (recorded before it packs). */
    private final int kept;
    private final Map<ThreadKey, TreeMap<Long, Member>> threads = new LinkedHashMap<>(16, 0.75f, true) {
        @Override
        protected boolean removeEldestEntry(Map.Entry<ThreadKey, TreeMap<Long, Member>> eldest) {
            return size() > THREADS;
        }
    };

    /** @param deltasPerPack the block size: no more members than one block are kept a thread */
    public RecentDeltas(int deltasPerPack) {
        this.kept = deltasPerPack + 1;
    }

    /**
     * Records a commit: {@code items} as the transaction wrote them (the checkpoint item, then its chunks) and the
     * envelope they hold. A checkpoint at a step already known replaces it and forgets every later one: the thread was
     * deleted and written again from the start.
     */
    public synchronized void committed(ThreadKey thread, Checkpoint cp, byte[] envelope, List<Map<String, AttributeValue>> items) {
        TreeMap<Long, Member> members = threads.computeIfAbsent(thread, t -> new TreeMap<>());
        members.tailMap(cp.step(), true).clear();
        boolean single = !cp.isSnapshot() && items.size() == 1;
        members.put(cp.step(), new Member(cp.step(), cp.id(), cp.parent(), single ? items.get(0) : null, single ? envelope : null));
        while (members.size() > kept) {
            members.pollFirstEntry();
        }
    }

    /**
     * The block {@code committed} ends, oldest first, as {@link DeltaPacker}'s read-back finds it: the single-item deltas
     * from {@code committed}'s parent down to {@code oldestStep}, each the parent of the one after, cut short at a
     * snapshot or a chunked delta. Null when a member is not known here (the block must be read back).
     */
    public synchronized List<Member> block(ThreadKey thread, Checkpoint committed, long oldestStep) {
        TreeMap<Long, Member> members = threads.get(thread);
        if (members == null) {
            return null;
        }
        List<Member> newestFirst = new ArrayList<>();
        CheckpointId expected = committed.parent();
        for (long step = committed.step() - 1; step >= oldestStep; step--) {
            Member member = members.get(step);
            if (member == null || !member.id().equals(expected)) {
                return null;
            }
            if (member.endsBlock()) {
                break;
            }
            newestFirst.add(member);
            expected = member.parent();
        }
        Collections.reverse(newestFirst);
        return newestFirst;
    }

    /** Forgets a thread: it was deleted or erased. */
    public synchronized void forget(ThreadKey thread) {
        threads.remove(thread);
    }
}
