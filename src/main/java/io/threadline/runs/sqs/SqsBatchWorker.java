package io.threadline.runs.sqs;

import com.amazonaws.services.lambda.runtime.events.SQSBatchResponse;
import com.amazonaws.services.lambda.runtime.events.SQSEvent;
import io.threadline.ThreadlineException;
import io.threadline.runs.Advance;
import io.threadline.runs.BackgroundRuns;
import io.threadline.runs.RunMessage;
import software.amazon.awssdk.core.exception.SdkException;
import software.amazon.awssdk.services.sqs.SqsClient;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.logging.Level;
import java.util.logging.Logger;

/**
 * The {@code advance} function's work on one batch of the queue, as Lambda's SQS event source mapping hands it
 * over (and the local poller does): each message is one step ({@link BackgroundRuns#advance}); what did not
 * succeed is answered in {@code batchItemFailures} (partial batch failure reporting), so only those messages
 * are delivered again. FIFO order: once a message of a thread fails, the thread's later messages of the batch
 * are answered as failed without being tried. A timed wait not yet over hands its message back to the queue,
 * invisible until the wake time ({@code ChangeMessageVisibility}), also as a batch item failure: FIFO queues take
 * no per-message delay.
 */
public final class SqsBatchWorker {

    private static final Logger LOG = Logger.getLogger(SqsBatchWorker.class.getName());
    /** SQS's longest visibility timeout: 12 hours. */
    private static final long MAX_VISIBILITY_SECONDS = 43_200;

    private final BackgroundRuns runs;
    private final SqsClient sqs;
    private final String queueUrl;

    private final int maxReceiveCount;

    /**
     * @param maxReceiveCount the queue's redrive policy's {@code maxReceiveCount}: a message whose delivery of that
     *                        number fails goes to the dead-letter queue, and its run is ended DEAD_LETTERED first
     */
    public SqsBatchWorker(BackgroundRuns runs, SqsClient sqs, String queueUrl, int maxReceiveCount) {
        this.runs = runs;
        this.sqs = sqs;
        this.queueUrl = queueUrl;
        this.maxReceiveCount = maxReceiveCount;
    }

    public SQSBatchResponse handle(SQSEvent event) {
        List<SQSBatchResponse.BatchItemFailure> failures = new ArrayList<>();
        Set<String> failedGroups = new HashSet<>();
        List<SQSEvent.SQSMessage> records = event == null || event.getRecords() == null ? List.of() : event.getRecords();
        for (SQSEvent.SQSMessage record : records) {
            String group = record.getAttributes() == null ? null : record.getAttributes().get("MessageGroupId");
            if (group != null && failedGroups.contains(group)) {
                failures.add(new SQSBatchResponse.BatchItemFailure(record.getMessageId()));
                continue;
            }
            RunMessage message;
            try {
                message = RunMessage.fromJson(record.getBody());
            } catch (ThreadlineException poison) {
                // Not ours to run, and never will be: left to be redelivered into the dead-letter queue, for a person to read.
                LOG.warning("message " + record.getMessageId() + " is not a run message: " + poison.getMessage());
                fail(failures, failedGroups, record, group);
                continue;
            }
            try {
                Advance outcome = runs.advance(message);
                if (outcome.deferred()) {
                    long seconds = Math.min(MAX_VISIBILITY_SECONDS, Math.max(1, (outcome.deferFor().toMillis() + 999) / 1000));
                    sqs.changeMessageVisibility(b -> b.queueUrl(queueUrl).receiptHandle(record.getReceiptHandle())
                            .visibilityTimeout((int) seconds));
                    fail(failures, failedGroups, record, group);
                }
            } catch (ThreadlineException | SdkException e) {
                LOG.log(Level.WARNING, "step " + message.step() + " of run " + message.runId() + " will be retried by the queue: "
                        + e.getMessage());
                onFailure(record, message, e);
                fail(failures, failedGroups, record, group);
            } catch (RuntimeException e) {
                LOG.log(Level.SEVERE, "step " + message.step() + " of run " + message.runId() + " failed unexpectedly", e);
                onFailure(record, message, e);
                fail(failures, failedGroups, record, group);
            }
        }
        return new SQSBatchResponse(failures);
    }

    /** A failed delivery that was the last the queue allows: the message goes to the dead-letter queue, its run ends. */
    private void onFailure(SQSEvent.SQSMessage record, RunMessage message, RuntimeException e) {
        String count = record.getAttributes() == null ? null : record.getAttributes().get("ApproximateReceiveCount");
        int receives;
        try {
            receives = count == null ? 0 : Integer.parseInt(count);
        } catch (NumberFormatException notANumber) {
            return;
        }
        if (receives < maxReceiveCount) {
            return;
        }
        try {
            if (runs.deadLettered(message, receives, e.getMessage())) {
                LOG.warning("run " + message.runId() + " ends DEAD_LETTERED: step " + message.step() + " failed " + receives + " times");
            }
        } catch (RuntimeException again) {
            // The run's store is what fails: the message still goes to the dead-letter queue, for a person to read.
            LOG.log(Level.WARNING, "could not mark run " + message.runId() + " dead-lettered: " + again.getMessage());
        }
    }

    private static void fail(List<SQSBatchResponse.BatchItemFailure> failures, Set<String> groups, SQSEvent.SQSMessage record,
                             String group) {
        failures.add(new SQSBatchResponse.BatchItemFailure(record.getMessageId()));
        if (group != null) {
            groups.add(group);
        }
    }
}
