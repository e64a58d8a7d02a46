package io.threadline.checkpoint.dynamodb;

import io.threadline.ErrorCode;
import io.threadline.ThreadlineException;
import io.threadline.checkpoint.ThreadTags;
import io.threadline.checkpoint.ThreadQuery;
import io.threadline.checkpoint.ThreadSummary;
import io.threadline.checkpoint.ThreadPage;
import io.threadline.checkpoint.dynamodb.internal.ThreadLister;
import io.threadline.checkpoint.dynamodb.internal.ThreadIndex;
import io.threadline.checkpoint.PendingEffect;
import io.threadline.checkpoint.Checkpoint;
import io.threadline.checkpoint.CheckpointChain;
import io.threadline.checkpoint.CheckpointId;
import io.threadline.checkpoint.CheckpointStore;
import io.threadline.checkpoint.Commit;
import io.threadline.checkpoint.CommitResult;
import io.threadline.checkpoint.HistoryPage;
import io.threadline.checkpoint.HeadPage;
import io.threadline.checkpoint.HeadScan;
import io.threadline.checkpoint.HistoryQuery;
import io.threadline.checkpoint.PruneReport;
import io.threadline.checkpoint.RetentionPolicy;
import io.threadline.checkpoint.ThreadHead;
import io.threadline.checkpoint.ThreadDeletion;
import io.threadline.checkpoint.ThreadKey;
import io.threadline.checkpoint.dynamodb.internal.BatchDeletes;
import io.threadline.checkpoint.dynamodb.internal.CommitWriter;
import io.threadline.checkpoint.dynamodb.internal.DynamoDbErrors;
import io.threadline.checkpoint.dynamodb.internal.HeadScanner;
import io.threadline.checkpoint.dynamodb.internal.HeadTags;
import io.threadline.checkpoint.dynamodb.internal.InflateThreads;
import io.threadline.checkpoint.dynamodb.internal.ItemSize;
import io.threadline.checkpoint.dynamodb.internal.Keys;
import io.threadline.checkpoint.dynamodb.internal.PendingItems;
import io.threadline.checkpoint.dynamodb.internal.Pruner;
import io.threadline.checkpoint.dynamodb.internal.ThreadDeleter;
import io.threadline.checkpoint.dynamodb.internal.ThreadReader;
import io.threadline.checkpoint.dynamodb.internal.UnfinishedDeletes;
import software.amazon.awssdk.core.exception.SdkException;
import software.amazon.awssdk.services.dynamodb.DynamoDbClient;
import software.amazon.awssdk.services.dynamodb.model.AttributeValue;
import software.amazon.awssdk.services.dynamodb.model.ConditionalCheckFailedException;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.function.Supplier;
import java.util.logging.Logger;

/**
 * A {@link CheckpointStore} on one DynamoDB table (layout: infra/dynamodb/README.md). Each thread is
 * one partition: a {@code HEAD} item, one item per checkpoint (plus chunk items for large ones) and
 * one item per idempotency key. A commit is a single TransactWriteItems conditional on the HEAD's
 * step; the latest state is one strongly consistent descending Query from HEAD down to the nearest
 * snapshot.
 *
 * <p>The client is used as given: its retry policy (see {@link DynamoDbStoreProducer}) decides how
 * hard transient failures are retried before they surface here as {@code DEPENDENCY_UNAVAILABLE}.
 * The constructor does no I/O; the table must exist ({@link DynamoDbTables#createIfMissing}).
 */
public final class DynamoDbCheckpointStore implements CheckpointStore {

    /** Attempts of a batch of pending-item deletes: a clean-up, never worth holding a step up long for. */
    private static final int PENDING_DELETE_ATTEMPTS = 5;

    /** Attempts of a batch of a thread delete's deletes before it stops (the thread stays closed; run it again). */
    private static final int THREAD_DELETE_ATTEMPTS = 8;

    private static final Logger LOG = Logger.getLogger(DynamoDbCheckpointStore.class.getName());

    private final DynamoDbClient client;
    private final DynamoDbStoreSettings settings;
    private final ThreadReader reader;
    private final CommitWriter writer;
    private final Pruner pruner;
    private final ThreadDeleter deleter;
    private final HeadScanner heads;
    private final Clock clock;
    private final ThreadIndex index;
    private final ThreadLister lister;
    private final HeadTags headTags;
    private final UnfinishedDeletes unfinishedDeletes;

    /** Attempts of a tag change whose read-then-conditional-write another tag change keeps overtaking. */
    private static final int RETAG_ATTEMPTS = 5;

    /**
     * @param clock decides when idempotency records have expired
     */
    public DynamoDbCheckpointStore(DynamoDbClient client, DynamoDbStoreSettings settings, Clock clock) {
        this(client, settings, ThreadIndexSettings.defaults(), clock);
    }

    /**
     * @param threadIndex how the thread index is sharded and how fine its order is (README "Scale")
     * @param clock       decides when idempotency records have expired
     */
    public DynamoDbCheckpointStore(DynamoDbClient client, DynamoDbStoreSettings settings, ThreadIndexSettings threadIndex, Clock clock) {
        this(client, settings, threadIndex, InflateThreads.NONE, clock);
    }

    /**
     * @param threadIndex how the thread index is sharded and how fine its order is (README "Scale")
     * @param inflate     threads besides the reader's that inflate a large checkpoint's gzip members
     *                    ({@code threadline.dynamodb.inflate-threads}); the caller owns and closes them
     * @param clock       decides when idempotency records have expired
     */
    public DynamoDbCheckpointStore(DynamoDbClient client, DynamoDbStoreSettings settings, ThreadIndexSettings threadIndex,
                                   InflateThreads inflate, Clock clock) {
        this.client = Objects.requireNonNull(client, "client");
        this.settings = Objects.requireNonNull(settings, "settings");
        this.clock = Objects.requireNonNull(clock, "clock");
        this.index = new ThreadIndex(Objects.requireNonNull(threadIndex, "threadIndex"));
        this.reader = new ThreadReader(client, settings.tableName(), Objects.requireNonNull(inflate, "inflate"));
        this.writer = new CommitWriter(client, settings, clock, reader, index);
        this.pruner = new Pruner(client, settings.tableName(), reader);
        this.deleter = new ThreadDeleter(client, settings.tableName(), clock,
                THREAD_DELETE_ATTEMPTS);
        this.lister = new ThreadLister(client, settings.tableName(), index);
        this.headTags = new HeadTags(client, settings.tableName());
        this.unfinishedDeletes = new UnfinishedDeletes(client, settings.tableName(), index);
        this.heads = new HeadScanner(client, settings.tableName(), index);
    }

    /**
     * One descending Query per index shard of the tenant, merged, then one consistent BatchGetItem of the page's
     * heads (README "Scale" has the read units).
     */
    @Override
    public ThreadPage threads(String tenant, ThreadQuery query) {
        ThreadKey scope = ThreadKey.of(tenant, "threads");
        return call("threads", scope, () -> lister.list(tenant, query));
    }

    @Override
    public Duration threadOrderGranularity() {
        return index.settings().granularity();
    }

    /** A consistent GetItem of the head's tags, then an UpdateItem conditional on their version. */
    @Override
    public ThreadTags retag(ThreadKey thread, Map<String, String> set, Collection<String> remove) {
        return call("retag", thread, () -> headTags.retag(thread, set, remove, RETAG_ATTEMPTS));
    }

    /** Read only: the SPI's default would rewrite the head's tags to read them. */
    @Override
    public ThreadTags tags(ThreadKey thread) {
        return call("tags", thread, () -> headTags.tags(thread));
    }

    /** The settings this store writes with. */
    public DynamoDbStoreSettings settings() {
        return settings;
    }

    @Override
    public Optional<ThreadHead> head(ThreadKey thread) {
        return call("head", thread, () -> reader.head(thread));
    }

    @Override
    public Optional<CheckpointChain> loadLatest(ThreadKey thread) {
        return call("loadLatest", thread, () -> reader.latest(thread));
    }

    @Override
    public Optional<CheckpointChain> load(ThreadKey thread, CheckpointId id) {
        return call("load", thread, () -> reader.chainTo(thread, id));
    }

    @Override
    public Optional<Checkpoint> get(ThreadKey thread, CheckpointId id) {
        return call("get", thread, () -> reader.get(thread, id));
    }

    /** One consistent GetItem of the key's record (an expired record counts as gone), then the checkpoint it names. */
    @Override
    public Optional<Checkpoint> findByIdempotencyKey(ThreadKey thread, String idempotencyKey) {
        return call("findByIdempotencyKey", thread, () -> {
            Map<String, AttributeValue> item = client.getItem(b -> b.tableName(settings.tableName()).consistentRead(true)
                    .key(Map.of(Keys.PK, AttributeValue.fromS(Keys.partition(thread)),
                            Keys.SK, AttributeValue.fromS(Keys.idempotency(idempotencyKey))))).item();
            if (item == null || item.isEmpty() || !item.containsKey(Keys.CHECKPOINT_ID)) {
                return Optional.<Checkpoint>empty();
            }
            AttributeValue expires = item.get(Keys.EXPIRES_AT);
            if (expires != null && Long.parseLong(expires.n()) < clock.instant().getEpochSecond()) {
                return Optional.<Checkpoint>empty();
            }
            return reader.get(thread, CheckpointId.parse(item.get(Keys.CHECKPOINT_ID).s()));
        });
    }

    @Override
    public HistoryPage history(ThreadKey thread, HistoryQuery query) {
        return call("history", thread, () -> reader.history(thread, query));
    }

    @Override
    public CommitResult commit(Commit commit) {
        return call("commit", commit.thread(), () -> writer.commit(commit));
    }

    /** One consistent Query of the thread's outbox markers, then each checkpoint; a marker whose checkpoint is gone is dropped. */
    @Override
    public List<Checkpoint> unpublished(ThreadKey thread) {
        return call("unpublished", thread, () -> {
            List<CheckpointId> ids = new ArrayList<>();
            reader.forEachWithPrefix(thread, Keys.OUTBOX_PREFIX, item -> ids.add(CheckpointId.parse(item.get(Keys.CHECKPOINT_ID).s())));
            List<Checkpoint> out = new ArrayList<>();
            for (CheckpointId id : ids) {
                Optional<Checkpoint> cp = reader.get(thread, id);
                if (cp.isPresent()) {
                    out.add(cp.get());
                } else {
                    deleteMarker(thread, id);
                }
            }
            return out;
        });
    }

    @Override
    public void markPublished(ThreadKey thread, CheckpointId id) {
        call("markPublished", thread, () -> {
            deleteMarker(thread, id);
            return null;
        });
    }

    private void deleteMarker(ThreadKey thread, CheckpointId id) {
        client.deleteItem(b -> b.tableName(settings.tableName()).key(Map.of(
                Keys.PK, AttributeValue.fromS(Keys.partition(thread)), Keys.SK, AttributeValue.fromS(Keys.outbox(id)))));
    }

    /** {@code now} is not needed: retention here is by count; time-based expiry is the table's TTL. */
    @Override
    public PruneReport prune(ThreadKey thread, RetentionPolicy policy, Instant now) {
        return call("prune", thread, () -> pruner.prune(thread, policy));
    }

    /**
     * The thread index {@value HeadScanner#INDEX} (sparse: only heads carry its keys) — a Scan for every tenant, a Query
     * per shard for one — then a consistent read of the page's heads; see {@link HeadScanner}.
     */
    @Override
    public HeadPage scanHeads(HeadScan scan) {
        return call("scanHeads", null, () -> heads.scan(scan));
    }

    /** The tombstones a cut delete left, from the thread index: see {@code UnfinishedDeletes#find}. */
    @Override
    public List<ThreadSummary> unfinishedDeletes(String tenant, Map<String, String> tags, int limit) {
        return call("unfinishedDeletes", null, () -> unfinishedDeletes.find(tenant, tags, limit));
    }

    /** With {@code legacyTombstoneScan}, also the marker-less tombstones of earlier releases: see {@code UnfinishedDeletes#find}. */
    @Override
    public List<ThreadSummary> unfinishedDeletes(String tenant, Map<String, String> tags, int limit, boolean legacyTombstoneScan) {
        return call("unfinishedDeletes", null, () -> unfinishedDeletes.find(tenant, tags, limit, legacyTombstoneScan));
    }

    /** Whether this store keeps anything of what it committed to {@code thread} lately (for packing). */
    boolean remembersRecentCommitsOf(ThreadKey thread) {
        return writer.remembers(thread);
    }

    /** Tombstone, sweep, untombstone: see {@link ThreadDeleter}. */
    @Override
    public ThreadDeletion delete(ThreadKey thread) {
        writer.forget(thread);
        return call("delete", thread, () -> deleter.delete(thread));
    }

    /**
     * Sum of the approximate DynamoDB sizes of every item of the thread — HEAD, checkpoints, chunks and
     * idempotency records — counted as attribute names plus values (see infra/dynamodb/README.md).
     * Reads the whole partition: meant for metrics and benchmarks, not for every step.
     */
    @Override
    public long storedBytes(ThreadKey thread) {
        return call("storedBytes", thread, () -> {
            long[] bytes = {0};
            reader.forEachItem(thread, item -> bytes[0] += ItemSize.of(item));
            return bytes[0];
        });
    }

    /**
     * One conditional put per effect ({@code attribute_not_exists}): a second attempt of the same
     * step writing the same position is a CONFLICT, never an overwrite. An effect larger than an item
     * is stored in parts before that put ({@link PendingItems}); one larger than a checkpoint may be is
     * PAYLOAD_TOO_LARGE, as its step's checkpoint would be. The items expire with the idempotency TTL,
     * so effects of a step that is never retried do not stay.
     */
    @Override
    public void putPendingEffect(ThreadKey thread, long step, int seq, PendingEffect effect) {
        List<Map<String, AttributeValue>> items = PendingItems.of(thread, step, seq, effect.json(), settings,
                clock.instant().plus(settings.idempotencyTtl()).getEpochSecond());
        call("putPendingEffect", thread, () -> {
            for (Map<String, AttributeValue> part : items.subList(0, items.size() - 1)) {
                client.putItem(b -> b.tableName(settings.tableName()).item(part));
            }
            try {
                client.putItem(b -> b.tableName(settings.tableName()).item(items.get(items.size() - 1))
                        .conditionExpression("attribute_not_exists(#sk)").expressionAttributeNames(Map.of("#sk", Keys.SK)));
            } catch (ConditionalCheckFailedException e) {
                // The parts just written belong to no head: take them back rather than leave them to expire.
                delete(items.subList(0, items.size() - 1).stream().map(BatchDeletes::keyOf).toList());
                throw new ThreadlineException(ErrorCode.CONFLICT,
                        "another attempt of step " + step + " of thread " + thread.threadId() + " is running",
                        Map.of("thread", thread.threadId(), "step", step));
            }
            return null;
        });
    }

    /**
     * One query from the first pending item up to this step's last, so orphans of earlier steps come at
     * no extra read; they are deleted (see {@link io.threadline.checkpoint.CheckpointStore#pendingEffects}).
     */
    @Override
    public List<PendingEffect> pendingEffects(ThreadKey thread, long step) {
        return call("pendingEffects", thread, () -> {
            String ofStep = Keys.pendingStep(step);
            List<Map<String, AttributeValue>> items = new ArrayList<>();
            List<Map<String, AttributeValue>> orphans = new ArrayList<>();
            reader.forEachBelow(thread, Keys.PENDING_PREFIX, ofStep + Keys.AFTER_ALL,
                    item -> (item.get(Keys.SK).s().startsWith(ofStep) ? items : orphans).add(item));
            if (!orphans.isEmpty()) {
                try {
                    delete(orphans.stream().map(BatchDeletes::keyOf).toList());
                } catch (SdkException e) {
                    LOG.warning("orphaned pending effects of " + thread + " were not deleted (they expire): " + e.getMessage());
                }
            }
            return PendingItems.read(thread, step, items).stream().map(PendingEffect::fromJson).toList();
        });
    }

    @Override
    public void clearPendingEffects(ThreadKey thread, long step) {
        call("clearPendingEffects", thread, () -> {
            List<Map<String, AttributeValue>> keys = new ArrayList<>();
            reader.forEachWithPrefix(thread, Keys.pendingStep(step), item -> keys.add(BatchDeletes.keyOf(item)));
            delete(keys);
            return null;
        });
    }

    /** The positions' heads and their parts (which sort right after their head, under its key). */
    @Override
    public void discardPendingEffects(ThreadKey thread, long step, Collection<Integer> seqs) {
        if (seqs.isEmpty()) {
            return;
        }
        Set<String> heads = new HashSet<>();
        seqs.forEach(seq -> heads.add(Keys.pending(step, seq)));
        int headLength = Keys.pending(step, 0).length();
        call("discardPendingEffects", thread, () -> {
            List<Map<String, AttributeValue>> keys = new ArrayList<>();
            reader.forEachWithPrefix(thread, Keys.pendingStep(step), item -> {
                String sk = item.get(Keys.SK).s();
                if (sk.length() >= headLength && heads.contains(sk.substring(0, headLength))) {
                    keys.add(BatchDeletes.keyOf(item));
                }
            });
            delete(keys);
            return null;
        });
    }

    /**
     * Deletes pending items, best effort: what DynamoDB still leaves unprocessed after a few attempts expires
     * with its TTL (or goes with the next read of the thread's pending effects).
     */
    private void delete(List<Map<String, AttributeValue>> keys) {
        BatchDeletes.deleteOrCountLeft(client, settings.tableName(), keys, PENDING_DELETE_ATTEMPTS);
    }

    /** Runs one store operation, turning what the SDK throws after its retries into Threadline's codes. */
    private <T> T call(String operation, ThreadKey thread, Supplier<T> action) {
        try {
            return action.get();
        } catch (SdkException e) {
            throw DynamoDbErrors.map(e, operation, thread, settings.tableName());
        }
    }
}
