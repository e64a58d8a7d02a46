package io.threadline.checkpoint.dynamodb;

import java.time.Duration;

/**
 * How the DynamoDB store keeps its index of threads ({@code threadsByActivity}; README "Scale").
 *
 * @param shards      index partitions per tenant: a thread's entry lives in shard {@code hash(threadId) mod shards},
 *                    so one tenant's index writes spread over this many partition keys, and a listing merges that
 *                    many queries. Fixed for a table's life: entries written under another count are not found
 *                    (changing it means rewriting every head). 1 to {@value #MAX_SHARDS}.
 * @param granularity the time resolution of the listing's order: the index key holds the head's commit time rounded
 *                    down to it, so a thread stepping several times within one granule rewrites its index entry
 *                    only when its status, agent or tags change. 1 ms to 1 hour.
 * @param maxExamined index entries one listing call reads at most (beyond each shard's first query) before it
 *                    answers what it has with a cursor: bounds the work of a filter few threads match
 */
public record ThreadIndexSettings(int shards, Duration granularity, int maxExamined) {

    public static final int MAX_SHARDS = 100;
    public static final int DEFAULT_SHARDS = 16;
    public static final Duration DEFAULT_GRANULARITY = Duration.ofMinutes(1);
    public static final int DEFAULT_MAX_EXAMINED = 2000;

    public ThreadIndexSettings {
        if (shards < 1 || shards > MAX_SHARDS) {
            throw new IllegalArgumentException("thread index shards must be between 1 and " + MAX_SHARDS + ", got " + shards);
        }
        if (granularity == null || granularity.toMillis() < 1 || granularity.compareTo(Duration.ofHours(1)) > 0) {
            throw new IllegalArgumentException("thread index granularity must be between 1 ms and 1 hour, got " + granularity);
        }
        if (maxExamined < 100) {
            throw new IllegalArgumentException("thread list max-examined must be at least 100, got " + maxExamined);
        }
    }

    public static ThreadIndexSettings defaults() {
        return new ThreadIndexSettings(DEFAULT_SHARDS, DEFAULT_GRANULARITY, DEFAULT_MAX_EXAMINED);
    }
}
