package io.threadline.checkpoint.dynamodb.internal;

import io.threadline.ErrorCode;
import io.threadline.ThreadlineException;
import io.threadline.checkpoint.ThreadDeletion;
import io.threadline.checkpoint.ThreadKey;
import software.amazon.awssdk.services.dynamodb.DynamoDbClient;
import software.amazon.awssdk.services.dynamodb.model.AttributeValue;
import software.amazon.awssdk.services.dynamodb.model.ConditionalCheckFailedException;
import software.amazon.awssdk.services.dynamodb.model.Delete;
import software.amazon.awssdk.services.dynamodb.model.Put;
import software.amazon.awssdk.services.dynamodb.model.QueryResponse;
import software.amazon.awssdk.services.dynamodb.model.TransactWriteItem;
import software.amazon.awssdk.services.dynamodb.model.TransactionCanceledException;

import java.time.Clock;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * Deletes one thread's partition in three moves, so that no commit racing it leaves half a thread:
 * <ol>
 *   <li>the HEAD is replaced by a tombstone naming no checkpoint, and (for a thread that was there) a marker of the
 *       delete under way is written in the tenant's partition of them in the same transaction — every commit is conditional on the HEAD
 *       (its step, or its absence for a first step), so from here on commits fail, and are answered
 *       {@code THREAD_DELETED} (the tombstone comes back with the cancellation); a commit that won before the
 *       tombstone is simply part of what is deleted. Readers find no thread;</li>
 *   <li>every other item of the partition is deleted, read a page of keys at a time (bounded memory), the
 *       sweep run twice so items a racing step wrote meanwhile (pending effects) go too;</li>
 *   <li>the tombstone is deleted, on condition that it still is one, freeing the id, with its marker.</li>
 * </ol>
 * Interrupted anywhere, the tombstone stays: the thread is unreadable and closed until the delete is run again.
 */
public record ThreadDeleter(DynamoDbClient client, String table, Clock clock, int deleteAttempts) {

    /** Keys read per page of the sweep: only keys are read, so a page stays a few tens of kilobytes. */
    private static final int PAGE = 500;
    /** Sweeps over the partition: the second catches what a step racing the first one wrote. */
    private static final int SWEEPS = 2;

    /** On a tombstone: it replaced a real HEAD (so a resumed delete still reports the head). */
    private static final String WAS_HEAD = "wasHead";
    /** The partition of a tenant's deletes under way (see {@link #markerKey}); no thread partition starts so ({@code T#}). */
    static final String MARKER_PREFIX = "DEL#";
    /** A tombstone's status in the thread index: no {@code Status}, so no listing filter ever matches it. */
    public static final String DELETING_STATUS = "DELETING";
    /** Reads and conditional puts of the tombstone before a thread stepping without pause is answered CONFLICT. */
    private static final int CLOSE_ATTEMPTS = 8;

    public ThreadDeletion delete(ThreadKey thread) {
        String pk = Keys.partition(thread);
        boolean hadHead = close(thread, pk);
        Counts counts = new Counts();
        counts.heads = hadHead ? 1 : 0;
        for (int sweep = 0; sweep < SWEEPS; sweep++) {
            sweep(thread, pk, counts);
        }
        Map<String, AttributeValue> head = ThreadReader.key(pk, Keys.HEAD);
        Map<String, String> deleting = Map.of("#d", Keys.DELETING);
        try {
            if (hadHead) {
                // The tombstone and its marker go together, as they came: a marker always names a tombstone.
                Delete tombstone = Delete.builder().tableName(table).key(head).conditionExpression("attribute_exists(#d)")
                        .expressionAttributeNames(deleting).build();
                client.transactWriteItems(b -> b.transactItems(TransactWriteItem.builder().delete(tombstone).build(),
                        TransactWriteItem.builder().delete(d -> d.tableName(table).key(markerKey(thread))).build()));
            } else {
                client.deleteItem(b -> b.tableName(table).key(head).conditionExpression("attribute_exists(#d)").expressionAttributeNames(deleting));
            }
        } catch (ConditionalCheckFailedException e) {
            // Another delete of the thread finished first, and a new thread may already have begun: leave it.
        } catch (TransactionCanceledException e) {
            if (!failedCondition(e, 0)) {
                throw e;
            }
            // As above; that delete took the marker with its tombstone, and a new delete's marker is not this one's.
        }
        return counts.report();
    }

    /**
     * The key of the marker a delete that closed a thread keeps while it runs: {@code pk = DEL#<tenant>, sk = <threadId>},
     * beside the tombstone, with the thread's agent and tags. One partition per tenant holding only the deletes under
     * way, so {@link UnfinishedDeletes} reads those and nothing else of the tenant.
     */
    static Map<String, AttributeValue> markerKey(ThreadKey thread) {
        return ThreadReader.key(markerPartition(thread.tenant()), thread.threadId());
    }

    static String markerPartition(String tenant) {
        return MARKER_PREFIX + tenant;
    }

    private static boolean failedCondition(TransactionCanceledException e, int action) {
        return e.hasCancellationReasons() && e.cancellationReasons().size() > action
                && "ConditionalCheckFailed".equals(e.cancellationReasons().get(action).code());
    }

    /**
     * Replaces the HEAD by a tombstone, conditioned on the HEAD read just before (its checkpoint and tags version, or
     * its absence, or the earlier tombstone), so that what the tombstone copies of it is exact: whether there was a
     * thread (a resumed delete still reports the head it replaced), and the thread index's keys, agent and tags, with
     * the index status {@value #DELETING_STATUS}. So a delete cut short stays listed where the thread was — not to
     * {@code threads}, which skips tombstones, but to {@link UnfinishedDeletes}, which is how a re-run of
     * {@code erase} finds and finishes it. Nothing else of the head (state, what it waits for) is kept. Returns
     * whether a thread was there.
     */
    private boolean close(ThreadKey thread, String pk) {
        Map<String, String> names = Map.of("#pk", Keys.PK, "#cid", Keys.CHECKPOINT_ID, "#tv", ThreadIndex.TAGS_VERSION,
                "#d", Keys.DELETING, "#wh", WAS_HEAD, "#tix", ThreadIndex.PARTITION, "#tis", ThreadIndex.SORT, "#ag", ThreadIndex.AGENT,
                "#tg", ThreadIndex.TAGS);
        for (int attempt = 1; attempt <= CLOSE_ATTEMPTS; attempt++) {
            Map<String, AttributeValue> old = client.getItem(b -> b.tableName(table).key(ThreadReader.key(pk, Keys.HEAD))
                    .consistentRead(true).projectionExpression(String.join(", ", names.keySet()))
                    .expressionAttributeNames(names)).item();
            old = old == null ? Map.of() : old;
            boolean hadHead = old.containsKey(Keys.CHECKPOINT_ID) || old.containsKey(WAS_HEAD);
            Map<String, AttributeValue> tombstone = new HashMap<>(Map.of(Keys.PK, AttributeValue.fromS(pk),
                    Keys.SK, AttributeValue.fromS(Keys.HEAD), Keys.DELETING, AttributeValue.fromN(Long.toString(clock.millis()))));
            if (hadHead) {
                tombstone.put(WAS_HEAD, AttributeValue.fromBool(true));
            }
            if (old.containsKey(ThreadIndex.PARTITION) && old.containsKey(ThreadIndex.SORT)) {
                for (String kept : List.of(ThreadIndex.PARTITION, ThreadIndex.SORT, ThreadIndex.AGENT, ThreadIndex.TAGS)) {
                    if (old.containsKey(kept)) {
                        tombstone.put(kept, old.get(kept));
                    }
                }
                tombstone.put(ThreadIndex.STATUS, AttributeValue.fromS(DELETING_STATUS));
            }
            Map<String, String> conditionNames = new HashMap<>();
            Map<String, AttributeValue> values = new HashMap<>();
            String condition;
            if (old.isEmpty()) {
                condition = CommitWriter.NEW_ITEM;
                conditionNames.putAll(CommitWriter.NEW_ITEM_NAMES);
            } else if (old.containsKey(Keys.DELETING)) {
                condition = "attribute_exists(#d)";
                conditionNames.put("#d", Keys.DELETING);
            } else if (!old.containsKey(Keys.CHECKPOINT_ID)) {
                condition = "attribute_exists(#pk) AND attribute_not_exists(#cid) AND attribute_not_exists(#d)";
                conditionNames.putAll(Map.of("#pk", Keys.PK, "#cid", Keys.CHECKPOINT_ID, "#d", Keys.DELETING));
            } else {
                conditionNames.put("#cid", Keys.CHECKPOINT_ID);
                conditionNames.put("#tv", ThreadIndex.TAGS_VERSION);
                values.put(":cid", old.get(Keys.CHECKPOINT_ID));
                if (old.containsKey(ThreadIndex.TAGS_VERSION)) {
                    condition = "#cid = :cid AND #tv = :tv";
                    values.put(":tv", old.get(ThreadIndex.TAGS_VERSION));
                } else {
                    condition = "#cid = :cid AND attribute_not_exists(#tv)";
                }
            }
            try {
                if (hadHead) {
                    // With its marker in the tenant's partition of deletes under way, in the same write.
                    Put put = Put.builder().tableName(table).item(tombstone).conditionExpression(condition)
                            .expressionAttributeNames(conditionNames).expressionAttributeValues(values.isEmpty() ? null : values).build();
                    client.transactWriteItems(b -> b.transactItems(TransactWriteItem.builder().put(put).build(),
                            TransactWriteItem.builder().put(p -> p.tableName(table).item(marker(thread, tombstone))).build()));
                } else {
                    client.putItem(b -> b.tableName(table).item(tombstone).conditionExpression(condition)
                            .expressionAttributeNames(conditionNames).expressionAttributeValues(values.isEmpty() ? null : values));
                }
                return hadHead;
            } catch (ConditionalCheckFailedException e) {
                // A step or a tag change got in between the read and the put: read the new head and close that.
            } catch (TransactionCanceledException e) {
                if (!failedCondition(e, 0) && (!e.hasCancellationReasons()
                        || e.cancellationReasons().stream().noneMatch(r -> "TransactionConflict".equals(r.code())))) {
                    throw e;
                }
                // As above, or a commit's transaction on the head collided with this one: read the head again.
            }
        }
        throw new ThreadlineException(ErrorCode.CONFLICT, "thread " + thread.threadId() + " changed under each of " + CLOSE_ATTEMPTS
                + " attempts to close it for deletion; run the delete again", Map.of("thread", thread.threadId()));
    }

    /** The marker of a delete under way: the thread's agent and tags as the tombstone keeps them, and when it began. */
    private static Map<String, AttributeValue> marker(ThreadKey thread, Map<String, AttributeValue> tombstone) {
        Map<String, AttributeValue> marker = new HashMap<>(markerKey(thread));
        marker.put(Keys.DELETING, tombstone.get(Keys.DELETING));
        for (String kept : List.of(ThreadIndex.AGENT, ThreadIndex.TAGS)) {
            if (tombstone.containsKey(kept)) {
                marker.put(kept, tombstone.get(kept));
            }
        }
        return marker;
    }

    private void sweep(ThreadKey thread, String pk, Counts counts) {
        Map<String, AttributeValue> start = null;
        do {
            Map<String, AttributeValue> from = start;
            QueryResponse page = client.query(b -> b.tableName(table).consistentRead(true).limit(PAGE)
                    .keyConditionExpression("#pk = :pk").projectionExpression("#pk, #sk, #step, #last")
                    .expressionAttributeNames(Map.of("#pk", Keys.PK, "#sk", Keys.SK, "#step", Keys.STEP, "#last", Keys.PACK_LAST_STEP))
                    .expressionAttributeValues(Map.of(":pk", AttributeValue.fromS(pk)))
                    .exclusiveStartKey(from));
            List<Map<String, AttributeValue>> keys = new ArrayList<>(page.count());
            for (Map<String, AttributeValue> item : page.items()) {
                String sk = item.get(Keys.SK).s();
                if (!Keys.HEAD.equals(sk)) {
                    keys.add(BatchDeletes.keyOf(item));
                    counts.count(item);
                }
            }
            deleteAll(thread, keys);
            start = page.hasLastEvaluatedKey() && !page.lastEvaluatedKey().isEmpty() ? page.lastEvaluatedKey() : null;
        } while (start != null);
    }

    private void deleteAll(ThreadKey thread, List<Map<String, AttributeValue>> keys) {
        int left = BatchDeletes.deleteOrCountLeft(client, table, keys, deleteAttempts);
        if (left > 0) {
            throw new ThreadlineException(ErrorCode.DEPENDENCY_UNAVAILABLE, "DynamoDB left " + left + " items of thread "
                    + thread.threadId() + " undeleted; the thread stays closed and unreadable — run the delete again to finish it",
                    Map.of("operation", "delete", "thread", thread.threadId(), "table", table));
        }
    }

    private static final class Counts {
        final CheckpointSteps checkpoints = new CheckpointSteps();
        long chunks;
        long heads;
        long pending;
        long idempotency;
        long outbox;
        long other;

        void count(Map<String, AttributeValue> item) {
            String sk = item.get(Keys.SK).s();
            if (Keys.isCheckpoint(sk) || Keys.isPack(sk)) {
                checkpoints.add(item);
            } else if (Keys.isChunk(sk)) {
                chunks++;
            } else if (sk.startsWith(Keys.PENDING_PREFIX)) {
                pending++;
            } else if (Keys.isIdempotency(sk)) {
                idempotency++;
            } else if (sk.startsWith(Keys.OUTBOX_PREFIX)) {
                outbox++;
            } else {
                other++;
            }
        }

        ThreadDeletion report() {
            return new ThreadDeletion(checkpoints.count(), chunks, heads, pending, idempotency, outbox, other);
        }
    }
}
