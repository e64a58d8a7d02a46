package io.threadline.checkpoint.dynamodb.internal;

import io.threadline.checkpoint.Checkpoint;
import io.threadline.checkpoint.ThreadKey;
import io.threadline.checkpoint.dynamodb.DynamoDbStoreSettings;
import software.amazon.awssdk.core.exception.SdkException;
import software.amazon.awssdk.services.dynamodb.DynamoDbClient;
import software.amazon.awssdk.services.dynamodb.model.AttributeValue;
import software.amazon.awssdk.services.dynamodb.model.ConditionalCheckFailedException;
import software.amazon.awssdk.services.dynamodb.model.QueryResponse;

import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.logging.Logger;

/**
 * Packs a block of delta checkpoints into one item, so that a cold read fetches a long chain in few items: it pays per
 * item, whatever the item's bytes (bench/README.md). Steps are cut into blocks of {@code deltasPerPack}; the commit of
 * step {@code s}, a multiple of it, packs the deltas of steps {@code s - deltasPerPack} to {@code s - 1} (those after
 * the chain's snapshot, as single items): it reads them back, writes their envelopes compressed together in place of the
 * oldest one's item — a conditional put: the item must still be that delta — and then deletes the others' items.
 *
 * <p>Why it is safe without a transaction: every step is in exactly one block, and only the commit that ends a block
 * (one per step: commits are conditional on the head) touches the block's items, so packs never overlap. A pack sorts
 * below every checkpoint it holds, so a reader going down from the head meets a checkpoint's own item or, once it is
 * deleted, the pack after it; readers take from a pack only what they have not read already. A crash anywhere leaves a
 * readable thread: before the put, the deltas as they were; after it, the pack and what is not deleted yet of their
 * items. Packing is best effort and never fails the commit it follows: what goes wrong is logged, and the block's
 * deltas stay as they are (correct, only read in more items).
 */
public final class DeltaPacker {

    private static final Logger LOG = Logger.getLogger(DeltaPacker.class.getName());
    /** Attempts of the batch deletes of a block's items: left ones cost only reads of items a pack already holds. */
    private static final int DELETE_ATTEMPTS = 3;
    private static final String STILL_A_DELTA = "#kind = :delta";
    private static final Map<String, String> KIND_NAME = Map.of("#kind", Keys.KIND);
    private static final Map<String, AttributeValue> DELTA_VALUE = Map.of(":delta", CheckpointItems.s(Keys.KIND_DELTA));

    private final DynamoDbClient client;
    private final DynamoDbStoreSettings settings;

    public DeltaPacker(DynamoDbClient client, DynamoDbStoreSettings settings) {
        this.client = client;
        this.settings = settings;
    }

    /**
     * Whether the commit of {@code committed} ends a block of steps and so packs the block before it. Not when it is a
     * snapshot: the block's deltas then lie on no cold read's path (only history and time travel read them), and a
     * snapshot's turn is already a step's costliest.
     */
    public boolean due(Checkpoint committed) {
        int block = settings.deltasPerPack();
        return block > 1 && !committed.isSnapshot() && committed.parent() != null && committed.step() % block == 0;
    }

    /**
     * Packs the block that {@code committed} ends; best effort (see the class).
     *
     * @return the checkpoints packed (0: none, for any reason)
     */
    public int pack(ThreadKey thread, Checkpoint committed) {
        try {
            return packBlock(thread, committed);
        } catch (SdkException | IllegalArgumentException | UnsupportedOperationException | UncheckedIOException e) {
            // UncheckedIOException: a delta's stored bytes do not inflate (the codecs' word); its block stays unpacked
            LOG.warning("the deltas of steps " + (committed.step() - settings.deltasPerPack()) + "-" + (committed.step() - 1) + " of "
                    + thread + " were not packed (they stay as they are): " + e);
            return 0;
        }
    }

    private int packBlock(ThreadKey thread, Checkpoint committed) {
        long oldestStep = committed.step() - settings.deltasPerPack();
        List<Map<String, AttributeValue>> members = readBack(thread, committed, oldestStep);
        if (members.size() < 2) {
            return 0;
        }
        List<byte[]> envelopes = new ArrayList<>(members.size());
        for (Map<String, AttributeValue> item : members) {
            envelopes.add(StoredPayload.envelope(List.of(item.get(Keys.DATA).b().asByteArrayUnsafe()), item.containsKey(Keys.COMPRESSED)));
        }
        StoredPayload payload = StoredPayload.of(DeltaPackFormat.join(envelopes), settings.compressAboveBytes(), settings.compression(),
                settings.zstdAboveBytes());
        if (payload.size() > settings.maxItemBytes()) {
            return 0; // a pack is one item: deltas this large are few per block anyway
        }
        Map<String, AttributeValue> pack = CheckpointItems.pack(members.get(0), members.get(members.size() - 1), payload);
        try {
            client.putItem(b -> b.tableName(settings.tableName()).item(pack)
                    .conditionExpression(STILL_A_DELTA).expressionAttributeNames(KIND_NAME).expressionAttributeValues(DELTA_VALUE));
        } catch (ConditionalCheckFailedException e) {
            return 0; // pruned or deleted meanwhile (a thread delete, a prune after a newer snapshot): nothing to pack
        }
        List<Map<String, AttributeValue>> keys = new ArrayList<>(members.size() - 1);
        for (Map<String, AttributeValue> item : members.subList(1, members.size())) {
            keys.add(BatchDeletes.keyOf(item));
        }
        int left = BatchDeletes.deleteOrCountLeft(client, settings.tableName(), keys, DELETE_ATTEMPTS);
        if (left > 0) {
            LOG.warning(left + " items of checkpoints packed at step " + oldestStep + " of " + thread
                    + " were not deleted: reads pass over them, a prune or the thread's delete removes them");
        }
        return members.size();
    }

    /**
     * The block's deltas, oldest first: single items of kind delta, one per step from the committed checkpoint's parent
     * down; it stops at the block's start or at anything else (a snapshot, a chunked delta, a pack, a gap).
     */
    private List<Map<String, AttributeValue>> readBack(ThreadKey thread, Checkpoint committed, long oldestStep) {
        String pk = Keys.partition(thread);
        QueryResponse page = client.query(b -> b.tableName(settings.tableName()).consistentRead(true)
                .keyConditionExpression("#pk = :pk AND #sk BETWEEN :from AND :to")
                .expressionAttributeNames(Map.of("#pk", Keys.PK, "#sk", Keys.SK))
                .expressionAttributeValues(Map.of(":pk", CheckpointItems.s(pk), ":from", CheckpointItems.s(Keys.CHECKPOINT_PREFIX),
                        ":to", CheckpointItems.s(Keys.lastOf(committed.parent()))))
                .scanIndexForward(false)
                .limit(settings.deltasPerPack()));
        List<Map<String, AttributeValue>> newestFirst = new ArrayList<>();
        long expected = committed.step() - 1;
        for (Map<String, AttributeValue> item : page.items()) {
            String sk = item.get(Keys.SK).s();
            if (expected < oldestStep || !Keys.isCheckpoint(sk) || item.containsKey(Keys.PARTS)
                    || !Keys.KIND_DELTA.equals(item.get(Keys.KIND).s()) || CheckpointItems.stepOf(item) != expected
                    || newestFirst.isEmpty() && !Keys.checkpointIdOf(sk).equals(committed.parent())) {
                break;
            }
            newestFirst.add(item);
            expected--;
        }
        Collections.reverse(newestFirst);
        return newestFirst;
    }
}
