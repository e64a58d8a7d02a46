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

import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * Run records in the checkpoint table, apart from the threads' partitions (no read of a thread meets them):
 * {@code pk = RUN#<tenant>#<threadId>, sk = RUN}, the record as JSON in {@code data} and its version in
 * {@code v}; every write is conditional on the version read. A long timed wait is filed in the same write as
 * {@code pk = WAKE#0, sk = <wake time, epoch ms, 15 digits>#<tenant>#<threadId>}: the sweep queries that one
 * partition up to now. Filed entries are never rewritten: the sweep checks each against its run's record and
 * deletes the ones that no longer hold (the run moved on, ended, or was cancelled).
 */
public final class DynamoDbRunStore implements RunStore {

    static final String PK = "pk";
    static final String SK = "sk";
    static final String RECORD = "RUN";
    static final String WAKE_PARTITION = "WAKE#0";

    private final DynamoDbClient client;
    private final String table;

    public DynamoDbRunStore(DynamoDbClient client, String table) {
        this.client = client;
        this.table = table;
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
        Put.Builder put = Put.builder().tableName(table).item(item);
        if (run.version() == 1) {
            put.conditionExpression("attribute_not_exists(pk)");
        } else {
            put.conditionExpression("v = :previous").expressionAttributeValues(Map.of(":previous", n(run.version() - 1)));
        }
        List<TransactWriteItem> writes = new ArrayList<>();
        writes.add(TransactWriteItem.builder().put(put.build()).build());
        if (run.active() && run.wakeAt() != null && !run.wakeAt().isBefore(sweepAfter)) {
            writes.add(TransactWriteItem.builder().put(p -> p.tableName(table).item(Map.of(
                    PK, s(WAKE_PARTITION), SK, s(wakeKey(run.wakeAt(), thread)), "data", s(partition(thread))))).build());
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
        } catch (TransactionCanceledException e) {
            if (e.cancellationReasons().stream().anyMatch(r -> "ConditionalCheckFailed".equals(r.code()))) {
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
            QueryResponse page = client.query(b -> b.tableName(table).consistentRead(true)
                    .keyConditionExpression("pk = :p AND sk <= :now")
                    .expressionAttributeValues(Map.of(":p", s(WAKE_PARTITION), ":now", s(String.format("%015d", now.toEpochMilli()) + "#~")))
                    .limit(limit));
            for (Map<String, AttributeValue> entry : page.items()) {
                String sk = entry.get(SK).s();
                String[] parts = sk.split("#", 3);
                ThreadKey thread = ThreadKey.of(parts[1], parts[2]);
                Optional<Run> run = get(thread);
                boolean holds = run.filter(Run::active).filter(r -> r.wakeAt() != null)
                        .filter(r -> wakeKey(r.wakeAt(), thread).equals(sk)).isPresent();
                if (holds) {
                    // Kept until the run moves on: a sweep that dies before sending finds it again (a second send
                    // is a duplicate message, which changes nothing).
                    due.add(run.get());
                } else {
                    client.deleteItem(b -> b.tableName(table).key(Map.of(PK, s(WAKE_PARTITION), SK, s(sk))));
                }
            }
            return due;
        } catch (SdkException e) {
            throw unavailable("read the due wakes", e);
        }
    }

    static String partition(ThreadKey thread) {
        return "RUN#" + thread.tenant() + "#" + thread.threadId();
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
