package io.threadline.examples.approvals;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.QuarkusTestProfile;
import io.quarkus.test.junit.TestProfile;
import org.junit.jupiter.api.Test;

import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * events/approvals-run.json and approvals-resume.json, the direct functions' samples: the run over the local
 * HTTP server (serving tenant {@code acme}, the samples' tenant), then the resume event through the Lambda
 * Runtime API to the {@code resume} function, as its Lambda function receives it.
 */
@QuarkusTest
@TestProfile(ApprovalsDirectEventsTest.Resume.class)
class ApprovalsDirectEventsTest {

    /** The resume function; the local HTTP server serves the samples' tenant. */
    public static class Resume implements QuarkusTestProfile {
        @Override
        public Map<String, String> getConfigOverrides() {
            return Map.of("quarkus.funqy.export", "resume", "threadline.api.local-tenant", "acme");
        }
    }

    @Test
    void theRunSampleWaitsForApprovalAndTheResumeSampleApprovesIt() {
        ObjectNode run = ApprovalsEvents.event("approvals-run.json");
        run.remove("tenant");   // over HTTP the tenant is the caller's (here the local tenant), never a field
        JsonNode asked = ApprovalsEvents.local("run", run.toString(), 200);
        assertThat(asked.get("stopReason").asText()).isEqualTo("INTERRUPTED");
        assertThat(asked.at("/state/policy/verdict").asText()).isEqualTo("NEEDS_APPROVAL");

        JsonNode resumed = ApprovalsEvents.invoke(ApprovalsEvents.event("approvals-resume.json"));
        assertThat(resumed.has("error")).as(resumed.toString()).isFalse();
        assertThat(resumed.at("/checkpoint/tenant").asText()).isEqualTo("acme");
        assertThat(resumed.at("/checkpoint/agent").asText()).isEqualTo("approvals");
        assertThat(resumed.at("/checkpoint/next/0").asText()).isEqualTo("pay");
        assertThat(resumed.at("/state/outcome").asText()).isEqualTo("APPROVED");

        JsonNode paid = ApprovalsEvents.local("run", "{\"agent\":\"approvals\",\"threadId\":\"refund-1\",\"maxSteps\":5}", 200);
        assertThat(paid.get("stopReason").asText()).isEqualTo("DONE");
        assertThat(paid.at("/state/outcome").asText()).isEqualTo("REFUNDED");
        assertThat(paid.at("/state/paymentRetries").asInt()).as("the simulated gateway is busy once per refund").isEqualTo(1);
        assertThat(paid.at("/steps/0/metadata/attempts.pay").asText()).isEqualTo("2");
    }
}
