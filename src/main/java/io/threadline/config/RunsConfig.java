package io.threadline.config;

import io.smallrye.config.ConfigMapping;
import io.smallrye.config.WithDefault;

import java.time.Duration;
import java.util.Optional;

/** The {@code threadline.runs.*} keys: background runs (documented in README.md, "Background runs"). */
@ConfigMapping(prefix = "threadline.runs")
public interface RunsConfig {

    /** {@code none} (start and cancel are refused) or {@code sqs}: the FIFO queue at {@link #queueUrl()}. */
    @WithDefault("none")
    String queue();

    /** The FIFO queue's URL (template.yaml sets it); locally, created when {@link #createQueue()}. */
    Optional<String> queueUrl();

    /** Local runs only: create the queue {@link #queueName()}.fifo and its dead-letter queue at start, never in AWS. */
    @WithDefault("false")
    boolean createQueue();

    /** The queue created by {@link #createQueue()} (and {@code <name>-dlq.fifo}). */
    @WithDefault("threadline-runs")
    String queueName();

    /** The created queue's visibility timeout: longer than a step takes (a message in flight longer is delivered again). */
    @WithDefault("PT30S")
    Duration visibilityTimeout();

    /**
     * The queue's receives before a message goes to the dead-letter queue: the redrive policy of the queue created
     * locally, and what the worker takes for the last delivery (it ends the run DEAD_LETTERED then). Must match
     * template.yaml's {@code RunQueue} {@code maxReceiveCount} (RunQueueTemplateTest holds them equal).
     */
    @WithDefault("5")
    int maxReceiveCount();

    /** Local runs: poll the queue and feed {@code advance} as Lambda's event source mapping does (off in Lambda). */
    @WithDefault("false")
    boolean poll();

    /** Poll loops side by side when {@link #poll()}. */
    @WithDefault("2")
    int pollers();

    /** Local runs: wake due timed waits this often (in AWS the EventBridge schedule of template.yaml calls {@code sweep}). */
    @WithDefault("PT10S")
    Duration sweepInterval();

    /** Runs one sweep wakes at most. */
    @WithDefault("100")
    int sweepBatch();

    /** What a request does to a thread whose background run is in progress, unless it says ({@code multitask}). */
    @WithDefault("reject")
    String doubleTexting();

    /** The largest {@code maxSteps} of {@code start}, and its default. */
    @WithDefault("1000")
    int maxSteps();

    /** How long a request that interrupts a run retries while the run's step in flight commits first. */
    @WithDefault("PT30S")
    Duration takeoverWait();

    /** The longest a message is handed back to the queue for a timed wait (SQS's message delay limit); longer waits go to the sweep. */
    @WithDefault("PT15M")
    Duration maxQueueDelay();

    /**
     * How long after a {@code start} (or a {@code resume} that continues a run) the sweep sends the run's first message
     * again if the run has taken no step by then: a writer that died between the run's record and its send leaves no
     * run without a message. Longer than a message waits in the queue before its first step runs.
     */
    @WithDefault("PT2M")
    Duration redriveAfter();

    /**
     * Partitions of the DynamoDB wake index ({@code WAKE#<shard>}) that long timed waits and re-drives are filed in:
     * a busy deployment's filings spread over them, and each sweep queries every one. 1 to 100; raise it only
     * while no run is filed (an entry in a shard beyond the count is not found).
     */
    @WithDefault("8")
    int wakeIndexShards();

    /**
     * The largest a run record may grow (its JSON, queued inputs included) before {@code multitask: enqueue} refuses
     * another input with {@code PAYLOAD_TOO_LARGE}: below DynamoDB's 400 KB item limit.
     */
    @WithDefault("350000")
    int maxRecordBytes();
}
