package io.threadline.checkpoint.dynamodb.internal;

import io.threadline.InvocationDeadline;
import io.threadline.checkpoint.Checkpoint;
import io.threadline.checkpoint.CheckpointCodec;
import io.threadline.checkpoint.CheckpointId;
import io.threadline.checkpoint.ThreadKey;
import io.threadline.checkpoint.dynamodb.DynamoDbStoreSettings;
import software.amazon.awssdk.services.dynamodb.DynamoDbClient;
import software.amazon.awssdk.services.dynamodb.model.AttributeValue;
import software.amazon.awssdk.services.dynamodb.model.ConditionalCheckFailedException;
import software.amazon.awssdk.services.dynamodb.model.ReturnValuesOnConditionCheckFailure;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.logging.Level;
import java.util.logging.Logger;

/**
 * Packs a block of delta checkpoints into one item, so that a cold read fetches a long chain in few items: it pays per
 * item, whatever the item's bytes (bench/README.md). Steps are cut into blocks of {@code deltasPerPack}; the commit of
 * step {@code s}, a multiple of it, packs the deltas of steps {@code s - deltasPerPack} to {@code s - 1} (those after
 * the chain's snapshot, as single items): it takes them from what the same store committed ({@link RecentDeltas}) or
 * else reads them back, puts their envelopes compressed together under a key of its own ({@link Keys#pack} of the
 * checkpoint before them; the put fails if one is there), then deletes their items.
 *
 * <p>Why it is safe without a transaction: a pack is written before any item it holds is deleted, and a packer deletes
 * only checkpoint items it read as single deltas and has just put in its own pack — never a pack, whose key no
 * checkpoint has. So whatever packers run at once, with whatever block sizes (a setting changed during a deployment),
 * every checkpoint stays in an item or in a pack; packs that overlap are read as one. A pack sorts below every checkpoint
 * it holds, so a reader going down from the head meets a checkpoint's own item or, once it is deleted, the pack after it.
 * A crash anywhere leaves a readable thread: before the put, the deltas as they were; after it, the pack and what is not
 * deleted yet of their items. Packing is best effort and never fails the commit it follows: what goes wrong is logged,
 * and the block's deltas stay as they are (correct, only read in more items).
 */
public final class DeltaPacker {

    private static final Logger LOG = Logger.getLogger(DeltaPacker.class.getName());
    /** Attempts of the batch deletes of a block's items: left ones cost only reads of items a pack already holds. */
    private static final int DELETE_ATTEMPTS = 3;
    /**
     * Packing is skipped when the invocation has less than this left: its few calls take milliseconds, but what is
     * left belongs to the step's own work after the commit (the outbox, the answer), and a block left unpacked costs
     * only reads. Far above a packing's usual time, far below any sane Lambda timeout.
     */
    static final Duration MIN_TIME_LEFT = Duration.ofSeconds(1);

    private final DynamoDbClient client;
    private final DynamoDbStoreSettings settings;
    private final ThreadReader reader;

    public DeltaPacker(DynamoDbClient client, DynamoDbStoreSettings settings) {
        this.client = client;
        this.settings = settings;
        this.reader = new ThreadReader(client, settings.tableName());
    }

    /**
     * Whether the commit of {@code committed} ends a block of steps and so packs the block before it. Not when it is a
     * snapshot: the block's deltas then lie on no cold read's path (only history and time travel read them), and a
     * snapshot's turn is already a step's costliest. Nor when the invocation ends within {@link #MIN_TIME_LEFT}.
     */
    public boolean due(Checkpoint committed) {
        int block = settings.deltasPerPack();
        return block > 1 && !committed.isSnapshot() && committed.parent() != null && committed.step() % block == 0
                // wall time, as the invocation's deadline is (not the store's clock, which tests may move)
                && InvocationDeadline.cap(MIN_TIME_LEFT, Instant.now()).compareTo(MIN_TIME_LEFT) >= 0;
    }

    /**
     * Packs the block that {@code committed} ends, read back from the table; best effort (see the class).
     *
     * @return the checkpoints packed (0: none, for any reason)
     */
    public int pack(ThreadKey thread, Checkpoint committed) {
        return pack(thread, committed, null);
    }

    /**
     * Packs the block that {@code committed} ends, taking it from {@code recent} (may be null) when that knows all of it;
     * else as {@link #pack(ThreadKey, Checkpoint)}.
     *
     * @return the checkpoints packed (0: none, for any reason)
     */
    public int pack(ThreadKey thread, Checkpoint committed, RecentDeltas recent) {
        try {
            return packBlock(thread, committed, recent);
        } catch (RuntimeException e) {
            // Anything: the commit this follows is done, and a block left unpacked is only read in more items.
            LOG.log(Level.WARNING, "the deltas of steps " + (committed.step() - settings.deltasPerPack()) + "-" + (committed.step() - 1)
                    + " of " + thread + " were not packed (they stay as they are): " + e, e);
            return 0;
        }
    }

    private int packBlock(ThreadKey thread, Checkpoint committed, RecentDeltas recent) {
        long oldestStep = committed.step() - settings.deltasPerPack();
        List<RecentDeltas.Member> known = recent == null ? null : recent.block(thread, committed, oldestStep);
        Block block = known != null ? Block.of(known) : readBackBlock(thread, committed, oldestStep);
        if (block == null || block.items().size() < 2) {
            return 0;
        }
        List<Map<String, AttributeValue>> members = block.items();
        String steps = "steps " + CheckpointItems.stepOf(members.get(0)) + "-" + (committed.step() - 1) + " of " + thread;
        StoredPayload payload = StoredPayload.of(DeltaPackFormat.join(block.envelopes()), settings);
        if (payload.size() > settings.maxItemBytes()) {
            LOG.fine(() -> "the deltas of " + steps + " are not packed: " + payload.size() + " bytes packed, over one item");
            return 0; // a pack is one item: deltas this large are few per block anyway
        }
        Map<String, AttributeValue> pack = CheckpointItems.pack(block.before(), members.get(0), members.get(members.size() - 1), payload);
        if (!put(pack)) {
            return 0;
        }
        if (!threadGoesOn(thread, committed)) {
            client.deleteItem(b -> b.tableName(settings.tableName()).key(BatchDeletes.keyOf(pack)));
            return 0;
        }
        List<Map<String, AttributeValue>> keys = new ArrayList<>(members.size());
        for (Map<String, AttributeValue> item : members) {
            keys.add(BatchDeletes.keyOf(item));
        }
        int left;
        try {
            left = BatchDeletes.deleteOrCountLeft(client, settings.tableName(), keys, DELETE_ATTEMPTS);
        } catch (RuntimeException e) {
            left = keys.size(); // some may be gone: reads pass over whichever are not
            LOG.log(Level.FINE, "deletes of a packed block failed", e);
        }
        if (left > 0) {
            LOG.warning(steps + " are packed, but " + left
                    + " of their items were not deleted: reads pass over them, a prune or the thread's delete removes them");
        }
        return members.size();
    }

    /** A block to pack: its items oldest first, their envelopes, and the checkpoint before it. */
    private record Block(List<Map<String, AttributeValue>> items, List<byte[]> envelopes, CheckpointId before) {

        /** As committed here: their links are the checkpoints' own, and their envelopes never left this process. */
        static Block of(List<RecentDeltas.Member> members) {
            List<Map<String, AttributeValue>> items = new ArrayList<>(members.size());
            List<byte[]> envelopes = new ArrayList<>(members.size());
            for (RecentDeltas.Member member : members) {
                items.add(member.item());
                envelopes.add(member.envelope());
            }
            return new Block(items, envelopes, members.isEmpty() ? null : members.get(0).parent());
        }
    }

    /** The block read back, its envelopes inflated and their links checked; null when there is nothing to pack. */
    private Block readBackBlock(ThreadKey thread, Checkpoint committed, long oldestStep) {
        List<Map<String, AttributeValue>> items = readBack(thread, committed, oldestStep);
        if (items.size() < 2) {
            return null;
        }
        List<byte[]> envelopes = new ArrayList<>(items.size());
        for (Map<String, AttributeValue> item : items) {
            envelopes.add(StoredPayload.envelope(List.of(item.get(Keys.DATA).b().asByteArrayUnsafe()), item.containsKey(Keys.COMPRESSED)));
        }
        CheckpointId before = linkedBefore(thread, envelopes, items);
        if (before == null) {
            LOG.warning("the deltas of steps " + CheckpointItems.stepOf(items.get(0)) + "-" + (committed.step() - 1) + " of "
                    + thread + " are not one chain as stored (their envelopes do not follow each other): left as they are");
            return null;
        }
        return new Block(items, envelopes, before);
    }

    /**
     * The checkpoint before the block, when the envelopes are one chain as their items say — each the next step after
     * the one before, each the child of the one before — else null. What a pack holds is checked before the items are
     * deleted, as a pack a read would refuse would make the thread unreadable.
     */
    private static CheckpointId linkedBefore(ThreadKey thread, List<byte[]> envelopes, List<Map<String, AttributeValue>> members) {
        CheckpointId before = null;
        CheckpointId previous = null;
        for (int i = 0; i < envelopes.size(); i++) {
            Checkpoint cp = CheckpointCodec.decode(thread, envelopes.get(i));
            Map<String, AttributeValue> item = members.get(i);
            if (cp.step() != CheckpointItems.stepOf(item) || !cp.id().equals(Keys.checkpointIdOf(item.get(Keys.SK).s()))
                    || cp.parent() == null || previous != null && !previous.equals(cp.parent())) {
                return null;
            }
            before = i == 0 ? cp.parent() : before;
            previous = cp.id();
        }
        return before;
    }

    /**
     * Whether the thread is still the one {@code committed} was written to, read after the pack is put. A delete (or an
     * erase) puts a tombstone in the HEAD before it sweeps the partition, so a pack put after the sweep began finds the
     * tombstone here — or no HEAD, or a new thread of the same id at a lower step — and is taken back; one put before
     * the tombstone is swept with the rest.
     */
    private boolean threadGoesOn(ThreadKey thread, Checkpoint committed) {
        Map<String, AttributeValue> head = client.getItem(b -> b.tableName(settings.tableName()).consistentRead(true)
                .key(ThreadReader.key(Keys.partition(thread), Keys.HEAD)).projectionExpression("#s, #d")
                .expressionAttributeNames(Map.of("#s", Keys.STEP, "#d", Keys.DELETING))).item();
        return head != null && head.containsKey(Keys.STEP) && !head.containsKey(Keys.DELETING)
                && CheckpointItems.stepOf(head) >= committed.step();
    }

    /**
     * Puts the pack unless its key is taken. Taken by this very pack (an earlier attempt of this put whose answer was lost,
     * retried by the SDK) it counts as put, so the deletes still follow.
     */
    private boolean put(Map<String, AttributeValue> pack) {
        try {
            client.putItem(b -> b.tableName(settings.tableName()).item(pack).conditionExpression(CommitWriter.NEW_ITEM)
                    .expressionAttributeNames(CommitWriter.NEW_ITEM_NAMES).returnValuesOnConditionCheckFailure(ReturnValuesOnConditionCheckFailure.ALL_OLD));
            return true;
        } catch (ConditionalCheckFailedException e) {
            // Another packer of another block size packed from the same checkpoint: its pack stands, these deltas stay.
            Map<String, AttributeValue> old = e.hasItem() ? e.item() : Map.of();
            return pack.get(Keys.PACK_LAST_ID).equals(old.get(Keys.PACK_LAST_ID));
        }
    }

    /**
     * The block's deltas, oldest first: single items of kind delta, one per step from the committed checkpoint's parent
     * down; it stops at the block's start or at anything else (a snapshot, a chunked delta, a pack, a gap).
     */
    private List<Map<String, AttributeValue>> readBack(ThreadKey thread, Checkpoint committed, long oldestStep) {
        List<Map<String, AttributeValue>> newestFirst = new ArrayList<>();
        long[] expected = {committed.step() - 1};
        // one page of the block's size: the visitor stops at the block's start, so no second page is asked for
        reader.newestFirst(thread, Keys.checkpoint(committed.parent()), settings.deltasPerPack(), item -> {
            if (!isSingleDelta(item) || CheckpointItems.stepOf(item) != expected[0]
                    || newestFirst.isEmpty() && !Keys.checkpointIdOf(item.get(Keys.SK).s()).equals(committed.parent())) {
                return false;
            }
            newestFirst.add(item);
            return --expected[0] >= oldestStep;
        });
        Collections.reverse(newestFirst);
        return newestFirst;
    }

    /** A delta checkpoint's own item, not chunked: what a pack can hold (a pack is one item, read whole). */
    private static boolean isSingleDelta(Map<String, AttributeValue> item) {
        AttributeValue kind = item.get(Keys.KIND);
        return Keys.isCheckpoint(item.get(Keys.SK).s()) && !item.containsKey(Keys.PARTS) && kind != null
                && Keys.KIND_DELTA.equals(kind.s()) && item.containsKey(Keys.DATA) && item.containsKey(Keys.STEP);
    }
}
