package io.threadline.checkpoint.dynamodb;

import io.smallrye.config.ConfigMapping;
import io.smallrye.config.WithDefault;

import java.time.Duration;
import java.util.Optional;

/**
 * The {@code threadline.dynamodb.*} keys, read when {@code threadline.store=dynamodb}. The client
 * itself (region, endpoint, credentials, HTTP client) is configured under {@code quarkus.dynamodb.*}.
 */
@ConfigMapping(prefix = "threadline.dynamodb")
public interface DynamoDbStoreConfig {

    /** The checkpoint table (created from infra/dynamodb/table.json). */
    @WithDefault("threadline")
    String table();

    /** Gzip a checkpoint larger than this many bytes (kept only when gzip makes it smaller). */
    @WithDefault("256")
    int compressAboveBytes();

    /**
     * How an envelope worth compressing is compressed: {@code gzip} (the default) or {@code zstd}. Reads take either,
     * told by the stored bytes; a version before zstd reads gzip only, so switch to zstd only once no reader of such a
     * version is left, nor wanted back (README, Configuration).
     */
    @WithDefault("gzip")
    String compression();

    /**
     * With {@code compression=zstd}, envelopes (and large pending effects) of at most this many bytes are still gzipped:
     * gzip stores a small envelope smaller and writes it faster, zstd wins only on larger ones (README, Checkpoint
     * compression). 0: zstd whatever the size. Unused with gzip. Not negative.
     */
    @WithDefault("32768")
    int zstdAboveBytes();

    /**
     * Delta checkpoints stored together in one item once their block of steps is over (their own items then deleted),
     * so a cold read fetches a long chain in few items (README, Delta packing). 0: never pack (the default: a version
     * before packing cannot read a pack); else 2-256, 32 recommended.
     */
    @WithDefault("0")
    int deltasPerPack();

    /** Largest data one item holds; larger checkpoints are split into chunk items. */
    @WithDefault("350000")
    int maxItemBytes();

    /** Largest stored checkpoint; a larger one fails with PAYLOAD_TOO_LARGE and writes nothing. */
    @WithDefault("3000000")
    int maxCheckpointBytes();

    /** Expire every item this long after its checkpoint was created; absent for no expiry. */
    Optional<Duration> checkpointTtl();

    /** How long an idempotency key is remembered. */
    @WithDefault("24h")
    Duration idempotencyTtl();

    /** Attempts per DynamoDB call (the SDK's standard retry mode) before DEPENDENCY_UNAVAILABLE. */
    @WithDefault("4")
    int maxAttempts();

    /**
     * Longest single attempt of a DynamoDB call (the SDK's {@code apiCallAttemptTimeout}); an attempt cut by it is
     * retried like an I/O error, within {@link #callTimeout()}.
     */
    @WithDefault("PT2S")
    Duration attemptTimeout();

    /**
     * Longest DynamoDB call, all attempts and backoff included (the SDK's {@code apiCallTimeout}); in Lambda a call
     * is also cut at the invocation's end less {@code threadline.api.dependency-reserve}. Keep it well under the
     * function's Timeout (template.yaml).
     */
    @WithDefault("PT8S")
    Duration callTimeout();

    /**
     * Threads of the store client's timer executor, which runs the attempt and call timeouts (a cancelled timer is
     * dropped at once; a firing one aborts its call's HTTP request on that thread, which can block on a stalled peer, so
     * one slow abort would delay the other calls' timeouts on a single thread). At least 1.
     */
    @WithDefault("2")
    int timerThreads();

    /**
     * Whether the checkpoint store's DynamoDB calls also get the AWS SDK's own OpenTelemetry span (one per call, under
     * Threadline's {@code checkpoint.*} span; {@code quarkus.dynamodb.telemetry.enabled} puts the instrumentation on the
     * extension's client). Off by default: Threadline's span already names the call, its thread, bytes and outcome,
     * and the SDK's interceptor was about 10% of a step's client CPU (bench/README.md, issue 22). Other users of the
     * extension's client keep it.
     */
    @WithDefault("false")
    boolean sdkSpans();

    /**
     * Threads besides the caller that inflate a large checkpoint's gzip members on a read (a snapshot over 128 KiB is
     * stored as members of 128 KiB): daemon threads started on first use, owned by the store's producer and ended with it. 0 (the default): the caller
     * inflates them in turn. More helps a cold read only where a core is idle for them (bench/README.md, session 34).
     */
    @WithDefault("0")
    int inflateThreads();

    /** Create the table at startup if it is missing: for local runs only, never in AWS. */
    @WithDefault("false")
    boolean createTable();

    /**
     * Index partitions per tenant of the thread index (README "Scale"): one tenant's index writes spread over this
     * many keys; a listing merges as many queries. Fixed for a table's life.
     */
    @WithDefault("16")
    int threadIndexShards();

    /** Time resolution of the thread listing's order; a thread's index entry moves at most once per granule. */
    @WithDefault("PT1M")
    Duration threadIndexGranularity();

    /** Index entries one listing call examines at most (a rare filter) before answering a shorter page with a cursor. */
    @WithDefault("2000")
    int threadListMaxExamined();
}
