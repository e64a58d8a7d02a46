package io.threadline.runs;

import io.threadline.checkpoint.Checkpoint;
import io.threadline.checkpoint.Status;
import io.threadline.checkpoint.ThreadKey;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.time.Clock;
import java.time.Duration;
import java.util.Optional;

import static io.threadline.runs.BackgroundRunsTest.await;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * A background run that ends INTERRUPTED (a node asks a person) goes on in the background after a resume: the
 * resume's step runs where it is called, then the run is active again, its next message sent (and filed for
 * re-drive, as a start's is), and it runs to its end on the queue.
 */
class BackgroundResumeTest {

    RunHarness h;

    @BeforeEach
    void stack() {
        h = RunHarness.onNewQueue("res-", Clock.systemUTC(), 1);
    }

    @AfterEach
    void stop() {
        h.close();
    }

    @Test
    void aResumeOfAnInterruptedRunContinuesItInTheBackground() {
        ThreadKey thread = BackgroundRunsTest.thread();
        Run started = h.runs.start(thread, null, h.json("{\"target\":5,\"askAt\":2}"), 10, DoubleTexting.REJECT, null, "test").run();
        await(Duration.ofSeconds(30), () -> h.run(thread).status().ended());
        Run interrupted = h.run(thread);
        assertThat(interrupted.status()).isEqualTo(RunStatus.INTERRUPTED);
        assertThat(interrupted.endReason()).isEqualTo("the thread waits for a resume at step 3");
        assertThat(h.runtime.state(thread).checkpoint().status()).isEqualTo(Status.INTERRUPTED);

        Checkpoint resumed = h.runtime.resume(thread, h.json("\"yes\""), "resume-1").checkpoint();
        Optional<Run> again = h.runs.continueAfterResume(thread, resumed);
        assertThat(again).isPresent();
        assertThat(again.get().runId()).isEqualTo(started.runId());
        assertThat(again.get().status()).isEqualTo(RunStatus.ACTIVE);
        assertThat(again.get().redriveAt()).as("its message is covered as a start's is").isNotNull();
        assertThat(h.runs.messageInFlight(again.get())).isTrue();

        await(Duration.ofSeconds(30), () -> h.run(thread).status().ended());
        Run done = h.run(thread);
        assertThat(done.status()).isEqualTo(RunStatus.DONE);
        assertThat(h.runtime.state(thread).state().n()).isEqualTo(5);
        assertThat(done.stepsTaken()).as("steps 1-3, then 5-6: the resume's step 4 ran in the foreground").isEqualTo(5);
        assertThat(h.runs.continueAfterResume(thread, h.runtime.state(thread).checkpoint())).as("nothing to continue").isEmpty();
    }
}
