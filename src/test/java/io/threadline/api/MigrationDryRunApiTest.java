package io.threadline.api;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.TestProfile;
import io.threadline.checkpoint.CheckpointStore;
import io.threadline.checkpoint.ThreadKey;
import io.threadline.graph.DocGraphs;
import io.threadline.runtime.ThreadRuntime;
import io.threadline.testing.EchoAgent;
import jakarta.inject.Inject;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * migration-dry-run over API Gateway (events/http-migration-dry-run.json; the tenant from the token) and as a direct
 * function (events/migration-dry-run.json; tenant "*" for every tenant), on DynamoDB Local: the agents are the
 * application's own (Agents), a thread an older graph left at a node the deployed graph lacks is counted refused
 * with the node named, another tenant's threads never appear over HTTP, bad requests are 400 — and nothing is written.
 */
@QuarkusTest
@TestProfile(Exports.Http.class)
class MigrationDryRunApiTest {

    private static final ObjectMapper JSON = new ObjectMapper().findAndRegisterModules();

    @Inject
    ThreadFunctions direct;

    @Inject
    CheckpointStore store;

    private static JsonNode call(String event, String tenant, String body, int status) {
        ObjectNode e = Lambda.event(event);
        e.put("body", body);
        ((ObjectNode) e.at("/requestContext/authorizer/jwt/claims")).put("tenant", tenant);
        JsonNode response = Lambda.invoke(e);
        assertThat(response.get("statusCode").asInt()).as(response.toString()).isEqualTo(status);
        return Lambda.body(response);
    }

    private static String run(String thread) {
        return "{\"agent\":\"echo\",\"threadId\":\"" + thread + "\",\"maxSteps\":5,\"input\":{\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]}}";
    }

    /** A thread of agent echo that another graph (DocGraphs v1) left waiting at "review", a node echo's graph lacks. */
    private void leftByAnOlderGraph(String tenant, String thread) {
        ThreadRuntime.builder(DocGraphs.v1()).store(store).agent(EchoAgent.NAME).build().step(ThreadKey.of(tenant, thread));
    }

    private Map<String, Long> heads(String... tenantThreads) {
        Map<String, Long> out = new HashMap<>();
        for (int i = 0; i < tenantThreads.length; i += 2) {
            ThreadKey key = ThreadKey.of(tenantThreads[i], tenantThreads[i + 1]);
            out.put(key.toString(), store.head(key).orElseThrow().step());
        }
        return out;
    }

    @Test
    void overHttpATenantSeesItsOwnThreadsJudgedByTheDeployedGraphsAndNothingIsWritten() {
        call("http-run.json", "dry-a", run("a-1"), 200);
        call("http-run.json", "dry-a", run("a-2"), 200);
        leftByAnOlderGraph("dry-a", "a-old");
        call("http-run.json", "dry-b", run("b-1"), 200);
        leftByAnOlderGraph("dry-b", "b-old");
        Map<String, Long> before = heads("dry-a", "a-1", "dry-a", "a-2", "dry-a", "a-old", "dry-b", "b-1", "dry-b", "b-old");

        JsonNode report = call("http-migration-dry-run.json", "dry-a", "{}", 200);
        assertThat(report.get("tenant").asText()).isEqualTo("dry-a");
        assertThat(report.get("threads").asLong()).as(report.toString()).isEqualTo(3);
        assertThat(report.at("/counts/continue").asLong()).isEqualTo(2);
        assertThat(report.get("sameGraph").asLong()).isEqualTo(2);
        assertThat(report.at("/counts/refuse").asLong()).isEqualTo(1);
        assertThat(report.at("/counts/migrate").asLong()).isZero();
        assertThat(report.at("/counts/pinned").asLong()).isZero();
        assertThat(report.at("/graphs/echo").asText()).isEqualTo(new EchoAgent().graph().fingerprint().value());
        assertThat(report.get("missing")).isEqualTo(JSON.valueToTree(Map.of("node 'review'", 1)));
        JsonNode refused = report.at("/examples/refuse/0");
        assertThat(refused.get("threadId").asText()).isEqualTo("a-old");
        assertThat(refused.get("threadGraph").asText()).isEqualTo(DocGraphs.v1().fingerprint().value());
        assertThat(refused.get("verdict").asText()).contains("lacks node 'review'");
        assertThat(report.at("/examples/continue")).isEmpty();   // written by the same graph: no example of a change
        assertThat(report.has("nextCursor")).isFalse();
        assertThat(report.get("text").asText()).contains("migration dry-run of tenant dry-a").contains("refuse");
        assertThat(call("http-migration-dry-run.json", "dry-b", "{}", 200).get("threads").asLong()).isEqualTo(2);
        assertThat(heads("dry-a", "a-1", "dry-a", "a-2", "dry-a", "a-old", "dry-b", "b-1", "dry-b", "b-old")).isEqualTo(before);
    }

    @Test
    void aCallCutShortByMaxThreadsAnswersACursorThatGoesOnWithoutRepeats() {
        for (int i = 0; i < 5; i++) {
            leftByAnOlderGraph("dry-c", "c-" + i);
        }
        List<String> seen = new ArrayList<>();
        String cursor = null;
        long total = 0;
        int calls = 0;
        do {
            JsonNode report = call("http-migration-dry-run.json", "dry-c",
                    "{\"maxThreads\":2,\"examples\":100" + (cursor == null ? "" : ",\"cursor\":\"" + cursor + "\"") + "}", 200);
            total += report.get("threads").asLong();
            report.at("/examples/refuse").forEach(x -> seen.add(x.get("threadId").asText()));
            cursor = report.hasNonNull("nextCursor") ? report.get("nextCursor").asText() : null;
            calls++;
        } while (cursor != null && calls < 10);
        assertThat(total).isEqualTo(5);
        assertThat(seen).containsExactlyInAnyOrder("c-0", "c-1", "c-2", "c-3", "c-4");
        assertThat(calls).isGreaterThanOrEqualTo(3);
    }

    @Test
    void badRequestsAre400() {
        for (String body : List.of("{\"maxThreads\":0}", "{\"maxThreads\":5001}", "{\"examples\":-1}", "{\"examples\":101}",
                "{\"cursor\":\"not-a-cursor\"}", "{\"tenant\":\"*\"}", "{\"maxThreads\":\"many\"}")) {
            JsonNode error = call("http-migration-dry-run.json", "dry-a", body, 400);
            assertThat(error.at("/error/code").asText()).as(body).isEqualTo("INVALID_INPUT");
        }
    }

    @Test
    void theDirectFunctionAnswersTheSampleEventAndReadsEveryTenantForTenantStar() {
        leftByAnOlderGraph("dry-d", "d-old");
        leftByAnOlderGraph("dry-e", "e-old");
        ObjectNode sample = Lambda.event("migration-dry-run.json");
        JsonNode acme = JSON.valueToTree(direct.migrationDryRun(sample));
        assertThat(acme.has("error")).as(acme.toString()).isFalse();
        assertThat(acme.get("tenant").asText()).isEqualTo("acme");

        ObjectNode every = Lambda.event("migration-dry-run.json");
        every.put("tenant", "*").put("examples", 100);
        List<String> refused = new ArrayList<>();
        String cursor = null;
        int calls = 0;
        do {
            if (cursor != null) {
                every.put("cursor", cursor);
            }
            JsonNode report = JSON.valueToTree(direct.migrationDryRun(every));
            assertThat(report.has("error")).as(report.toString()).isFalse();
            assertThat(report.get("tenant").asText()).isEqualTo("*");
            report.at("/examples/refuse").forEach(x -> refused.add(x.get("tenant").asText() + "/" + x.get("threadId").asText()));
            cursor = report.hasNonNull("nextCursor") ? report.get("nextCursor").asText() : null;
        } while (cursor != null && ++calls < 20);
        assertThat(refused).contains("dry-d/d-old", "dry-e/e-old");

        ObjectNode bad = Lambda.event("migration-dry-run.json");
        bad.put("examples", 1000);
        JsonNode error = JSON.valueToTree(direct.migrationDryRun(bad));
        assertThat(error.at("/error/code").asText()).isEqualTo("INVALID_INPUT");
        assertThat(error.at("/error/details/field").asText()).isEqualTo("examples");
    }
}
