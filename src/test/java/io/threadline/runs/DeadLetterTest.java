package io.threadline.runs;

import io.threadline.ErrorCode;
import io.threadline.ThreadlineException;
import io.threadline.checkpoint.ThreadKey;
import io.threadline.checkpoint.dynamodb.DynamoDbLocal;
import io.threadline.runs.sqs.ElasticMq;
import io.threadline.runs.sqs.QueuePoller;
import io.threadline.runs.sqs.RunQueues;
import io.threadline.runs.sqs.SqsBatchWorker;
import io.threadline.runs.sqs.SqsRunQueue;
import org.junit.jupiter.api.Test;
import software.amazon.awssdk.services.sqs.model.Message;

import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.UUID;

import static io.threadline.runs.BackgroundRunsTest.await;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * A message whose step fails on every delivery (a dependency that stays down) is retried by the queue — ElasticMQ,
 * with a redrive policy as template.yaml's — and after {@code maxReceiveCount} receives lands in the dead-letter
 * queue; on its last delivery the worker ends the run DEAD_LETTERED, saying which step failed, how often and why.
 */
class DeadLetterTest {

    static final int MAX_RECEIVES = 3;

    @Test
    void aMessageFailingEveryDeliveryEndsInTheDeadLetterQueueAndItsRunSaysSo() {
        String name = "dlq-" + UUID.randomUUID().toString().substring(0, 8);
        String queueUrl = RunQueues.createIfMissing(ElasticMq.get().client(), name, Duration.ofSeconds(1), MAX_RECEIVES);
        String deadLetters = ElasticMq.get().client().getQueueUrl(b -> b.queueName(name + "-dlq.fifo")).queueUrl();
        try (RunHarness h = new RunHarness(DynamoDbLocal.get().endpoint(), BackgroundRunsTest.TABLE, ElasticMq.get().endpoint(), queueUrl,
                Clock.systemUTC())) {
            ThreadKey thread = BackgroundRunsTest.thread();
            Run run = h.runs.start(thread, null, h.json("{\"target\":3}"), 10, DoubleTexting.REJECT, null, "test").run();
            BackgroundRuns downstreamDown = h.withFailingSteps(new ThreadlineException(ErrorCode.DEPENDENCY_UNAVAILABLE,
                    "the model provider does not answer", Map.of("dependency", "bedrock")), new SqsRunQueue(h.sqs, queueUrl));
            SqsBatchWorker worker = new SqsBatchWorker(downstreamDown, h.sqs, queueUrl, MAX_RECEIVES);
            try (QueuePoller poller = new QueuePoller(h.sqs, queueUrl, 1, 10, Duration.ofSeconds(1), worker::handle).start()) {
                await(Duration.ofSeconds(60), () -> h.run(thread).status().ended());
                Run dead = h.run(thread);
                assertThat(dead.status()).isEqualTo(RunStatus.DEAD_LETTERED);
                assertThat(dead.endReason()).isEqualTo("step 1 failed on each of its " + MAX_RECEIVES
                        + " deliveries (the last: the model provider does not answer); its message is in the dead-letter queue");
                assertThat(h.runs.messageInFlight(dead)).isFalse();

                List<Message> parked = receiveWithin(h, deadLetters, Duration.ofSeconds(30));
                assertThat(parked).hasSize(1);
                assertThat(RunMessage.fromJson(parked.get(0).body())).isEqualTo(run.nextMessage());
                assertThat(h.store.head(thread)).as("no step was written").isEmpty();
                assertThat(h.sqs.receiveMessage(b -> b.queueUrl(queueUrl).waitTimeSeconds(2)).messages()).as("nothing left in the queue")
                        .isEmpty();
            }
        }
    }

    private static List<Message> receiveWithin(RunHarness h, String url, Duration limit) {
        long deadline = System.nanoTime() + limit.toNanos();
        while (System.nanoTime() < deadline) {
            List<Message> got = h.sqs.receiveMessage(b -> b.queueUrl(url).maxNumberOfMessages(10).waitTimeSeconds(1)).messages();
            if (!got.isEmpty()) {
                return got;
            }
        }
        return List.of();
    }
}
