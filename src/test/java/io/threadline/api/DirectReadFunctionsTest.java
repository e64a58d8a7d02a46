package io.threadline.api;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.TestProfile;
import io.threadline.checkpoint.HistoryQuery;
import io.threadline.checkpoint.ThreadKey;
import io.threadline.config.Agents;
import io.threadline.runtime.RunBudget;
import io.threadline.runtime.ThreadRuntime;
import io.threadline.testing.EchoAgent;
import io.threadline.testing.EchoAgent.EchoState;
import jakarta.inject.Inject;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * events/run.json, state.json and history.json through the Lambda Runtime API, each exported alone, addressed
 * to the test agent ({@link EchoAgent}: "6 * 7" is "42" in two steps) so an example agent's answers do not matter.
 */
class DirectReadFunctionsTest {

    /** Puts one finished turn of the test agent on the thread of the event files (acme/demo-1) once per application start. */
    abstract static class WithATurn {
        @Inject
        Agents agents;

        ThreadRuntime<EchoState> runtime;

        @BeforeEach
        void oneTurn() {
            runtime = agents.runtime(EchoAgent.NAME, EchoState.class);
            ThreadKey thread = ThreadKey.of("acme", "demo-1");
            try {
                runtime.state(thread);
            } catch (RuntimeException none) {
                runtime.run(thread, EchoAgent.user("what is 6 * 7"), RunBudget.steps(5));
            }
        }
    }

    @QuarkusTest
    @TestProfile(Exports.Run.class)
    static class RunFunction {
        @Test
        void runEventStepsANewThreadToTheEnd() {
            JsonNode answer = Lambda.invoke(Lambda.echoEvent("run.json"));
            assertThat(answer.has("error")).as(answer.toString()).isFalse();
            assertThat(answer.get("stopReason").asText()).isEqualTo("DONE");
            assertThat(answer.at("/steps/0/nodes/0").asText()).isEqualTo("read");
            assertThat(answer.at("/steps/1/nodes/0").asText()).isEqualTo("echo");
            assertThat(answer.at("/steps/1/agent").asText()).isEqualTo(EchoAgent.NAME);
            assertThat(answer.at("/state/answer").asText()).isEqualTo("nothing to answer");
        }

        @Test
        void runBudgetIsCheckedAndRefusedOutOfRange() {
            ObjectNode event = Lambda.echoEvent("run.json");
            event.put("maxSteps", 1000);
            assertThat(Lambda.invoke(event).at("/error/code").asText()).isEqualTo("INVALID_INPUT");
            event.put("threadId", "run-budget").put("maxSteps", 1);
            JsonNode one = Lambda.invoke(event);
            assertThat(one.get("stopReason").asText()).isEqualTo("MAX_STEPS");
            assertThat(one.get("steps")).hasSize(1);
        }
    }

    @QuarkusTest
    @TestProfile(Exports.State.class)
    static class StateFunction extends WithATurn {
        @Test
        void stateEventReadsTheLatestState() {
            JsonNode answer = Lambda.invoke(Lambda.echoEvent("state.json"));
            assertThat(answer.at("/checkpoint/status").asText()).as(answer.toString()).isEqualTo("DONE");
            assertThat(answer.at("/state/answer").asText()).isEqualTo("42");
        }

        @Test
        void anyCheckpointCanBeRead() {
            String first = runtime.history(ThreadKey.of("acme", "demo-1"), HistoryQuery.first(10))
                    .checkpoints().get(1).id().value();
            ObjectNode event = Lambda.echoEvent("state.json");
            event.put("checkpointId", first);
            JsonNode answer = Lambda.invoke(event);
            assertThat(answer.at("/checkpoint/step").asLong()).isEqualTo(1);
            assertThat(answer.at("/state/task").asText()).isEqualTo("what is 6 * 7");
            assertThat(answer.at("/state/messages")).hasSize(1);
        }

        @Test
        void unknownThingsHaveTheirCodes() {
            ObjectNode event = Lambda.echoEvent("state.json");
            event.put("checkpointId", "01ARZ3NDEKTSV4RRFFQ69G5FAV");
            assertThat(Lambda.invoke(event).at("/error/code").asText()).isEqualTo("CHECKPOINT_NOT_FOUND");
            event.put("checkpointId", "bad");
            assertThat(Lambda.invoke(event).at("/error/code").asText()).isEqualTo("INVALID_INPUT");
            ObjectNode otherTenant = Lambda.echoEvent("state.json");
            otherTenant.put("tenant", "not-acme");
            assertThat(Lambda.invoke(otherTenant).at("/error/code").asText()).isEqualTo("THREAD_NOT_FOUND");
        }
    }

    @QuarkusTest
    @TestProfile(Exports.History.class)
    static class HistoryFunction extends WithATurn {
        @Test
        void historyEventPagesNewestFirstWithTheStoredChanges() {
            JsonNode answer = Lambda.invoke(Lambda.echoEvent("history.json"));
            assertThat(answer.get("checkpoints")).hasSize(2);
            assertThat(answer.at("/checkpoints/0/checkpoint/step").asLong()).isEqualTo(2);
            for (JsonNode entry : answer.get("checkpoints")) {
                // A delta is the JSON Patch against the parent; a snapshot the whole state.
                if (entry.at("/checkpoint/storedAs").asText().equals("delta")) {
                    assertThat(entry.get("change").findValuesAsText("op")).containsOnly("add", "replace");
                    assertThat(entry.get("change").findValuesAsText("path")).contains("/messages/-", "/answer");
                } else {
                    assertThat(entry.at("/change/messages").isArray()).isTrue();
                }
            }
            assertThat(answer.at("/checkpoints/1/checkpoint/storedAs").asText()).isEqualTo("snapshot");
            assertThat(answer.at("/checkpoints/0/checkpoint/storedAs").asText()).isEqualTo("delta");
            assertThat(answer.has("nextCursor")).isFalse();

            ObjectNode page = Lambda.echoEvent("history.json");
            page.put("limit", 1);
            JsonNode first = Lambda.invoke(page);
            page.put("cursor", first.get("nextCursor").asText());
            JsonNode second = Lambda.invoke(page);
            assertThat(second.get("checkpoints")).hasSize(1);
            assertThat(second.at("/checkpoints/0/checkpoint/step").asLong()).isEqualTo(1);
        }
    }
}
