package io.threadline.checkpoint.dynamodb;

import io.threadline.checkpoint.Status;
import io.threadline.checkpoint.ThreadKey;
import io.threadline.effects.Effect;
import io.threadline.effects.Effects;
import io.threadline.runtime.StepResult;
import io.threadline.runtime.ThreadRuntime;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.time.Clock;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Durability SYNC across processes: a separate JVM runs a step against DynamoDB Local, calls the
 * model and the tool, and is killed with SIGKILL before the step commits. The retry in this process
 * reuses the recorded model reply and tool result — the tool is not called twice, the model is not
 * asked again — and commits the step.
 */
class DynamoDbSyncCrashTest {

    @RegisterExtension
    static final LocalTable TABLE = LocalTable.named("sync-crash");

    @Test
    void aStepKilledAfterItsToolCallIsRetriedWithoutCallingTheToolAgain(@TempDir Path dir) throws Exception {
        ThreadKey thread = ThreadKey.of("tenant-a", "crash-1");
        String javaBin = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        Process child = new ProcessBuilder(javaBin, "-cp", System.getProperty("java.class.path"), SyncCrashAgent.class.getName(),
                DynamoDbLocal.get().endpoint().toString(), TABLE.name(), thread.tenant(), thread.threadId(), dir.toString())
                .redirectErrorStream(true).redirectOutput(dir.resolve("child.log").toFile()).start();
        try {
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(90);
            while (!Files.exists(dir.resolve("ready")) && child.isAlive() && System.nanoTime() < deadline) {
                Thread.sleep(50);
            }
            assertThat(dir.resolve("ready")).as("the child reached the point after its tool call; log:\n%s",
                    Files.exists(dir.resolve("child.log")) ? Files.readString(dir.resolve("child.log")) : "").exists();
        } finally {
            child.destroyForcibly(); // SIGKILL: no shutdown hook, no finally block runs in the child
            child.waitFor(30, TimeUnit.SECONDS);
        }
        assertThat(child.exitValue()).as("killed by SIGKILL").isEqualTo(137);
        assertThat(Files.readAllLines(dir.resolve("tool-calls"))).hasSize(1);
        assertThat(Files.readAllLines(dir.resolve("model-calls"))).hasSize(1);

        ThreadRuntime<SyncCrashAgent.Job> retry = SyncCrashAgent.runtime(TABLE.client(), TABLE.name(), dir, false);
        StepResult<SyncCrashAgent.Job> done = retry.step(thread);

        assertThat(done.checkpoint().status()).isEqualTo(Status.DONE);
        assertThat(done.state().result()).isEqualTo("charged receipt-500");
        assertThat(Files.readAllLines(dir.resolve("tool-calls"))).as("the tool ran once in all").hasSize(1);
        assertThat(Files.readAllLines(dir.resolve("model-calls"))).as("the first model reply was reused; only the answer was asked")
                .hasSize(2);
        List<Effect> effects = Effects.decode(new DynamoDbCheckpointStore(TABLE.client(), DynamoDbStoreSettings.defaults(TABLE.name()),
                Clock.systemUTC()).get(thread, done.checkpoint().id()).orElseThrow().effects());
        assertThat(effects).extracting(e -> e.kind() + "@" + e.attempt() + (e.reused() ? "r" : ""))
                .containsExactly("MODEL@1", "TOOL@1", "MODEL@2r", "TOOL@2r", "MODEL@2");
        assertThat(new DynamoDbCheckpointStore(TABLE.client(), DynamoDbStoreSettings.defaults(TABLE.name()), Clock.systemUTC())
                .pendingEffects(thread, 1)).as("pending effects cleared after the commit").isEmpty();
    }
}
