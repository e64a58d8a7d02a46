package io.threadline.checkpoint.dynamodb.internal;

import io.threadline.checkpoint.dynamodb.ThreadIndexSettings;
import io.threadline.ErrorCode;
import io.threadline.ThreadlineException;
import io.threadline.checkpoint.Checkpoint;
import io.threadline.checkpoint.CheckpointCodec;
import io.threadline.checkpoint.CheckpointId;
import io.threadline.checkpoint.Commit;
import io.threadline.checkpoint.CommitResult;
import io.threadline.checkpoint.ThreadDeletion;
import io.threadline.checkpoint.ThreadKey;
import io.threadline.checkpoint.dynamodb.DynamoDbStoreSettings;
import software.amazon.awssdk.services.dynamodb.DynamoDbClient;
import software.amazon.awssdk.services.dynamodb.model.AttributeValue;
import software.amazon.awssdk.services.dynamodb.model.CancellationReason;
import software.amazon.awssdk.services.dynamodb.model.ConditionCheck;
import software.amazon.awssdk.services.dynamodb.model.Put;
import software.amazon.awssdk.services.dynamodb.model.ReturnValuesOnConditionCheckFailure;
import software.amazon.awssdk.services.dynamodb.model.TransactWriteItem;
import software.amazon.awssdk.services.dynamodb.model.TransactWriteItemsRequest;
import software.amazon.awssdk.services.dynamodb.model.TransactionCanceledException;
import software.amazon.awssdk.services.dynamodb.model.Update;

import java.time.Clock;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ThreadLocalRandom;

/**
 * One commit as one TransactWriteItems: the idempotency record (if keyed), the HEAD conditional on
 * the expected step, the checkpoint item with its chunks, and for a background run's step a ConditionCheck of its
 * run record (the run guard). Either all of it is written or none. A commit that ends a block of steps then packs the
 * block's deltas ({@link DeltaPacker}), outside the transaction and never failing the commit.
 * A cancelled transaction is read reason by reason, in action order: a seen idempotency key wins
 * (the first result is returned), then a run guard that failed ({@code RUN_GONE}), then a moved HEAD ({@code CONFLICT}, with the head step taken from
 * the item DynamoDB returns, so a conflict costs no extra read).
 */
public final class CommitWriter {

    /** Transactions that collide on an item are cancelled with TransactionConflict; the SDK does not retry them. */
    private static final int MAX_TRANSACTION_ATTEMPTS = 5;
    private static final String CONDITION_FAILED = "ConditionalCheckFailed";
    private static final String TRANSACTION_CONFLICT = "TransactionConflict";
    /** The condition of every item a commit (or a pack, {@link DeltaPacker}; a new HEAD, {@link ThreadIndex}, {@link ThreadDeleter}) adds; built once: part of every step's request. */
    static final String NEW_ITEM = "attribute_not_exists(#pk)";
    static final Map<String, String> NEW_ITEM_NAMES = Map.of("#pk", Keys.PK);

    private final DynamoDbClient client;
    private final DynamoDbStoreSettings settings;
    private final Clock clock;
    private final ThreadReader reader;
    private final ThreadIndex index;
    private final DeltaPacker packer;
    /** What this writer committed lately, for the packer; null when packing is off. */
    private final RecentDeltas recent;

    public CommitWriter(DynamoDbClient client, DynamoDbStoreSettings settings, Clock clock, ThreadReader reader) {
        this(client, settings, clock, reader, new ThreadIndex(ThreadIndexSettings.defaults()));
    }

    public CommitWriter(DynamoDbClient client, DynamoDbStoreSettings settings, Clock clock, ThreadReader reader, ThreadIndex index) {
        this.client = client;
        this.settings = settings;
        this.clock = clock;
        this.reader = reader;
        this.index = index;
        this.packer = new DeltaPacker(client, settings);
        this.recent = settings.deltasPerPack() > 1 ? new RecentDeltas(settings.deltasPerPack()) : null;
    }

    /** Forgets what is kept of a thread's recent commits for packing ({@link RecentDeltas}): it is being deleted. */
    public void forget(ThreadKey thread) {
        if (recent != null) {
            recent.forget(thread);
        }
    }

    /** Whether anything of {@code thread}'s recent commits is kept for packing. */
    public boolean remembers(ThreadKey thread) {
        return recent != null && recent.holds(thread);
    }

    public CommitResult commit(Commit commit) {
        Checkpoint cp = commit.checkpoint();
        if (commit.expectedStep() > 0 && cp.parent() == null) {
            throw new IllegalArgumentException("checkpoint " + cp.id() + " at step " + cp.step() + " names no parent");
        }
        if (cp.parent() != null && cp.id().compareTo(cp.parent()) <= 0) {
            // Sort keys are the ids, so the table order is the step order only if ids grow.
            throw new IllegalArgumentException("checkpoint id " + cp.id() + " does not follow its parent " + cp.parent());
        }
        byte[] envelope = CheckpointCodec.encode(cp);
        StoredPayload payload = StoredPayload.of(envelope, settings);
        if (payload.size() > settings.maxCheckpointBytes()) {
            throw tooLarge(cp, envelope.length, payload);
        }
        Instant now = clock.instant();
        // A chain expires as a whole, from its snapshot's time: deltas (and the HEAD) never outlive the
        // snapshot they are read from.
        Instant base = commit.chainStartedAt() != null && commit.chainStartedAt().isBefore(cp.createdAt())
                ? commit.chainStartedAt() : cp.createdAt();
        Long expiresAt = settings.checkpointTtl() == null ? null : base.plus(settings.checkpointTtl()).getEpochSecond();
        String pk = Keys.partition(commit.thread());
        List<Map<String, AttributeValue>> checkpointItems =
                CheckpointItems.checkpoint(pk, cp, payload, settings.maxItemBytes(), expiresAt, commit.chainStartedAt());
        long storedBytes = 0; // what a read of the checkpoint fetches: its items, as DynamoDB sizes them
        for (Map<String, AttributeValue> item : checkpointItems) {
            storedBytes += ItemSize.of(item);
        }
        Map<String, AttributeValue> idempotency = cp.idempotencyKey() == null ? null
                : CheckpointItems.idempotency(pk, cp, idempotencyExpiry(now, expiresAt));

        CheckpointId staleKeyTarget = null;
        for (int attempt = 1; ; attempt++) {
            List<TransactWriteItem> actions = new ArrayList<>(checkpointItems.size() + 2);
            if (idempotency != null) {
                actions.add(idempotencyPut(idempotency, now, staleKeyTarget));
            }
            int headIndex = actions.size();
            actions.add(headUpdate(commit, pk, expiresAt));
            for (Map<String, AttributeValue> item : checkpointItems) {
                actions.add(newItemPut(item));
            }
            if (cp.hasOutbox()) {
                actions.add(newItemPut(CheckpointItems.outboxMarker(pk, cp, expiresAt)));
            }
            int guardIndex = actions.size();
            if (commit.runGuard() != null) {
                actions.add(runGuardCheck(commit));
            }
            try {
                client.transactWriteItems(TransactWriteItemsRequest.builder().transactItems(actions).build());
                if (recent != null) {
                    recent.committed(commit.thread(), cp, envelope, checkpointItems);
                    if (packer.due(cp)) {
                        packer.pack(commit.thread(), cp, recent);
                    }
                }
                return new CommitResult(cp, false, storedBytes);
            } catch (TransactionCanceledException e) {
                List<CancellationReason> reasons = e.hasCancellationReasons() ? e.cancellationReasons() : List.of();
                boolean lastAttempt = attempt == MAX_TRANSACTION_ATTEMPTS;
                // The idempotency record is action 0 and wins over everything else, as the SPI requires.
                if (idempotency != null && failedCondition(reasons, 0)) {
                    CheckpointId first = recordedCheckpoint(commit.thread(), cp, reasons.get(0));
                    Optional<Checkpoint> stored = first == null ? Optional.empty() : reader.get(commit.thread(), first);
                    if (stored.isPresent()) {
                        return new CommitResult(stored.get(), true);
                    }
                    if (lastAttempt) {
                        throw unexpected(commit, reasons);
                    }
                    // The key names a checkpoint that is gone (pruned, or expired by TTL): the key is free again.
                    staleKeyTarget = first;
                    continue;
                }
                if (commit.runGuard() != null && failedCondition(reasons, guardIndex)) {
                    // Before the head: a run whose record is gone has nothing left to retry, whatever the head says.
                    throw commit.runGuard().refused(commit.thread(), cp.step());
                }
                if (failedCondition(reasons, headIndex)) {
                    throw conflictOrWrongParent(commit, reasons.get(headIndex));
                }
                if (reasons.stream().anyMatch(r -> TRANSACTION_CONFLICT.equals(r.code()))) {
                    if (lastAttempt) {
                        throw conflict(commit, "other transactions on the thread kept colliding with it", null);
                    }
                    pause(attempt);
                    continue;
                }
                Optional<String> throttled = reasons.stream().map(CancellationReason::code)
                        .filter(DynamoDbErrors::isThrottling).findFirst();
                if (throttled.isPresent()) {
                    throw new ThreadlineException(ErrorCode.DEPENDENCY_UNAVAILABLE, "DynamoDB throttled the commit of step "
                            + cp.step() + " of " + commit.thread() + " (" + throttled.get() + "); nothing was written, safe to retry",
                            Map.of("operation", "commit", "table", settings.tableName(), "thread", commit.thread().threadId(),
                                    "awsErrorCode", throttled.get()), e);
                }
                throw unexpected(commit, reasons);
            }
        }
    }

    private static boolean failedCondition(List<CancellationReason> reasons, int action) {
        return action < reasons.size() && CONDITION_FAILED.equals(reasons.get(action).code());
    }

    private TransactWriteItem newItemPut(Map<String, AttributeValue> item) {
        return TransactWriteItem.builder().put(Put.builder()
                .tableName(settings.tableName())
                .item(item)
                .conditionExpression(NEW_ITEM)
                .expressionAttributeNames(NEW_ITEM_NAMES)
                .build()).build();
    }

    /**
     * The run guard as a ConditionCheck on the thread's run record, which DynamoDbRunStore keeps in this table
     * ({@link Keys#runRecord}): it exists and names the run. A record written before run ids were stored beside it
     * (no {@code rid}) passes on existence: only a record written since can name another run.
     */
    private TransactWriteItem runGuardCheck(Commit commit) {
        return TransactWriteItem.builder().conditionCheck(ConditionCheck.builder()
                .tableName(settings.tableName())
                .key(ThreadReader.key(Keys.runRecord(commit.thread()), Keys.RUN_RECORD))
                .conditionExpression("attribute_exists(#pk) AND (#rid = :rid OR attribute_not_exists(#rid))")
                .expressionAttributeNames(Map.of("#pk", Keys.PK, "#rid", Keys.RUN_ID))
                .expressionAttributeValues(Map.of(":rid", CheckpointItems.s(commit.runGuard().runId())))
                .build()).build();
    }

    /** A key is remembered for idempotencyTtl, but never longer than the checkpoint it names. */
    private long idempotencyExpiry(Instant now, Long checkpointExpiry) {
        long keyExpiry = now.plus(settings.idempotencyTtl()).getEpochSecond();
        return checkpointExpiry == null ? keyExpiry : Math.min(keyExpiry, checkpointExpiry);
    }

    private TransactWriteItem idempotencyPut(Map<String, AttributeValue> item, Instant now, CheckpointId staleTarget) {
        Map<String, String> names = new HashMap<>(Map.of("#pk", Keys.PK, "#exp", Keys.EXPIRES_AT));
        Map<String, AttributeValue> values = new HashMap<>(Map.of(":now", CheckpointItems.n(now.getEpochSecond())));
        // DynamoDB deletes expired items only eventually; an expired record must not block the key meanwhile.
        String condition = NEW_ITEM + " OR #exp < :now";
        if (staleTarget != null) {
            names.put("#cid", Keys.CHECKPOINT_ID);
            values.put(":stale", CheckpointItems.s(staleTarget.value()));
            condition += " OR #cid = :stale";
        }
        return TransactWriteItem.builder().put(Put.builder()
                .tableName(settings.tableName())
                .item(item)
                .conditionExpression(condition)
                .expressionAttributeNames(names)
                .expressionAttributeValues(values)
                .returnValuesOnConditionCheckFailure(ReturnValuesOnConditionCheckFailure.ALL_OLD)
                .build()).build();
    }

    /**
     * The head as an update, not a put: it keeps what commits do not own — the thread's tags, changed by retag —
     * and sets the index attributes, whose values change only when the listing's view of the thread does
     * ({@link ThreadIndex}), so most steps cost the index nothing.
     */
    private TransactWriteItem headUpdate(Commit commit, String pk, Long expiresAt) {
        Map<String, AttributeValue> values = new HashMap<>(16);
        boolean create = commit.expectedStep() == 0;
        ThreadIndex.HeadShape shape = index.headUpdate(commit.checkpoint(), create, commit.tags(), expiresAt, values);
        if (!create) {
            values.put(":expected", CheckpointItems.n(commit.expectedStep()));
            values.put(":parent", CheckpointItems.s(commit.checkpoint().parent().value()));
        }
        return TransactWriteItem.builder().update(Update.builder()
                .tableName(settings.tableName())
                .key(ThreadReader.key(pk, Keys.HEAD))
                .updateExpression(shape.update())
                .conditionExpression(shape.condition())
                .expressionAttributeNames(shape.names())
                .expressionAttributeValues(values)
                .returnValuesOnConditionCheckFailure(ReturnValuesOnConditionCheckFailure.ALL_OLD)
                .build()).build();
    }

    private CheckpointId recordedCheckpoint(ThreadKey thread, Checkpoint cp, CancellationReason reason) {
        Map<String, AttributeValue> old = reason.hasItem() ? reason.item() : null;
        if (old == null || !old.containsKey(Keys.CHECKPOINT_ID)) {
            var response = client.getItem(b -> b.tableName(settings.tableName()).consistentRead(true)
                    .key(ThreadReader.key(Keys.partition(thread), Keys.idempotency(cp.idempotencyKey()))));
            old = response.hasItem() ? response.item() : Map.of();
        }
        AttributeValue cid = old.get(Keys.CHECKPOINT_ID);
        return cid == null ? null : CheckpointId.parse(cid.s());
    }

    private static ThreadlineException conflictOrWrongParent(Commit commit, CancellationReason headReason) {
        Map<String, AttributeValue> old = headReason.hasItem() ? headReason.item() : Map.of();
        if (old.containsKey(Keys.DELETING)) {
            return ThreadDeletion.closed(commit.thread());
        }
        long headStep = old.containsKey(Keys.STEP) ? CheckpointItems.stepOf(old) : 0;
        if (commit.expectedStep() > 0 && headStep == commit.expectedStep() && old.containsKey(Keys.CHECKPOINT_ID)) {
            // Same step, other checkpoint: the caller built on a checkpoint that is not the head (a defect, not a race).
            throw new IllegalArgumentException("checkpoint parent " + commit.checkpoint().parent() + " is not the head "
                    + old.get(Keys.CHECKPOINT_ID).s());
        }
        return conflict(commit, null, headStep);
    }

    private static ThreadlineException conflict(Commit commit, String why, Long headStep) {
        Map<String, Object> details = new LinkedHashMap<>();
        details.put("thread", commit.thread().threadId());
        details.put("expectedStep", commit.expectedStep());
        if (headStep != null) {
            details.put("headStep", headStep);
        }
        String message = headStep != null
                ? "thread " + commit.thread().threadId() + " moved on: expected step " + commit.expectedStep()
                + " but the head is at step " + headStep + "; reload and try again"
                : "thread " + commit.thread().threadId() + " could not commit step " + commit.checkpoint().step() + ": " + why
                + "; reload and try again";
        return new ThreadlineException(ErrorCode.CONFLICT, message, details);
    }

    private ThreadlineException tooLarge(Checkpoint cp, int envelopeBytes, StoredPayload payload) {
        return new ThreadlineException(ErrorCode.PAYLOAD_TOO_LARGE, "checkpoint " + cp.id() + " of " + cp.thread() + " is "
                + payload.size() + " bytes stored (" + envelopeBytes + " bytes before compression), over the limit of "
                + settings.maxCheckpointBytes() + " bytes (threadline.dynamodb.max-checkpoint-bytes); nothing was written. "
                + "Keep large data out of the state (store a reference to it instead)",
                Map.of("thread", cp.thread().threadId(), "checkpointId", cp.id().value(), "storedBytes", (long) payload.size(),
                        "encodedBytes", (long) envelopeBytes, "maxCheckpointBytes", (long) settings.maxCheckpointBytes()));
    }

    private ThreadlineException unexpected(Commit commit, List<CancellationReason> reasons) {
        List<String> codes = reasons.stream().map(r -> r.code() + (r.message() == null ? "" : ": " + r.message())).toList();
        return new ThreadlineException(ErrorCode.INTERNAL, "DynamoDB cancelled the commit of step " + commit.checkpoint().step()
                + " of " + commit.thread() + " for an unexpected reason: " + codes,
                Map.of("thread", commit.thread().threadId(), "reasons", codes, "table", settings.tableName()));
    }

    /** Jittered, growing pause so colliding writers do not collide again in lockstep. */
    private static void pause(int attempt) {
        try {
            Thread.sleep(ThreadLocalRandom.current().nextLong(2, 10L * attempt + 3));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new ThreadlineException(ErrorCode.DEPENDENCY_UNAVAILABLE, "interrupted while retrying a commit; safe to retry",
                    Map.of(), e);
        }
    }
}
