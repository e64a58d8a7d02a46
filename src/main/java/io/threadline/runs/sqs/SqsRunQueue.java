package io.threadline.runs.sqs;

import io.threadline.ErrorCode;
import io.threadline.ThreadlineException;
import io.threadline.runs.RunMessage;
import io.threadline.runs.RunQueue;
import software.amazon.awssdk.core.exception.SdkException;
import software.amazon.awssdk.services.sqs.SqsClient;

import java.util.Map;

/**
 * The FIFO SQS queue of background-run steps: the thread is the message group (one consumer at a time per
 * thread, in order), and thread, run and step make the deduplication id, so a message sent twice within SQS's
 * five-minute window is stored once (and one stored twice later changes nothing: the worker checks the step).
 */
public final class SqsRunQueue implements RunQueue {

    private final SqsClient sqs;
    private final String queueUrl;

    public SqsRunQueue(SqsClient sqs, String queueUrl) {
        this.sqs = sqs;
        this.queueUrl = queueUrl;
    }

    @Override
    public void send(RunMessage message) {
        try {
            sqs.sendMessage(b -> b.queueUrl(queueUrl).messageBody(message.toJson()).messageGroupId(message.groupId())
                    .messageDeduplicationId(message.deduplicationId()));
        } catch (SdkException e) {
            throw new ThreadlineException(ErrorCode.DEPENDENCY_UNAVAILABLE, "the run queue did not take the next step: " + e.getMessage(),
                    Map.of("dependency", "sqs"), e);
        }
    }

    public String queueUrl() {
        return queueUrl;
    }
}
