package io.threadline.checkpoint.dynamodb.internal;

import io.threadline.ErrorCode;
import io.threadline.ThreadlineException;
import io.threadline.checkpoint.ThreadDeletion;
import io.threadline.checkpoint.ThreadKey;
import software.amazon.awssdk.services.dynamodb.DynamoDbClient;
import software.amazon.awssdk.services.dynamodb.model.AttributeValue;
import software.amazon.awssdk.services.dynamodb.model.ConditionalCheckFailedException;
import software.amazon.awssdk.services.dynamodb.model.PutItemResponse;
import software.amazon.awssdk.services.dynamodb.model.QueryResponse;
import software.amazon.awssdk.services.dynamodb.model.ReturnValue;

import java.time.Clock;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * Deletes one thread's partition in three moves, so that no commit racing it leaves half a thread:
 * <ol>
 *   <li>the HEAD is replaced by a tombstone naming no checkpoint — every commit is conditional on the HEAD
 *       (its step, or its absence for a first step), so from here on commits fail, and are answered
 *       {@code THREAD_DELETED} (the tombstone comes back with the cancellation); a commit that won before the
 *       tombstone is simply part of what is deleted. Readers find no thread;</li>
 *   <li>every other item of the partition is deleted, read a page of keys at a time (bounded memory), the
 *       sweep run twice so items a racing step wrote meanwhile (pending effects) go too;</li>
 *   <li>the tombstone is deleted, on condition that it still is one, freeing the id.</li>
 * </ol>
 * Interrupted anywhere, the tombstone stays: the thread is unreadable and closed until the delete is run again.
 */
public final class ThreadDeleter {

    /** Keys read per page of the sweep: only keys are read, so a page stays a few tens of kilobytes. */
    private static final int PAGE = 500;
    /** Sweeps over the partition: the second catches what a step racing the first one wrote. */
    private static final int SWEEPS = 2;

    /** On a tombstone: it replaced a real HEAD (so a resumed delete still reports the head). */
    private static final String WAS_HEAD = "wasHead";

    private final DynamoDbClient client;
    private final String table;
    private final Clock clock;
    private final int deleteAttempts;

    public ThreadDeleter(DynamoDbClient client, String table, Clock clock, int deleteAttempts) {
        this.client = client;
        this.table = table;
        this.clock = clock;
        this.deleteAttempts = deleteAttempts;
    }

    public ThreadDeletion delete(ThreadKey thread) {
        String pk = Keys.partition(thread);
        // The put replaces whatever HEAD is there; its ALL_OLD answer says what it was when the thread closed.
        Map<String, AttributeValue> tombstone = new java.util.HashMap<>(Map.of(Keys.PK, AttributeValue.fromS(pk),
                Keys.SK, AttributeValue.fromS(Keys.HEAD), Keys.DELETING, AttributeValue.fromN(Long.toString(clock.millis()))));
        tombstone.put(WAS_HEAD, AttributeValue.fromBool(true));
        PutItemResponse tombstoned = client.putItem(b -> b.tableName(table).returnValues(ReturnValue.ALL_OLD).item(tombstone));
        Map<String, AttributeValue> old = tombstoned.hasAttributes() ? tombstoned.attributes() : Map.of();
        // A tombstone left by an interrupted delete still counts the head it replaced.
        boolean hadHead = old.containsKey(Keys.CHECKPOINT_ID) || old.containsKey(WAS_HEAD);
        if (!hadHead) {
            // No thread was there: the tombstone must not claim one when this delete is run again.
            // (A put, not an update: the functions' policy grants PutItem, and the tombstone is the whole item.)
            Map<String, AttributeValue> plain = new java.util.HashMap<>(tombstone);
            plain.remove(WAS_HEAD);
            client.putItem(b -> b.tableName(table).item(plain)
                    .conditionExpression("attribute_exists(#d)").expressionAttributeNames(Map.of("#d", Keys.DELETING)));
        }
        Counts counts = new Counts();
        counts.heads = hadHead ? 1 : 0;
        for (int sweep = 0; sweep < SWEEPS; sweep++) {
            sweep(thread, pk, counts);
        }
        try {
            client.deleteItem(b -> b.tableName(table).key(ThreadReader.key(pk, Keys.HEAD))
                    .conditionExpression("attribute_exists(#d)").expressionAttributeNames(Map.of("#d", Keys.DELETING)));
        } catch (ConditionalCheckFailedException e) {
            // Another delete of the thread finished first, and a new thread may already have begun: leave it.
        }
        return counts.report();
    }

    private void sweep(ThreadKey thread, String pk, Counts counts) {
        Map<String, AttributeValue> start = null;
        do {
            Map<String, AttributeValue> from = start;
            QueryResponse page = client.query(b -> b.tableName(table).consistentRead(true).limit(PAGE)
                    .keyConditionExpression("#pk = :pk").projectionExpression("#pk, #sk")
                    .expressionAttributeNames(Map.of("#pk", Keys.PK, "#sk", Keys.SK))
                    .expressionAttributeValues(Map.of(":pk", AttributeValue.fromS(pk)))
                    .exclusiveStartKey(from));
            List<Map<String, AttributeValue>> keys = new ArrayList<>(page.count());
            for (Map<String, AttributeValue> item : page.items()) {
                String sk = item.get(Keys.SK).s();
                if (!Keys.HEAD.equals(sk)) {
                    keys.add(BatchDeletes.keyOf(item));
                    counts.count(sk);
                }
            }
            deleteAll(thread, keys);
            start = page.hasLastEvaluatedKey() && !page.lastEvaluatedKey().isEmpty() ? page.lastEvaluatedKey() : null;
        } while (start != null);
    }

    private void deleteAll(ThreadKey thread, List<Map<String, AttributeValue>> keys) {
        int left;
        try {
            left = BatchDeletes.delete(client, table, keys, deleteAttempts);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            left = keys.size();
        }
        if (left > 0) {
            throw new ThreadlineException(ErrorCode.DEPENDENCY_UNAVAILABLE, "DynamoDB left " + left + " items of thread "
                    + thread.threadId() + " undeleted; the thread stays closed and unreadable — run the delete again to finish it",
                    Map.of("operation", "delete", "thread", thread.threadId(), "table", table));
        }
    }

    private static final class Counts {
        long checkpoints;
        long chunks;
        long heads;
        long pending;
        long idempotency;
        long outbox;
        long other;

        void count(String sk) {
            if (Keys.isCheckpoint(sk)) {
                checkpoints++;
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
            return new ThreadDeletion(checkpoints, chunks, heads, pending, idempotency, outbox, other);
        }
    }
}
