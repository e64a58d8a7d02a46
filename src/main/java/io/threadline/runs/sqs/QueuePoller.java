package io.threadline.runs.sqs;

import com.amazonaws.services.lambda.runtime.events.SQSBatchResponse;
import com.amazonaws.services.lambda.runtime.events.SQSEvent;
import software.amazon.awssdk.core.exception.SdkException;
import software.amazon.awssdk.services.sqs.SqsClient;
import software.amazon.awssdk.services.sqs.model.Message;
import software.amazon.awssdk.services.sqs.model.MessageSystemAttributeName;

import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Function;
import java.util.logging.Level;
import java.util.logging.Logger;
import java.util.stream.Collectors;

/**
 * What Lambda's SQS event source mapping does, for local runs and tests: long-polls the queue, hands each batch
 * to the same function Lambda would call ({@code advance}) as an {@link SQSEvent}, and deletes the messages the
 * answer does not list in {@code batchItemFailures}; those come back after their visibility timeout, and after
 * the queue's {@code maxReceiveCount} go to its dead-letter queue.
 */
public final class QueuePoller implements AutoCloseable {

    private static final Logger LOG = Logger.getLogger(QueuePoller.class.getName());

    private final SqsClient sqs;
    private final String queueUrl;
    private final int batchSize;
    private final Duration wait;
    private final Function<SQSEvent, SQSBatchResponse> function;
    private final List<Thread> threads = new ArrayList<>();
    private volatile boolean running = true;

    /**
     * @param pollers   how many poll loops run side by side (Lambda scales its pollers with the message groups)
     * @param batchSize messages per batch, 1 to 10
     */
    public QueuePoller(SqsClient sqs, String queueUrl, int pollers, int batchSize, Duration wait,
                       Function<SQSEvent, SQSBatchResponse> function) {
        this.sqs = sqs;
        this.queueUrl = queueUrl;
        this.batchSize = batchSize;
        this.wait = wait;
        this.function = function;
        for (int i = 0; i < pollers; i++) {
            Thread t = new Thread(this::loop, "threadline-run-poller-" + i);
            t.setDaemon(true);
            threads.add(t);
        }
    }

    public QueuePoller start() {
        threads.forEach(Thread::start);
        return this;
    }

    private void loop() {
        while (running) {
            try {
                pollOnce();
            } catch (SdkException e) {
                if (running) {
                    LOG.log(Level.WARNING, "polling the run queue failed; trying again: " + e.getMessage());
                    sleep(Duration.ofSeconds(1));
                }
            } catch (RuntimeException e) {
                LOG.log(Level.SEVERE, "the run queue's poller met a defect; going on", e);
                sleep(Duration.ofSeconds(1));
            }
        }
    }

    /** One receive, one call of the function, the deletes. */
    public void pollOnce() {
        List<Message> messages = sqs.receiveMessage(b -> b.queueUrl(queueUrl).maxNumberOfMessages(batchSize)
                .waitTimeSeconds((int) wait.toSeconds())
                .messageSystemAttributeNames(MessageSystemAttributeName.MESSAGE_GROUP_ID,
                        MessageSystemAttributeName.APPROXIMATE_RECEIVE_COUNT)).messages();
        if (messages.isEmpty()) {
            return;
        }
        SQSEvent event = new SQSEvent();
        List<SQSEvent.SQSMessage> records = new ArrayList<>();
        for (Message m : messages) {
            SQSEvent.SQSMessage r = new SQSEvent.SQSMessage();
            r.setMessageId(m.messageId());
            r.setReceiptHandle(m.receiptHandle());
            r.setBody(m.body());
            r.setEventSource("aws:sqs");
            r.setEventSourceArn(queueUrl);
            Map<String, String> attributes = new HashMap<>();
            m.attributes().forEach((k, v) -> attributes.put(k.toString(), v));
            r.setAttributes(attributes);
            records.add(r);
        }
        event.setRecords(records);
        SQSBatchResponse answer = function.apply(event);
        Set<String> failed = answer == null || answer.getBatchItemFailures() == null ? Set.of()
                : answer.getBatchItemFailures().stream().map(SQSBatchResponse.BatchItemFailure::getItemIdentifier).collect(Collectors.toSet());
        for (Message m : messages) {
            if (!failed.contains(m.messageId())) {
                try {
                    sqs.deleteMessage(b -> b.queueUrl(queueUrl).receiptHandle(m.receiptHandle()));
                } catch (SdkException e) {
                    // Its visibility ran out while the step ran (the handle went stale): it comes again, and its
                    // next delivery finds the step committed and changes nothing.
                    LOG.warning("could not delete message " + m.messageId() + "; it will be delivered again: " + e.getMessage());
                }
            }
        }
    }

    @Override
    public void close() {
        running = false;
        for (Thread t : threads) {
            try {
                t.join(wait.toMillis() + 5_000);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return;
            }
        }
    }

    private static void sleep(Duration d) {
        try {
            Thread.sleep(d.toMillis());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
