package io.threadline.runs;

import io.threadline.checkpoint.Checkpoint;
import io.threadline.checkpoint.HistoryQuery;
import io.threadline.checkpoint.ThreadKey;
import io.threadline.checkpoint.dynamodb.DynamoDbLocal;
import io.threadline.runs.sqs.ElasticMq;
import io.threadline.runs.sqs.RunQueues;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The worker is a process of its own ({@link WorkerMain}: the run stack polling the queue), killed with SIGKILL in
 * the middle of a run — mid-step, or between a commit and the next send, wherever it happens to be — then started
 * again: the run completes, every step committed once, no gap.
 */
class BackgroundRunKillTest {

    @Test
    void aRunCompletesAfterItsWorkerIsKilledAndRestarted() throws Exception {
        String table = "runs-kill-" + UUID.randomUUID();
        String queueUrl = RunQueues.createIfMissing(ElasticMq.get().client(), "kill-" + UUID.randomUUID().toString().substring(0, 8),
                Duration.ofSeconds(2), 10);
        try (RunHarness h = new RunHarness(DynamoDbLocal.get().endpoint(), table, ElasticMq.get().endpoint(), queueUrl, Clock.systemUTC())) {
            ThreadKey thread = ThreadKey.of("t", "killed");
            String runId = h.runs.start(thread, null, h.json("{\"target\":40,\"delayMs\":60}"), 100, DoubleTexting.REJECT, null, "test")
                    .run().runId();

            Process first = worker(table, queueUrl);
            BackgroundRunsTest.await(Duration.ofSeconds(60), () -> h.run(thread).stepsTaken() >= 12);
            Process kill = new ProcessBuilder("kill", "-KILL", Long.toString(first.pid())).inheritIO().start();
            assertThat(kill.waitFor()).isZero();
            first.waitFor();
            int stepsWhenKilled = h.run(thread).stepsTaken();
            assertThat(stepsWhenKilled).isLessThan(40);
            BackgroundRunsTest.sleep(1_000);
            assertThat(h.run(thread).stepsTaken()).as("nothing advances without a worker").isLessThanOrEqualTo(stepsWhenKilled + 1);

            Process second = worker(table, queueUrl);
            try {
                BackgroundRunsTest.await(Duration.ofSeconds(90), () -> h.run(thread).status().ended());
            } finally {
                second.destroyForcibly().waitFor();
            }
            Run run = h.run(thread);
            assertThat(run.status()).isEqualTo(RunStatus.DONE);
            assertThat(run.stepsTaken()).isEqualTo(40);
            assertThat(h.runtime.state(thread).state().n()).as("no step ran twice").isEqualTo(40);
            List<Checkpoint> history = new ArrayList<>(h.store.history(thread, new HistoryQuery(100, null)).checkpoints());
            assertThat(history).hasSize(40);
            for (int i = 0; i < history.size(); i++) {
                Checkpoint cp = history.get(i);
                assertThat(cp.step()).as("no gap").isEqualTo(40 - i);
                assertThat(cp.idempotencyKey()).isEqualTo("run:" + runId + ":" + cp.step());
            }
        }
    }

    private static Process worker(String table, String queueUrl) throws IOException {
        String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        Path log = Files.createTempFile("run-worker-", ".log");
        return new ProcessBuilder(List.of(java, "-cp", System.getProperty("java.class.path"), WorkerMain.class.getName(),
                DynamoDbLocal.get().endpoint().toString(), table, ElasticMq.get().endpoint().toString(), queueUrl))
                .redirectErrorStream(true).redirectOutput(log.toFile()).start();
    }
}
