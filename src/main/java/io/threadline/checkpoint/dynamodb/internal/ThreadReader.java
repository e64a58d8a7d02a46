package io.threadline.checkpoint.dynamodb.internal;

import io.threadline.ThreadlineException;
import io.threadline.checkpoint.Checkpoint;
import io.threadline.checkpoint.CheckpointChain;
import io.threadline.checkpoint.CheckpointId;
import io.threadline.checkpoint.HistoryPage;
import io.threadline.checkpoint.HistoryQuery;
import io.threadline.checkpoint.ThreadHead;
import io.threadline.checkpoint.ThreadKey;
import io.threadline.checkpoint.dynamodb.DynamoDbStoreSettings;
import software.amazon.awssdk.services.dynamodb.DynamoDbClient;
import software.amazon.awssdk.services.dynamodb.model.AttributeValue;
import software.amazon.awssdk.services.dynamodb.model.GetItemResponse;
import software.amazon.awssdk.services.dynamodb.model.QueryRequest;
import software.amazon.awssdk.services.dynamodb.model.QueryResponse;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.Consumer;
import java.util.function.Predicate;
import java.util.function.Supplier;

/**
 * Every read of a thread's partition. All reads are strongly consistent: a commit is visible to the
 * next read, which the conditional commit protocol relies on. Chains are read newest first in one
 * descending query that stops at the snapshot. Its first page is small ({@value #FIRST_PAGE} items), so a short chain
 * costs one request. A delta's checkpoint item says when its chain's snapshot was written ({@link Keys#CHAIN_STARTED_AT}),
 * which bounds the rest of the chain from below: the query then reads exactly down to the snapshot in DynamoDB's
 * own pages (1 MB each) — a chain the snapshot policy keeps under one page costs two requests in all and reads no
 * item it does not use. Items that do not say (written before it was kept) are read in pages that grow (128, 512,
 * … items), so a long chain is never over-read by more than a constant factor.
 */
public final class ThreadReader {

    /**
     * Items of a read's first page, before it knows where its chain starts. Enough for the chains a small state grows
     * before its next snapshot (W1 at T=10: HEAD and 20 items) and for a packed chain's unpacked block ({@code
     * deltas-per-pack} 32: up to 31 deltas) to cost one request. What it reads past a chain shorter than this is the
     * previous chain's newest items — small deltas and packs, tens of KB on W1 — the price of a second round trip saved.
     */
    static final int FIRST_PAGE = 32;
    /**
     * Items read past, looking for the pack of a checkpoint whose own item is gone: between a checkpoint and its pack lie
     * only other checkpoints of that pack whose items are not deleted yet, fewer than a pack holds at most.
     */
    static final int MAX_PACK_MATES = DynamoDbStoreSettings.MAX_DELTAS_PER_PACK;
    private static final int PAGE_GROWTH = 4;
    private static final int MAX_PAGE = 4096;

    private static final Map<String, String> NAMES = Map.of("#pk", Keys.PK, "#sk", Keys.SK);
    private static final Map<String, String> OUTLINE_NAMES = Map.of("#pk", Keys.PK, "#sk", Keys.SK, "#kind", Keys.KIND,
            "#step", Keys.STEP, "#last", Keys.PACK_LAST_ID);

    private final DynamoDbClient client;
    private final String table;
    private final InflateThreads inflate;

    public ThreadReader(DynamoDbClient client, String table) {
        this(client, table, InflateThreads.NONE);
    }

    /** @param inflate threads besides the reader's that inflate a large checkpoint's gzip members */
    public ThreadReader(DynamoDbClient client, String table, InflateThreads inflate) {
        this.client = client;
        this.table = table;
        this.inflate = inflate;
    }

    public Optional<ThreadHead> head(ThreadKey thread) {
        GetItemResponse response = client.getItem(b -> b.tableName(table)
                .key(key(Keys.partition(thread), Keys.HEAD))
                .consistentRead(true)
                .projectionExpression("#s, #c")
                .expressionAttributeNames(Map.of("#s", Keys.STEP, "#c", Keys.CHECKPOINT_ID)));
        if (!response.hasItem() || response.item().isEmpty()) {
            return Optional.empty();
        }
        Map<String, AttributeValue> item = response.item();
        return Optional.of(new ThreadHead(CheckpointId.parse(item.get(Keys.CHECKPOINT_ID).s()), CheckpointItems.stepOf(item)));
    }

    /** HEAD sorts right above the checkpoints, so one descending query reads it and then the chain. */
    public Optional<CheckpointChain> latest(ThreadKey thread) {
        ChainCollector chain = new ChainCollector(thread, inflate, null);
        CheckpointId[] head = new CheckpointId[1];
        boolean[] noHead = new boolean[1];
        descending(thread, Keys.CHECKPOINT_PREFIX, Keys.HEAD, FIRST_PAGE, chain::floor, item -> {
            String sk = item.get(Keys.SK).s();
            if (head[0] == null) {
                if (!Keys.HEAD.equals(sk) || !item.containsKey(Keys.CHECKPOINT_ID)) {
                    noHead[0] = true;  // no HEAD, or a delete's tombstone: no thread to read
                    return false;
                }
                head[0] = CheckpointId.parse(item.get(Keys.CHECKPOINT_ID).s());
                chain.target(head[0]);
                return true;
            }
            return chain.accept(item);
        });
        if (head[0] == null || noHead[0]) {
            return Optional.empty();
        }
        return Optional.of(chain.finish());
    }

    /**
     * The chain ending at {@code id}: the query starts at the checkpoint's last chunk and reads down. A checkpoint in a
     * pack has no item of its own: its pack is then the first item below it (or, while the pack's other items are not all
     * deleted yet, found by {@link #packHolding}) and the chain is read from there.
     */
    public Optional<CheckpointChain> chainTo(ThreadKey thread, CheckpointId id) {
        ChainCollector chain = new ChainCollector(thread, inflate, id);
        descending(thread, Keys.CHECKPOINT_PREFIX, Keys.lastOf(id), FIRST_PAGE, chain::floor, chain::accept);
        if (chain.isEmpty() && chain.passedOver()) {
            Optional<String> pack = packHolding(thread, id);
            if (pack.isEmpty()) {
                return Optional.empty();
            }
            chain = new ChainCollector(thread, inflate, id);
            descending(thread, Keys.CHECKPOINT_PREFIX, pack.get(), FIRST_PAGE, chain::floor, chain::accept);
        }
        if (chain.isEmpty()) {
            return Optional.empty();
        }
        return Optional.of(chain.finish());
    }

    /**
     * One query covers the checkpoint item and its chunks, so a chunked checkpoint costs no extra request. A checkpoint
     * without an item of its own may be in a pack: {@link #packHolding} finds it, then one read of the pack.
     */
    public Optional<Checkpoint> get(ThreadKey thread, CheckpointId id) {
        CheckpointItems items = new CheckpointItems(thread, inflate);
        Checkpoint[] found = new Checkpoint[1];
        descending(thread, Keys.checkpoint(id), Keys.lastOf(id), 0, null, item -> {
            if (CheckpointItems.isPack(item)) {
                return true; // the pack of the checkpoints after this one
            }
            List<Checkpoint> read = items.accept(item);
            found[0] = read.isEmpty() ? null : read.get(0);
            return found[0] == null;
        });
        if (found[0] != null) {
            return Optional.of(found[0]);
        }
        return packHolding(thread, id).flatMap(pack -> {
            Map<String, AttributeValue> item = client.getItem(b -> b.tableName(table).consistentRead(true)
                    .key(key(Keys.partition(thread), pack))).item();
            return item == null || item.isEmpty() ? Optional.empty()
                    : items.accept(item).stream().filter(cp -> cp.id().equals(id)).findFirst();
        });
    }

    /**
     * The key of the pack that holds {@code id}, looked for below it in a query projected to keys, kinds and steps (fewer
     * bytes on the wire; DynamoDB still charges the items' whole sizes): past the pack's other checkpoints whose items
     * are not deleted yet, and packs of other block sizes, until a snapshot, a chunk, or more items than can lie between
     * a checkpoint and its pack ({@link #MAX_PACK_MATES}). Empty when none holds it: not stored.
     */
    private Optional<String> packHolding(ThreadKey thread, CheckpointId id) {
        String[] pack = new String[1];
        int[] passed = {0};
        descending(thread, Keys.CHECKPOINT_PREFIX, Keys.checkpoint(id), FIRST_PAGE, null, true, item -> {
            String sk = item.get(Keys.SK).s();
            if (Keys.isPack(sk) && CheckpointItems.holds(item, id)) {
                pack[0] = sk;
                return false;
            }
            // a pack holds single-item deltas only: a chunk, like a snapshot, lies where no pack-mate of the id can be
            return !Keys.isChunk(sk) && !CheckpointItems.isSnapshot(item) && ++passed[0] <= MAX_PACK_MATES;
        });
        return Optional.ofNullable(pack[0]);
    }

    /**
     * Checkpoints newest first, strictly below the cursor (the id of the last checkpoint of the
     * previous page). Reads one checkpoint item past the page to tell whether an older page exists.
     */
    public HistoryPage history(ThreadKey thread, HistoryQuery query) {
        CheckpointId cursor = query.cursor() == null ? null : parseCursor(query);
        // With a cursor, from its own item (read for its step, not decoded), not its chunks nor the pack of what follows it.
        String top = cursor == null ? Keys.CHECKPOINT_PREFIX + Keys.AFTER_ALL : Keys.checkpoint(cursor);
        HistoryCollector page = new HistoryCollector(new CheckpointItems(thread, inflate), cursor, query.limit(), true);
        descending(thread, Keys.CHECKPOINT_PREFIX, top, query.limit() + 1, null, page::accept);
        if (page.cursorNotFound()) {
            // The cursor's checkpoint is packed with other items still above its pack, or gone (pruned since)
            Optional<String> pack = packHolding(thread, cursor);
            page = new HistoryCollector(new CheckpointItems(thread, inflate), cursor, query.limit(), pack.isPresent());
            descending(thread, Keys.CHECKPOINT_PREFIX, pack.orElse(top), query.limit() + 1, null, page::accept);
        }
        return page.finish();
    }

    /**
     * Visits the checkpoint, chunk and pack items at or below {@code to}, newest first, the first page {@code firstPage}
     * items, until the visitor returns false.
     */
    void newestFirst(ThreadKey thread, String to, int firstPage, Predicate<Map<String, AttributeValue>> visitor) {
        descending(thread, Keys.CHECKPOINT_PREFIX, to, firstPage, null, visitor);
    }

    /** Visits every item of the thread's partition, in ascending key order, one page in memory at a time. */
    public void forEachItem(ThreadKey thread, Consumer<Map<String, AttributeValue>> visitor) {
        ascending(base(thread).keyConditionExpression("#pk = :pk").expressionAttributeNames(Map.of("#pk", Keys.PK)),
                visitor);
    }

    /**
     * Every item of the partition without its data: key, {@code kind}, {@code step}, {@code cid}. Enough to
     * decide what a prune keeps while holding only a few bytes per item.
     */
    public List<Map<String, AttributeValue>> outline(ThreadKey thread) {
        List<Map<String, AttributeValue>> out = new ArrayList<>();
        Map<String, String> names = new HashMap<>(NAMES);
        names.putAll(Map.of("#kind", Keys.KIND, "#step", Keys.STEP, "#cid", Keys.CHECKPOINT_ID));
        ascending(base(thread).keyConditionExpression("#pk = :pk")
                .projectionExpression("#pk, #sk, #kind, #step, #cid")
                .expressionAttributeNames(names), out::add);
        return out;
    }

    /** Visits the items with {@code from <= sk < below}, ascending. */
    public void forEachBelow(ThreadKey thread, String from, String below, Consumer<Map<String, AttributeValue>> visitor) {
        ascending(base(thread).keyConditionExpression("#pk = :pk AND #sk BETWEEN :from AND :to")
                .expressionAttributeValues(Map.of(":pk", CheckpointItems.s(Keys.partition(thread)),
                        ":from", CheckpointItems.s(from), ":to", CheckpointItems.s(below))), item -> {
                            if (!below.equals(item.get(Keys.SK).s())) {
                                visitor.accept(item);
                            }
                        });
    }

    /** Visits the items whose sort key starts with {@code prefix}, ascending. */
    public void forEachWithPrefix(ThreadKey thread, String prefix, Consumer<Map<String, AttributeValue>> visitor) {
        ascending(base(thread).keyConditionExpression("#pk = :pk AND begins_with(#sk, :prefix)")
                .expressionAttributeValues(Map.of(":pk", CheckpointItems.s(Keys.partition(thread)),
                        ":prefix", CheckpointItems.s(prefix))), visitor);
    }

    /** Names {@code #pk} and {@code #sk}; a query using only {@code #pk} sets its own, as DynamoDB refuses unused names. */
    private QueryRequest.Builder base(ThreadKey thread) {
        return QueryRequest.builder()
                .tableName(table)
                .consistentRead(true)
                .expressionAttributeNames(NAMES)
                .expressionAttributeValues(Map.of(":pk", CheckpointItems.s(Keys.partition(thread))));
    }

    private void ascending(QueryRequest.Builder request, Consumer<Map<String, AttributeValue>> visitor) {
        Map<String, AttributeValue> start = null;
        do {
            QueryResponse page = client.query(request.exclusiveStartKey(start).build());
            page.items().forEach(visitor);
            start = lastKey(page);
        } while (start != null);
    }

    /**
     * Visits the partition's items with {@code from <= sk <= to}, newest first, until the visitor
     * returns false. {@code firstPage} 0 lets DynamoDB page by size alone. {@code floor} (may be null), asked after
     * each page, may raise {@code from} to where what the visitor needs ends; the rest is then read in DynamoDB's
     * own pages. Should the visitor still want more below that floor (an item that said wrong), the read goes on
     * below it as if there had been none.
     */
    private void descending(ThreadKey thread, String from, String to, int firstPage, Supplier<String> floor,
                            Predicate<Map<String, AttributeValue>> visitor) {
        descending(thread, from, to, firstPage, floor, false, visitor);
    }

    /** With {@code outlineOnly}, the items come without their data: keys, kind, steps, a pack's last id. */
    private void descending(ThreadKey thread, String from, String to, int firstPage, Supplier<String> floor, boolean outlineOnly,
                            Predicate<Map<String, AttributeValue>> visitor) {
        String pk = Keys.partition(thread);
        Map<String, AttributeValue> start = null;
        int limit = firstPage;
        String lower = from;
        boolean floored = false;
        do {
            QueryRequest.Builder request = QueryRequest.builder()
                    .tableName(table)
                    .consistentRead(true)
                    .keyConditionExpression("#pk = :pk AND #sk BETWEEN :from AND :to")
                    .expressionAttributeNames(NAMES)
                    .expressionAttributeValues(Map.of(":pk", CheckpointItems.s(pk),
                            ":from", CheckpointItems.s(lower), ":to", CheckpointItems.s(to)))
                    .scanIndexForward(false)
                    .exclusiveStartKey(start);
            if (outlineOnly) {
                request.projectionExpression("#pk, #sk, #kind, #step, #last").expressionAttributeNames(OUTLINE_NAMES);
            }
            if (limit > 0 && lower.equals(from)) {
                request.limit(limit);
                limit = Math.min(limit * PAGE_GROWTH, MAX_PAGE);
            }
            QueryResponse page = client.query(request.build());
            for (Map<String, AttributeValue> item : page.items()) {
                if (!visitor.test(item)) {
                    return;
                }
            }
            start = lastKey(page);
            if (!floored && floor != null && start != null) {
                String raised = floor.get();
                if (raised != null && raised.compareTo(lower) > 0 && start.get(Keys.SK).s().compareTo(raised) > 0) {
                    lower = raised;
                    floored = true;
                }
            } else if (start == null && !lower.equals(from)) {
                start = key(pk, lower); // exclusive: the items below the floor, newest first
                lower = from;
            }
        } while (start != null);
    }

    private static Map<String, AttributeValue> lastKey(QueryResponse page) {
        return page.hasLastEvaluatedKey() && !page.lastEvaluatedKey().isEmpty() ? page.lastEvaluatedKey() : null;
    }

    static Map<String, AttributeValue> key(String pk, String sk) {
        return Map.of(Keys.PK, CheckpointItems.s(pk), Keys.SK, CheckpointItems.s(sk));
    }

    private static CheckpointId parseCursor(HistoryQuery query) {
        try {
            return CheckpointId.parse(query.cursor());
        } catch (ThreadlineException e) {
            throw query.badCursor();
        }
    }
}
