package io.threadline.config;

import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.QuarkusTestProfile;
import io.quarkus.test.junit.TestProfile;
import io.threadline.examples.reference.AgentState;
import io.threadline.examples.reference.Message;
import io.threadline.checkpoint.ThreadKey;
import io.threadline.runtime.RunBudget;
import io.threadline.runtime.RunResult;
import io.threadline.runtime.ThreadRuntime;
import io.threadline.state.Update;
import jakarta.inject.Inject;
import org.junit.jupiter.api.Test;

import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * With {@code threadline.memory.store=memory} the application gives the reference agent long-term
 * memory, embedded by the application's langchain4j EmbeddingModel bean (in tests: TestEmbeddingModel).
 */
@QuarkusTest
@TestProfile(MemoryWiringTest.WithMemory.class)
class MemoryWiringTest {

    public static class WithMemory implements QuarkusTestProfile {
        @Override
        public Map<String, String> getConfigOverrides() {
            return Map.of("threadline.memory.store", "memory");
        }
    }

    @Inject
    ThreadRuntime<AgentState> runtime;

    @Inject
    MemoryStores memory;

    @Test
    void theAgentRecallsAcrossConversationsOfItsTenant() {
        assertThat(memory.store()).isPresent();
        runtime.run(ThreadKey.of("wired", "first"), Update.of(AgentState.MESSAGES.append(Message.user("what is 12 * 12"))),
                RunBudget.steps(5));
        RunResult<AgentState> second = runtime.run(ThreadKey.of("wired", "second"),
                Update.of(AgentState.MESSAGES.append(Message.user("what is 12 * 12"))), RunBudget.steps(5));
        assertThat(second.state().messages().get(1).content()).contains("recalled: asked 'what is 12 * 12'");
    }
}
