package io.threadline.examples.approvals;

import com.fasterxml.jackson.databind.JsonNode;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.QuarkusTestProfile;
import io.quarkus.test.junit.TestProfile;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import static io.threadline.examples.approvals.ApprovalsEvents.body;
import static io.threadline.examples.approvals.ApprovalsEvents.http;
import static io.threadline.examples.approvals.ApprovalsEvents.invoke;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * Both example agents served by one build, over the API Gateway function (events/http-approvals-*.json
 * through the Lambda Runtime API), in a deployment with no default agent: a refund thread of
 * {@code approvals} runs, waits for a human and is resumed; the same thread named as the reference
 * agent's is refused and nothing is written; an unknown agent and a request naming none are refused.
 */
@QuarkusTest
@TestProfile(ApprovalsApiTest.HttpWithoutDefaultAgent.class)
class ApprovalsApiTest {

    /** The HTTP function, in a deployment whose requests must name their agent (no threadline.agents.default). */
    public static class HttpWithoutDefaultAgent implements QuarkusTestProfile {
        @Override
        public Map<String, String> getConfigOverrides() {
            // An empty value is no value: the default agent application.properties sets is unset.
            return Map.of("quarkus.funqy.export", "http", "threadline.agents.default", "");
        }
    }

    private static final String THREAD = "web-refund-1";

    private static List<JsonNode> history(String threadId) {
        JsonNode page = body(http("history", "{\"agent\":\"approvals\",\"threadId\":\"" + threadId + "\",\"limit\":100}"), 200);
        List<JsonNode> out = new ArrayList<>();
        page.get("checkpoints").forEach(out::add);
        return out;
    }

    private static List<String> agents(JsonNode steps) {
        List<String> out = new ArrayList<>();
        steps.forEach(s -> out.add(s.get("agent").asText()));
        return out;
    }

    private static void assertNoThread(String threadId) {
        JsonNode state = body(http("state", "{\"agent\":\"approvals\",\"threadId\":\"" + threadId + "\"}"), 404);
        assertThat(state.at("/error/code").asText()).isEqualTo("THREAD_NOT_FOUND");
    }

    @Test
    void aRefundThreadRunsWaitsForAHumanIsRefusedToAnotherAgentAndIsResumed() {
        JsonNode run = body(invoke(ApprovalsEvents.event("http-approvals-run.json")), 200);
        assertThat(run.get("stopReason").asText()).isEqualTo("INTERRUPTED");
        assertThat(agents(run.get("steps"))).containsExactly("approvals", "approvals", "approvals");
        assertThat(run.at("/steps/1/nodes").toString()).isEqualTo("[\"policy\",\"history\"]");
        JsonNode waiting = run.at("/steps/2");
        assertThat(waiting.at("/interrupt/node").asText()).isEqualTo("review");
        assertThat(waiting.at("/interrupt/payload/question").asText()).contains("250.00 is over the auto-approve limit");
        List<JsonNode> before = history(THREAD);
        assertThat(before).hasSize(3);

        for (String[] call : new String[][] {
                {"step", "{\"agent\":\"reference\",\"threadId\":\"" + THREAD + "\",\"input\":{\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]}}"},
                {"resume", "{\"agent\":\"reference\",\"threadId\":\"" + THREAD + "\",\"value\":{\"approved\":true}}"},
                {"run", "{\"agent\":\"reference\",\"threadId\":\"" + THREAD + "\",\"maxSteps\":3}"},
                {"state", "{\"agent\":\"reference\",\"threadId\":\"" + THREAD + "\"}"}}) {
            JsonNode refused = body(http(call[0], call[1]), 409);
            assertThat(refused.at("/error/code").asText()).as(call[0]).isEqualTo("AGENT_MISMATCH");
            assertThat(refused.at("/error/message").asText()).as(call[0]).contains("approvals");
        }
        assertThat(history(THREAD)).as("nothing written by the refused calls").isEqualTo(before);

        JsonNode resumed = body(invoke(ApprovalsEvents.event("http-approvals-resume.json")), 200);
        assertThat(resumed.at("/checkpoint/agent").asText()).isEqualTo("approvals");
        assertThat(resumed.at("/state/approval/approver").asText()).isEqualTo("dana");
        assertThat(resumed.at("/state/outcome").asText()).isEqualTo("REJECTED");
        JsonNode done = body(http("run", "{\"agent\":\"approvals\",\"threadId\":\"" + THREAD + "\",\"maxSteps\":5}"), 200);
        assertThat(done.get("stopReason").asText()).isEqualTo("DONE");
        assertThat(done.at("/state/paymentReference").isNull()).isTrue();
        assertThat(done.at("/state/log").get(done.at("/state/log").size() - 1).asText())
                .isEqualTo("told bo@example.com: refund r-2001 declined (delivered, signed for)");
    }

    @Test
    void theReferenceAgentIsServedByTheSameBuild() {
        JsonNode run = body(http("run", "{\"agent\":\"reference\",\"threadId\":\"web-reference-1\",\"maxSteps\":5,"
                + "\"input\":{\"messages\":[{\"role\":\"user\",\"content\":\"hello\"}]}}"), 200);
        assertThat(run.get("stopReason").asText()).isEqualTo("DONE");
        assertThat(agents(run.get("steps"))).isNotEmpty().containsOnly("reference");
        JsonNode refused = body(http("state", "{\"agent\":\"approvals\",\"threadId\":\"web-reference-1\"}"), 409);
        assertThat(refused.at("/error/code").asText()).isEqualTo("AGENT_MISMATCH");
    }

    @Test
    void anAgentThatIsNotServedIsNotFoundAndNothingIsWritten() {
        JsonNode refused = body(http("run", "{\"agent\":\"billing\",\"threadId\":\"web-billing-1\",\"maxSteps\":5,"
                + "\"input\":{\"request\":{\"id\":\"r-1\",\"customer\":\"x\",\"amountCents\":100}}}"), 404);
        assertThat(refused.at("/error/code").asText()).isEqualTo("AGENT_NOT_FOUND");
        assertThat(refused.at("/error/details/agent").asText()).isEqualTo("billing");
        assertThat(refused.at("/error/message").asText()).contains("approvals", "reference");
        assertNoThread("web-billing-1");
    }

    @Test
    void withoutADefaultARequestNamingNoAgentIsInvalidAndNothingIsWritten() {
        JsonNode refused = body(http("step", "{\"threadId\":\"web-nobody-1\","
                + "\"input\":{\"request\":{\"id\":\"r-1\",\"customer\":\"x\",\"amountCents\":100}}}"), 400);
        assertThat(refused.at("/error/code").asText()).isEqualTo("INVALID_INPUT");
        assertThat(refused.at("/error/details/field").asText()).isEqualTo("agent");
        assertThat(refused.at("/error/message").asText()).contains("threadline.agents.default");
        assertNoThread("web-nobody-1");
    }
}
