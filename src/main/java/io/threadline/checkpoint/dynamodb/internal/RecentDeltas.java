package io.threadline.checkpoint.dynamodb.internal;

import io.threadline.checkpoint.Checkpoint;
import io.threadline.checkpoint.CheckpointId;
import io.threadline.checkpoint.ThreadKey;
import software.amazon.awssdk.services.dynamodb.model.AttributeValue;

import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.Iterator;
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
 * <p>What is kept of a single-item delta are its envelope and its item's other attributes exactly as the commit's
 * transaction wrote them (not its {@code data}: a pack holds the envelopes). A checkpoint's item is never rewritten, only
 * deleted, and a block is taken only as the chain of ids that goes down from the parent the commit's transaction just
 * checked against the head, so a kept member is what the table holds or held. Ids are never made twice (their time and
 * random bits), also by a thread deleted and written again under its id. A member another packer packed and deleted
 * first is packed again here, which reads allow (overlapping packs read as one); one a delete removed meanwhile is caught
 * by the packer's head check after its put; one a prune or TTL removed meanwhile leaves a pack the next prune removes —
 * the same windows as a read-back's.
 */
public final class RecentDeltas {

    /**
     * Threads kept, least recently committed dropped first. A Lambda container runs one invocation at a time, so a few
     * threads are in a block at once.
     */
    static final int THREADS = 64;
    /**
     * Bytes kept at most, envelopes and items together, least recently committed threads dropped first (within a thread,
     * its oldest members): W1's deltas (~1 KB a member) fill 64 threads packed by 32 with ~2 MB; deltas of ~20 KB still
     * keep the blocks of ~25 threads.
     */
    static final long MAX_BYTES = 16L << 20;

    /** A committed checkpoint: a single-item delta with its item and envelope, or a snapshot or chunked delta (a block ends there). */
    record Member(long step, CheckpointId id, CheckpointId parent, Map<String, AttributeValue> item, byte[] envelope) {

        boolean endsBlock() {
            return item == null;
        }

        long bytes() {
            return endsBlock() ? 0 : envelope.length + ItemSize.of(item);
        }
    }

    /** Members kept a thread: a block, and the commit that ends it (recorded before it packs). */
    private final int kept;
    private final Map<ThreadKey, TreeMap<Long, Member>> threads = new LinkedHashMap<>(16, 0.75f, true);
    private long bytes;

    /** @param deltasPerPack the block size: no more members than one block and the commit ending it are kept a thread */
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
        Map<Long, Member> later = members.tailMap(cp.step(), true);
        later.values().forEach(member -> bytes -= member.bytes());
        later.clear();
        Member member;
        if (!cp.isSnapshot() && items.size() == 1) {
            Map<String, AttributeValue> item = new HashMap<>(items.get(0));
            item.remove(Keys.DATA);
            member = new Member(cp.step(), cp.id(), cp.parent(), item, envelope);
        } else {
            member = new Member(cp.step(), cp.id(), cp.parent(), null, null);
        }
        members.put(cp.step(), member);
        bytes += member.bytes();
        while (members.size() > kept) {
            bytes -= members.pollFirstEntry().getValue().bytes();
        }
        trim(thread, members);
    }

    /** Drops the least recently committed threads, then this thread's oldest members, until under {@link #MAX_BYTES}. */
    private void trim(ThreadKey current, TreeMap<Long, Member> members) {
        Iterator<Map.Entry<ThreadKey, TreeMap<Long, Member>>> eldest = threads.entrySet().iterator();
        while ((bytes > MAX_BYTES || threads.size() > THREADS) && eldest.hasNext()) {
            Map.Entry<ThreadKey, TreeMap<Long, Member>> entry = eldest.next();
            if (!entry.getKey().equals(current)) {
                entry.getValue().values().forEach(member -> bytes -= member.bytes());
                eldest.remove();
            }
        }
        while (bytes > MAX_BYTES && !members.isEmpty()) {
            bytes -= members.pollFirstEntry().getValue().bytes();
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

    /**
     * Forgets a thread: it is being deleted or erased, and what it said should not stay in memory until evicted. Not
     * needed for what packs hold (ids are never made twice).
     */
    public synchronized void forget(ThreadKey thread) {
        TreeMap<Long, Member> members = threads.remove(thread);
        if (members != null) {
            members.values().forEach(member -> bytes -= member.bytes());
        }
    }

    /** Whether anything of {@code thread} is kept. */
    public synchronized boolean holds(ThreadKey thread) {
        return threads.containsKey(thread);
    }

    /** Bytes kept, envelopes and items together. */
    synchronized long bytes() {
        return bytes;
    }
}
