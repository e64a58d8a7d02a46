package io.threadline.runs.sqs;

import software.amazon.awssdk.services.sqs.SqsClient;
import software.amazon.awssdk.services.sqs.model.QueueAttributeName;

import java.time.Duration;
import java.util.Map;

/**
 * Creates the FIFO queue of run steps and its FIFO dead-letter queue, as template.yaml declares them in AWS, on a
 * local SQS server (ElasticMQ): for infra/local/start and the tests only, never in AWS.
 */
public final class RunQueues {

    private RunQueues() {
    }

    /**
     * Creates (or finds) {@code name}.fifo and {@code name}-dlq.fifo, the first redriving to the second after
     * {@code maxReceiveCount} receives; answers the queue's URL.
     */
    public static String createIfMissing(SqsClient sqs, String name, Duration visibilityTimeout, int maxReceiveCount) {
        String dlqUrl = sqs.createQueue(b -> b.queueName(name + "-dlq.fifo").attributes(Map.of(
                QueueAttributeName.FIFO_QUEUE, "true"))).queueUrl();
        String dlqArn = sqs.getQueueAttributes(b -> b.queueUrl(dlqUrl).attributeNames(QueueAttributeName.QUEUE_ARN))
                .attributes().get(QueueAttributeName.QUEUE_ARN);
        return sqs.createQueue(b -> b.queueName(name + ".fifo").attributes(Map.of(
                QueueAttributeName.FIFO_QUEUE, "true",
                QueueAttributeName.VISIBILITY_TIMEOUT, Long.toString(visibilityTimeout.toSeconds()),
                QueueAttributeName.REDRIVE_POLICY, "{\"deadLetterTargetArn\":\"" + dlqArn + "\",\"maxReceiveCount\":\"" + maxReceiveCount + "\"}"
        ))).queueUrl();
    }
}
