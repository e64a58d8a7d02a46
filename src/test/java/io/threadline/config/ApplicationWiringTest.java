package io.threadline.config;

import io.quarkus.test.junit.QuarkusTest;
import io.threadline.ErrorCode;
import io.threadline.ThreadlineException;
import io.threadline.examples.reference.AgentState;
import io.threadline.examples.reference.Message;
import io.threadline.checkpoint.ThreadKey;
import io.threadline.runtime.RunBudget;
import io.threadline.runtime.RunResult;
import io.threadline.runtime.RuntimeOptions;
import io.threadline.runtime.ThreadRuntime;
import io.threadline.state.Update;
import jakarta.inject.Inject;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** The Quarkus application wires the core from application.properties and runs the reference agent. */
@QuarkusTest
class ApplicationWiringTest {

    @Inject
    RuntimeOptions options;

    @Inject
    ThreadRuntime<AgentState> runtime;

    @Test
    void configurationReachesTheRuntime() {
        assertThat(options.snapshotPolicy().ratio()).isEqualTo(2.0);
        assertThat(options.headCacheThreads()).isEqualTo(1024);
    }

    @Test
    void referenceAgentRunsWithTheContainersValidator() {
        ThreadKey thread = ThreadKey.of("quarkus", "wired");
        RunResult<AgentState> run = runtime.run(thread, Update.of(AgentState.MESSAGES.append(Message.user("what is 2 * 21"))),
                RunBudget.steps(5));
        assertThat(run.state().toolOutputs()).containsEntry("calculator", "42");
        // The container's validator (with its message interpolation) rejects a bad message.
        assertThatThrownBy(() -> runtime.step(thread, Update.of(AgentState.MESSAGES.append(new Message("robot", "hi"))), null))
                .isInstanceOfSatisfying(ThreadlineException.class, e -> {
                    assertThat(e.code()).isEqualTo(ErrorCode.VALIDATION_FAILED);
                    assertThat(e.getMessage()).contains("messages[4].role").contains("must be user, assistant, system or tool");
                });
    }
}
