package io.threadline.runs.dynamodb;

import io.threadline.ErrorCode;
import io.threadline.ThreadlineException;
import io.threadline.checkpoint.ThreadKey;
import io.threadline.runs.Run;
import io.threadline.runs.RunCodec;
import io.threadline.runs.RunStore;
import software.amazon.awssdk.core.exception.SdkException;
import software.amazon.awssdk.services.dynamodb.DynamoDbClient;
import software.amazon.awssdk.services.dynamodb.model.AttributeValue;
import software.amazon.awssdk.services.dynamodb.model.ConditionalCheckFailedException;
import software.amazon.awssdk.services.dynamodb.model.Put;
import software.amazon.awssdk.services.dynamodb.model.QueryResponse;
import software.amazon.awssdk.services.dynamodb.model.TransactWriteItem;
import software.amazon.awssdk.services.dynamodb.model.TransactionCanceledException;
import software.amazon.awssdk.services.dynamodb.model.TransactionConflictException;

import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.zip.CRC32;

/**
 * Run records in the checkpoint table, apart from the threads' partitions (no read of a thread meets them):
 * {@code pk = RUN#<tenant>#<threadId>, sk = RUN}, the record as JSON in {@code data}, its version in {@code v} and the
 * run's id in {@code rid} (what a run guard checks, in the commit's transaction: {@link RunStore#guard}); every write is conditional on the version read. A run the sweep must look at ({@link Run#sweepAt}: a
 * long timed wait, or a re-drive time) is filed in the same write as {@code pk = WAKE#<shard>, sk = <time, epoch ms,
 * 15 digits>#<tenant>#<threadId>}, the shard being CRC-32 of tenant and thread modulo {@code shards}: a busy
 * deployment's filings spread over that many partitions (none hot), and the sweep queries each up to now. Filed
 * entries are never rewritten: the sweep checks each against its run's record and deletes the ones that no longer
 * hold (the run moved on, ended, or was cancelled).
 */
public final class DynamoDbRunStore implements RunStore {

    static final String PK = "pk";
    static final String SK = "sk";
    static final String RECORD = "RUN";
    static final String RUN_ID = "rid";
    /** Most wake-index shards: a sweep queries each, every time. */
    public static final int MAX_WAKE_SHARDS = 100;
    /** Reads of a record a delete makes while writers keep replacing it, before it answers CONFLICT (delete again). */
    private static final int DELETE_RACES = 8;
    /**
     * Pause after DynamoDB refused a write of the record because a transaction holding it was in flight
     * ({@code TransactionConflictException}): every step of a background run checks the record in its own
     * TransactWriteItems (the run guard), and such a transaction lasts milliseconds. Short, so a caller's race loop
     * reads again soon; long enough that its bounded tries are not all spent inside one step's commit.
     */
    private static final long CONFLICT_PAUSE_MILLIS = 20;

    private final DynamoDbClient client;
    private final String table;
    private final int shards;

    /**
     * @param shards partitions of the wake index, 1 to {@value #MAX_WAKE_SHARDS}. Raising it is safe only after the
     *               sweep has emptied the index, or while the old count's shards are still read: entries filed in a
     *               shard beyond the count are not found. 1 is the single partition {@code WAKE#0} of earlier releases.
     */
    public DynamoDbRunStore(DynamoDbClient client, String table, int shards) {
        if (shards < 1 || shards > MAX_WAKE_SHARDS) {
            throw new IllegalArgumentException("wake index shards must be between 1 and " + MAX_WAKE_SHARDS + ", got " + shards);
        }
        this.client = client;
        this.table = table;
        this.shards = shards;
    }

    @Override
    public Optional<Run> get(ThreadKey thread) {
        try {
            Map<String, AttributeValue> item = client.getItem(b -> b.tableName(table).consistentRead(true)
                    .key(Map.of(PK, s(partition(thread)), SK, s(RECORD)))).item();
            return item == null || item.isEmpty() ? Optional.empty() : Optional.of(RunCodec.read(item.get("data").s()));
        } catch (SdkException e) {
            throw unavailable("read the run of " + thread, e);
        }
    }

    @Override
    public boolean put(Run run, Instant sweepAfter) {
        ThreadKey thread = ThreadKey.of(run.tenant(), run.threadId());
        Map<String, AttributeValue> item = new HashMap<>();
        item.put(PK, s(partition(thread)));
        item.put(SK, s(RECORD));
        item.put("data", s(RunCodec.write(run)));
        item.put("v", n(run.version()));
        // The run's id beside the record, for the run guard a worker's commit carries: a ConditionCheck on this item in
        // the commit's own transaction (checkpoint.dynamodb.internal.Keys.RUN_ID names it there).
        item.put(RUN_ID, s(run.runId()));
        Put.Builder put = Put.builder().tableName(table).item(item);
        if (run.version() == 1) {
            put.conditionExpression("attribute_not_exists(pk)");
        } else {
            put.conditionExpression("v = :previous").expressionAttributeValues(Map.of(":previous", n(run.version() - 1)));
        }
        List<TransactWriteItem> writes = new ArrayList<>();
        writes.add(TransactWriteItem.builder().put(put.build()).build());
        Instant sweepAt = run.sweepAt(sweepAfter);
        if (sweepAt != null) {
            writes.add(TransactWriteItem.builder().put(p -> p.tableName(table).item(Map.of(
                    PK, s(wakePartition(thread)), SK, s(wakeKey(sweepAt, thread)), "data", s(partition(thread))))).build());
        }
        try {
            if (writes.size() == 1) {
                client.putItem(b -> b.tableName(table).item(item).conditionExpression(put.build().conditionExpression())
                        .expressionAttributeValues(put.build().expressionAttributeValues()));
            } else {
                client.transactWriteItems(b -> b.transactItems(writes));
            }
            return true;
        } catch (ConditionalCheckFailedException e) {
            return false;
        } catch (TransactionConflictException e) {
            // A step's transaction (its run guard checks this record) was in flight: nothing was written. A lost race,
            // as a newer version is: the caller reads the record again and retries, within its bounded tries.
            pauseAfterConflict();
            return false;
        } catch (TransactionCanceledException e) {
            if (e.cancellationReasons().stream().anyMatch(r -> "ConditionalCheckFailed".equals(r.code()))) {
                return false;
            }
            if (e.cancellationReasons().stream().anyMatch(r -> "TransactionConflict".equals(r.code()))) {
                pauseAfterConflict();
                return false;
            }
            throw unavailable("write the run of " + thread, e);
        } catch (SdkException e) {
            throw unavailable("write the run of " + thread, e);
        }
    }

    @Override
    public List<Run> due(Instant now, int limit) {
        List<Run> due = new ArrayList<>();
        try {
            for (int shard = 0; shard < shards; shard++) {
                String wakePartition = "WAKE#" + shard;
                QueryResponse page = client.query(b -> b.tableName(table).consistentRead(true)
                        .keyConditionExpression("pk = :p AND sk <= :now")
                        .expressionAttributeValues(Map.of(":p", s(wakePartition), ":now", s(String.format("%015d", now.toEpochMilli()) + "#~")))
                        .limit(limit));
                for (Map<String, AttributeValue> entry : page.items()) {
                    String sk = entry.get(SK).s();
                    String[] parts = sk.split("#", 3);
                    ThreadKey thread = ThreadKey.of(parts[1], parts[2]);
                    Instant at = Instant.ofEpochMilli(Long.parseLong(parts[0]));
                    Optional<Run> run = get(thread).filter(r -> r.sweptAt(at));
                    if (run.isPresent()) {
                        // Kept until the run moves on: a sweep that dies before sending finds it again (a second send
                        // is a duplicate message, which changes nothing).
                        due.add(run.get());
                    } else {
                        client.deleteItem(b -> b.tableName(table).key(Map.of(PK, s(wakePartition), SK, s(sk))));
                    }
                }
            }
        } catch (SdkException e) {
            throw unavailable("read the due wakes", e);
        }
        // Oldest first across the shards, at most limit: the rest stays filed for the next sweep.
        due.sort(Comparator.comparing(r -> r.sweepAt(Instant.MIN)));
        return due.size() > limit ? new ArrayList<>(due.subList(0, limit)) : due;
    }

    /**
     * Deletes the record on the version read (a writer that moved it meanwhile makes the delete read it again), then
     * the wake entries that record can have filed: at its re-drive time and at its wake time. Plain DeleteItems, no
     * transaction, so the delete and erase functions need no more than DeleteItem on the table: a delete that dies
     * between the two leaves an entry naming only the thread, which the sweep removes when it finds no record behind it.
     * A delete refused because a step's transaction holding the record was in flight ({@code TransactionConflictException}:
     * the run guard) pauses briefly and tries again, within the same bounded tries; after them, {@code CONFLICT}
     * (retryable: delete again), the record left whole.
     */
    @Override
    public Optional<Run> delete(ThreadKey thread) {
        Map<String, AttributeValue> key = Map.of(PK, s(partition(thread)), SK, s(RECORD));
        try {
            for (int race = 0; race < DELETE_RACES; race++) {
                Optional<Run> stored = get(thread);
                if (stored.isEmpty()) {
                    return Optional.empty();
                }
                Run run = stored.get();
                try {
                    client.deleteItem(b -> b.tableName(table).key(key).conditionExpression("v = :v")
                            .expressionAttributeValues(Map.of(":v", n(run.version()))));
                } catch (ConditionalCheckFailedException e) {
                    continue;  // a worker or a caller wrote a newer version: delete that one
                } catch (TransactionConflictException e) {
                    pauseAfterConflict();
                    continue;  // a step's commit held the record (its run guard): nothing deleted, try again
                }
                for (Instant at : new Instant[] {run.redriveAt(), run.wakeAt()}) {
                    if (at != null) {
                        client.deleteItem(b -> b.tableName(table).key(Map.of(PK, s(wakePartition(thread)), SK, s(wakeKey(at, thread)))));
                    }
                }
                return stored;
            }
        } catch (SdkException e) {
            throw unavailable("delete the run of " + thread, e);
        }
        throw new ThreadlineException(ErrorCode.CONFLICT, "the run's record kept changing (or its steps kept committing) while the thread was deleted; delete again",
                Map.of("threadId", thread.threadId()));
    }

    private static void pauseAfterConflict() {
        try {
            Thread.sleep(CONFLICT_PAUSE_MILLIS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    static String partition(ThreadKey thread) {
        return "RUN#" + thread.tenant() + "#" + thread.threadId();
    }

    /** The thread's wake-index partition: CRC-32 of tenant and thread (stable across JVMs and releases) modulo the shards. */
    String wakePartition(ThreadKey thread) {
        CRC32 crc = new CRC32();
        crc.update((thread.tenant() + "/" + thread.threadId()).getBytes(StandardCharsets.UTF_8));
        return "WAKE#" + (crc.getValue() % shards);
    }

    static String wakeKey(Instant at, ThreadKey thread) {
        return String.format("%015d", at.toEpochMilli()) + "#" + thread.tenant() + "#" + thread.threadId();
    }

    private static ThreadlineException unavailable(String what, SdkException e) {
        return new ThreadlineException(ErrorCode.DEPENDENCY_UNAVAILABLE, "DynamoDB could not " + what + ": " + e.getMessage(),
                Map.of("dependency", "dynamodb"), e);
    }

    private static AttributeValue s(String value) {
        return AttributeValue.fromS(value);
    }

    private static AttributeValue n(long value) {
        return AttributeValue.fromN(Long.toString(value));
    }
}
