package io.threadline.config;

import io.quarkus.test.junit.QuarkusTest;
import io.threadline.ErrorCode;
import io.threadline.ThreadlineException;
import io.threadline.checkpoint.ThreadKey;
import io.threadline.runtime.RunBudget;
import io.threadline.runtime.RunResult;
import io.threadline.runtime.RuntimeOptions;
import io.threadline.runtime.ThreadRuntime;
import io.threadline.state.Update;
import io.threadline.testing.EchoAgent;
import io.threadline.testing.EchoAgent.EchoState;
import jakarta.inject.Inject;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * The Quarkus application wires the core from application.properties and builds a runtime for every agent
 * bean — here the test sources' small {@link EchoAgent}, so no example agent's answers are asserted.
 */
@QuarkusTest
class ApplicationWiringTest {

    @Inject
    RuntimeOptions options;

    @Inject
    Agents agents;

    @Test
    void configurationReachesTheRuntime() {
        assertThat(options.snapshotPolicy().ratio()).isEqualTo(2.0);
        // two longs side by side in the producer: swapped, these two would pass every other test
        assertThat(options.snapshotPolicy().maxReadBytes()).isEqualTo(1_000_000);
        assertThat(options.snapshotPolicy().readBytesPerDelta()).isZero();
        assertThat(options.headCacheThreads()).isEqualTo(1024);
        assertThat(agents.names()).contains(EchoAgent.NAME, "reference", "approvals");
        assertThat(agents.defaultAgent()).contains("reference");
    }

    @Test
    void everyAgentRunsWithTheContainersValidator() {
        ThreadRuntime<EchoState> runtime = agents.runtime(EchoAgent.NAME, EchoState.class);
        ThreadKey thread = ThreadKey.of("quarkus", "wired");
        RunResult<EchoState> run = runtime.run(thread, EchoAgent.user("what is 2 * 21"), RunBudget.steps(5));
        assertThat(run.state().answer()).isEqualTo("42");
        assertThat(run.steps()).allSatisfy(cp -> assertThat(cp.metadata()).containsEntry(ThreadRuntime.AGENT_KEY, EchoAgent.NAME));
        // The container's validator (with its message interpolation) rejects a bad message.
        assertThatThrownBy(() -> runtime.step(thread, Update.of(EchoState.MESSAGES.append(
                new EchoAgent.Message("robot", "hi"))), null))
                .isInstanceOfSatisfying(ThreadlineException.class, e -> {
                    assertThat(e.code()).isEqualTo(ErrorCode.VALIDATION_FAILED);
                    assertThat(e.getMessage()).contains("role").contains("must be user or assistant");
                });
    }
}
