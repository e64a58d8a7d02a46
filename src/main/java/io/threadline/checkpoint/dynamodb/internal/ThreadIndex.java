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
import java.util.Map;
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
     * The head's update after {@code cp} commits: one {@code UpdateItem} (in the commit's transaction) that sets the
     * head's pointer and what the index and listings read, and leaves the tags alone (they change by retag) unless
     * it creates the thread. {@code names} and {@code values} receive the placeholders; the expression is returned.
     */
    public String headUpdate(Checkpoint cp, ThreadTags createTags, Long expiresAt, Map<String, String> names,
                             Map<String, AttributeValue> values) {
        ThreadKey thread = cp.thread();
        StringBuilder set = new StringBuilder("SET ");
        StringBuilder remove = new StringBuilder(" REMOVE #g1p, #g1s");
        names.put("#g1p", Keys.GSI1_PK);
        names.put("#g1s", Keys.GSI1_SK);
        put(set, names, values, "#step", Keys.STEP, ":step", CheckpointItems.n(cp.step()));
        put(set, names, values, "#cid", Keys.CHECKPOINT_ID, ":cid", CheckpointItems.s(cp.id().value()));
        put(set, names, values, "#ua", Keys.UPDATED_AT, ":ua", CheckpointItems.n(cp.createdAt().toEpochMilli()));
        put(set, names, values, "#tix", PARTITION, ":tix", CheckpointItems.s(partition(thread.tenant(), shard(thread.threadId()))));
        put(set, names, values, "#tis", SORT, ":tis", CheckpointItems.s(sortKey(granule(cp.createdAt()), thread.threadId())));
        put(set, names, values, "#st", STATUS, ":st", CheckpointItems.s(cp.status().name()));
        String agent = cp.metadata().get(ThreadSummary.AGENT_KEY);
        optional(set, remove, names, values, "#ag", AGENT, ":ag", agent == null ? null : CheckpointItems.s(agent));
        optional(set, remove, names, values, "#exp", Keys.EXPIRES_AT, ":exp", expiresAt == null ? null : CheckpointItems.n(expiresAt));
        optional(set, remove, names, values, "#wf", WAITING, ":wf", cp.interrupt() == null ? null : waiting(ThreadSummary.Waiting.of(cp.interrupt())));
        if (createTags != null && !createTags.isEmpty()) {
            put(set, names, values, "#tg", TAGS, ":tg", tags(createTags));
        }
        return set + remove.toString();
    }

    private static void put(StringBuilder set, Map<String, String> names, Map<String, AttributeValue> values, String name, String attribute,
                            String value, AttributeValue v) {
        if (set.length() > "SET ".length()) {
            set.append(", ");
        }
        set.append(name).append(" = ").append(value);
        names.put(name, attribute);
        values.put(value, v);
    }

    private static void optional(StringBuilder set, StringBuilder remove, Map<String, String> names, Map<String, AttributeValue> values,
                                 String name, String attribute, String value, AttributeValue v) {
        if (v != null) {
            put(set, names, values, name, attribute, value, v);
        } else {
            remove.append(", ").append(name);
            names.put(name, attribute);
        }
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
