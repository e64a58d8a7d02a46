package io.threadline.infra;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import io.smallrye.config.WithDefault;
import io.threadline.config.RunsConfig;
import org.junit.jupiter.api.Test;

import java.nio.file.Files;
import java.nio.file.Path;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * template.yaml's run queue redrives to a FIFO dead-letter queue after as many receives as the worker counts on
 * ({@code threadline.runs.max-receive-count}): on the last one it ends the run DEAD_LETTERED (DeadLetterTest shows it
 * on ElasticMQ), so the two numbers must be one.
 */
class RunQueueTemplateTest {

    @Test
    void theQueuesRedrivePolicyIsTheOneTheWorkerCountsOn() throws Exception {
        JsonNode resources = new ObjectMapper(new YAMLFactory()).readTree(Files.readString(Path.of("template.yaml"))).get("Resources");
        JsonNode queue = resources.at("/RunQueue/Properties");
        assertThat(queue.get("FifoQueue").asBoolean()).isTrue();
        JsonNode redrive = queue.get("RedrivePolicy");
        int workerCount = Integer.parseInt(RunsConfig.class.getMethod("maxReceiveCount").getAnnotation(WithDefault.class).value());
        assertThat(redrive.get("maxReceiveCount").asInt()).isEqualTo(workerCount);
        // !GetAtt RunDeadLetterQueue.Arn, read without its tag
        assertThat(redrive.get("deadLetterTargetArn").asText()).isEqualTo("RunDeadLetterQueue.Arn");
        assertThat(resources.at("/RunDeadLetterQueue/Properties/FifoQueue").asBoolean()).as("a FIFO queue's dead letters are FIFO").isTrue();
        for (String function : new String[] {"AdvanceNative", "AdvanceJvm"}) {
            assertThat(resources.at("/" + function + "/Properties/Environment/Variables/THREADLINE_RUNS_MAX_RECEIVE_COUNT").isMissingNode())
                    .as(function + " takes the default, which is the template's").isTrue();
        }
    }
}
