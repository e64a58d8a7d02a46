package io.threadline.checkpoint.dynamodb.internal;

import io.threadline.checkpoint.Checkpoint;
import io.threadline.checkpoint.ThreadCursor;
import io.threadline.checkpoint.ThreadKey;
import io.threadline.checkpoint.ThreadSummary;
import io.threadline.checkpoint.ThreadTags;
import io.threadline.checkpoint.dynamodb.ThreadIndexSettings;
import software.amazon.awssdk.services.dynamodb.model.AttributeValue;

import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.zip.CRC32;

/**
 * The thread index ({@code threadsByActivity}, README "Scale"): what the head item carries so the index lists it.
 * Partition key {@code <tenant>#<shard>} — a tenant's threads spread over {@link ThreadIndexSettings#shards()} keys
 * by a hash of the thread id — and sort key {@code <granule millis, 13 digits>#<thread id>}; projected: status,
 * agent and tags, the filters. Everything else a listing shows (step, exact time, what it waits for) is read from
 * the heads themselves, so an index entry changes only when a filter value changes or the thread enters a new
 * granule — not on every step.
 */
public final class ThreadIndex {

    public static final String NAME = "threadsByActivity";
    public static final String PARTITION = "tix";
    public static final String SORT = "tis";
    public static final String STATUS = "st";
    public static final String AGENT = "ag";
    public static final String TAGS = "tg";
    public static final String TAGS_VERSION = "tv";
    public static final String WAITING = "wf";

    private final ThreadIndexSettings settings;

    public ThreadIndex(ThreadIndexSettings settings) {
        this.settings = settings;
    }

    public ThreadIndexSettings settings() {
        return settings;
    }

    /** The shard of a thread: CRC-32 of its id (stable across JVMs and releases), modulo the shard count. */
    public int shard(String threadId) {
        CRC32 crc = new CRC32();
        crc.update(threadId.getBytes(StandardCharsets.UTF_8));
        return (int) (crc.getValue() % settings.shards());
    }

    public static String partition(String tenant, int shard) {
        return tenant + "#" + zeroPadded(shard, 2);
    }

    /**
     * {@code value} in decimal, zero-padded to {@code width} digits: what {@code String.format("%0<width>d")} gives for a
     * non-negative value, without a Formatter, which cost ~2% of a DynamoDB step's CPU on the commit path (issue 22).
     */
    static String zeroPadded(long value, int width) {
        String digits = Long.toString(value);
        if (value < 0 || digits.length() >= width) {
            return value < 0 ? String.format("%0" + width + "d", value) : digits;
        }
        return "0".repeat(width - digits.length()) + digits;
    }

    public long granule(Instant at) {
        long g = settings.granularity().toMillis();
        return Math.floorDiv(at.toEpochMilli(), g) * g;
    }

    public static String sortKey(long granuleMillis, String threadId) {
        return zeroPadded(granuleMillis, 13) + "#" + threadId;
    }

    /** The lowest sort key of a granule: '#' sorts below every character a thread id may hold. */
    public static String lowest(long granuleMillis) {
        return String.format("%013d", granuleMillis) + "#";
    }

    /** The highest sort key of a granule: '~' sorts above every character a thread id may hold. */
    public static String highest(long granuleMillis) {
        return String.format("%013d", granuleMillis) + "#~";
    }

    public static ThreadCursor cursorOf(String sortKey) {
        int hash = sortKey.indexOf('#');
        return new ThreadCursor(Long.parseLong(sortKey.substring(0, hash)), sortKey.substring(hash + 1));
    }

    public static String sortKeyOf(ThreadCursor cursor) {
        return sortKey(cursor.bucketMillis(), cursor.threadId());
    }

    /**
     * The parts of a head update that depend only on which optional attributes it sets (and whether it creates the
     * thread): the update and condition expressions and the names map. There are 32 such shapes; each is built once
     * and shared, so a step builds only its values (issue 22: building the expression was ~4% of a step's CPU).
     */
    public record HeadShape(String update, String condition, Map<String, String> names) {
    }

    private static final int AGENT_BIT = 1;
    private static final int EXPIRES_BIT = 2;
    private static final int WAITING_BIT = 4;
    private static final int TAGS_BIT = 8;
    private static final int CREATE_BIT = 16;
    private static final HeadShape[] SHAPES = new HeadShape[32];

    static {
        for (int shape = 0; shape < SHAPES.length; shape++) {
            SHAPES[shape] = shape(shape);
        }
    }

    /** Every shape a head update can take (tests check each against the rules DynamoDB applies to expressions). */
    static List<HeadShape> shapes() {
        return List.of(SHAPES);
    }

    private static HeadShape shape(int bits) {
        Map<String, String> names = new HashMap<>();
        StringBuilder set = new StringBuilder("SET ");
        StringBuilder remove = new StringBuilder(" REMOVE #g1p, #g1s");
        names.put("#g1p", Keys.GSI1_PK);
        names.put("#g1s", Keys.GSI1_SK);
        set(set, names, "#step", Keys.STEP, ":step");
        set(set, names, "#cid", Keys.CHECKPOINT_ID, ":cid");
        set(set, names, "#ua", Keys.UPDATED_AT, ":ua");
        set(set, names, "#tix", PARTITION, ":tix");
        set(set, names, "#tis", SORT, ":tis");
        set(set, names, "#st", STATUS, ":st");
        optional(set, remove, names, (bits & AGENT_BIT) != 0, "#ag", AGENT, ":ag");
        optional(set, remove, names, (bits & EXPIRES_BIT) != 0, "#exp", Keys.EXPIRES_AT, ":exp");
        optional(set, remove, names, (bits & WAITING_BIT) != 0, "#wf", WAITING, ":wf");
        if ((bits & TAGS_BIT) != 0) {
            set(set, names, "#tg", TAGS, ":tg");
        }
        String condition;
        if ((bits & CREATE_BIT) != 0) {
            names.putAll(CommitWriter.NEW_ITEM_NAMES);
            condition = CommitWriter.NEW_ITEM;
        } else {
            condition = "#step = :expected AND #cid = :parent";
        }
        return new HeadShape(set + remove.toString(), condition, Map.copyOf(names));
    }

    private static void set(StringBuilder set, Map<String, String> names, String name, String attribute, String value) {
        if (set.length() > "SET ".length()) {
            set.append(", ");
        }
        set.append(name).append(" = ").append(value);
        names.put(name, attribute);
    }

    private static void optional(StringBuilder set, StringBuilder remove, Map<String, String> names, boolean present,
                                 String name, String attribute, String value) {
        if (present) {
            set(set, names, name, attribute, value);
        } else {
            remove.append(", ").append(name);
            names.put(name, attribute);
        }
    }

    /**
     * The head's update after {@code cp} commits: one {@code UpdateItem} (in the commit's transaction) that sets the
     * head's pointer and what the index and listings read, and leaves the tags alone (they change by retag) unless
     * it creates the thread ({@code create}; {@code createTags} are its tags), conditional on the head being absent
     * (a new thread) or at the parent (the caller adds {@code :expected} and {@code :parent} then). {@code values}
     * receives the values; the shape (expressions and names, shared) is returned.
     */
    public HeadShape headUpdate(Checkpoint cp, boolean create, ThreadTags createTags, Long expiresAt,
                                Map<String, AttributeValue> values) {
        ThreadKey thread = cp.thread();
        values.put(":step", CheckpointItems.n(cp.step()));
        values.put(":cid", CheckpointItems.s(cp.id().value()));
        values.put(":ua", CheckpointItems.n(cp.createdAt().toEpochMilli()));
        values.put(":tix", CheckpointItems.s(partition(thread.tenant(), shard(thread.threadId()))));
        values.put(":tis", CheckpointItems.s(sortKey(granule(cp.createdAt()), thread.threadId())));
        values.put(":st", CheckpointItems.s(cp.status().name()));
        int bits = create ? CREATE_BIT : 0;
        String agent = cp.metadata().get(ThreadSummary.AGENT_KEY);
        if (agent != null) {
            values.put(":ag", CheckpointItems.s(agent));
            bits |= AGENT_BIT;
        }
        if (expiresAt != null) {
            values.put(":exp", CheckpointItems.n(expiresAt));
            bits |= EXPIRES_BIT;
        }
        if (cp.interrupt() != null) {
            values.put(":wf", waiting(ThreadSummary.Waiting.of(cp.interrupt())));
            bits |= WAITING_BIT;
        }
        if (create && createTags != null && !createTags.isEmpty()) {
            values.put(":tg", tags(createTags));
            bits |= TAGS_BIT;
        }
        return SHAPES[bits];
    }

    public static AttributeValue tags(ThreadTags tags) {
        Map<String, AttributeValue> m = new LinkedHashMap<>();
        tags.values().forEach((k, v) -> m.put(k, AttributeValue.fromS(v)));
        return AttributeValue.fromM(m);
    }

    public static ThreadTags tagsOf(Map<String, AttributeValue> item) {
        AttributeValue tg = item.get(TAGS);
        if (tg == null || !tg.hasM()) {
            return ThreadTags.none();
        }
        Map<String, String> out = new HashMap<>();
        tg.m().forEach((k, v) -> out.put(k, v.s()));
        return ThreadTags.of(out);
    }

    /**
     * Adds to a filter expression's parts one equality per tag of {@code tags} (in key order), on an item's tags map: a
     * listing's query of the index and the search for unfinished deletes filter alike.
     */
    static void tagFilters(Map<String, String> tags, Map<String, String> names, Map<String, AttributeValue> values, List<String> filters) {
        int t = 0;
        for (Map.Entry<String, String> tag : new TreeMap<>(tags).entrySet()) {
            names.put("#tg", TAGS);
            names.put("#tk" + t, tag.getKey());
            values.put(":tv" + t, AttributeValue.fromS(tag.getValue()));
            filters.add("#tg.#tk" + t + " = :tv" + t);
            t++;
        }
    }

    /** What a head stores of the interrupt it waits for (also the index backfill's value). */
    public static AttributeValue waiting(ThreadSummary.Waiting w) {
        Map<String, AttributeValue> m = new LinkedHashMap<>();
        m.put("n", AttributeValue.fromS(w.node()));
        if (w.when() != null) {
            m.put("w", AttributeValue.fromS(w.when()));
        }
        if (w.payload() != null) {
            m.put("p", AttributeValue.fromS(w.payload()));
        }
        if (w.truncated()) {
            m.put("t", AttributeValue.fromBool(true));
        }
        if (w.withheld()) {
            m.put("h", AttributeValue.fromBool(true));
        }
        return AttributeValue.fromM(m);
    }

    public static ThreadSummary.Waiting waitingOf(Map<String, AttributeValue> item) {
        AttributeValue wf = item.get(WAITING);
        if (wf == null || !wf.hasM()) {
            return null;
        }
        Map<String, AttributeValue> m = wf.m();
        return new ThreadSummary.Waiting(m.get("n").s(), m.containsKey("w") ? m.get("w").s() : null,
                m.containsKey("p") ? m.get("p").s() : null, m.containsKey("t") && Boolean.TRUE.equals(m.get("t").bool()),
                m.containsKey("h") && Boolean.TRUE.equals(m.get("h").bool()));
    }
}
