package io.threadline.api;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.TestProfile;
import io.threadline.examples.reference.AgentState;
import io.threadline.examples.reference.AgentTools;
import io.threadline.examples.reference.Message;
import io.threadline.examples.reference.ReferenceAgent;
import io.threadline.checkpoint.HistoryQuery;
import io.threadline.checkpoint.ThreadKey;
import io.threadline.runtime.RecordedThread;
import io.threadline.runtime.ReplayReport;
import io.threadline.runtime.RunBudget;
import io.threadline.runtime.ThreadRuntime;
import io.threadline.state.Update;
import jakarta.inject.Inject;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

import static org.assertj.core.api.Assertions.assertThat;

/** events/http-replay.json and http-memory-*.json: replay and memory over API Gateway, tenant from the token. */
@QuarkusTest
@TestProfile(Exports.HttpWithMemory.class)
class ApiGatewayOperationsTest {

    @Inject
    ThreadRuntime<AgentState> runtime;

    private static JsonNode body(JsonNode response) {
        return Lambda.body(response);
    }

    private static ObjectNode withBody(String event, String body) {
        ObjectNode e = Lambda.event(event);
        e.put("body", body);
        return e;
    }

    @Test
    void replayOverHttpReportsOnTheCallersThread() {
        ThreadKey thread = ThreadKey.of("acme", "web-replay");
        runtime.run(thread, Update.of(AgentState.MESSAGES.append(Message.user("count the words in one two three"))), RunBudget.steps(5));
        String last = runtime.history(thread, HistoryQuery.first(1)).checkpoints().get(0).id().value();

        JsonNode ok = Lambda.invoke(withBody("http-replay.json", "{\"threadId\":\"web-replay\",\"checkpointId\":\"" + last + "\"}"));
        assertThat(ok.get("statusCode").asInt()).as(ok.toString()).isEqualTo(200);
        assertThat(body(ok).at("/report/verdict").asText()).isEqualTo("SAME");

        ObjectNode otherTenant = withBody("http-replay.json", "{\"threadId\":\"web-replay\",\"checkpointId\":\"" + last + "\"}");
        ((ObjectNode) otherTenant.at("/requestContext/authorizer/jwt/claims")).put("tenant", "globex");
        JsonNode refused = Lambda.invoke(otherTenant);
        assertThat(refused.get("statusCode").asInt()).isEqualTo(404);
        assertThat(body(refused).at("/error/code").asText()).isEqualTo("THREAD_NOT_FOUND");

        JsonNode unknown = Lambda.invoke(Lambda.eventText("http-replay.json"));
        assertThat(unknown.get("statusCode").asInt()).isEqualTo(404);
    }

    @Test
    void anExportedThreadReplaysOfflineAsARegressionTest(@TempDir Path dir) throws IOException {
        ThreadKey thread = ThreadKey.of("acme", "web-export");
        runtime.run(thread, Update.of(AgentState.MESSAGES.append(Message.user("what is 6 * 7"))), RunBudget.steps(5));

        JsonNode exported = Lambda.invoke(withBody("http-export.json", "{\"threadId\":\"web-export\"}"));
        assertThat(exported.get("statusCode").asInt()).as(exported.toString()).isEqualTo(200);
        Path file = dir.resolve("web-export.json");
        Files.writeString(file, body(exported).get("thread").toString());

        RecordedThread recorded = RecordedThread.read(file);
        assertThat(recorded.checkpoints()).hasSize(runtime.history(thread, HistoryQuery.first(50)).checkpoints().size());
        assertThat(recorded.replayAll(ReferenceAgent.graph(), new AgentTools()))
                .extracting(ReplayReport::verdict).containsOnly(ReplayReport.Verdict.SAME);

        ObjectNode otherTenant = withBody("http-export.json", "{\"threadId\":\"web-export\"}");
        ((ObjectNode) otherTenant.at("/requestContext/authorizer/jwt/claims")).put("tenant", "globex");
        assertThat(Lambda.invoke(otherTenant).get("statusCode").asInt()).isEqualTo(404);
    }

    @Test
    void memoryOverHttpIsScopedToTheTokensTenant() {
        JsonNode put = Lambda.invoke(Lambda.eventText("http-memory-put.json"));
        assertThat(put.get("statusCode").asInt()).as(put.toString()).isEqualTo(200);
        String id = body(put).at("/memory/id").asText();

        JsonNode found = Lambda.invoke(Lambda.eventText("http-memory-search.json"));
        assertThat(body(found).get("memories").findValuesAsText("id")).contains(id);

        ObjectNode otherTenant = Lambda.event("http-memory-search.json");
        ((ObjectNode) otherTenant.at("/requestContext/authorizer/jwt/claims")).put("tenant", "globex");
        assertThat(body(Lambda.invoke(otherTenant)).get("memories").findValuesAsText("id")).doesNotContain(id);

        ObjectNode bodyTenant = withBody("http-memory-search.json", "{\"query\":\"units\",\"tenant\":\"globex\"}");
        assertThat(Lambda.invoke(bodyTenant).get("statusCode").asInt()).isEqualTo(400);

        JsonNode deleted = Lambda.invoke(withBody("http-memory-delete.json", "{\"id\":\"" + id + "\"}"));
        assertThat(body(deleted).get("deleted").asBoolean()).isTrue();
        assertThat(body(Lambda.invoke(Lambda.eventText("http-memory-search.json"))).get("memories").findValuesAsText("id"))
                .doesNotContain(id);
    }

    /** events/http-memory-history.json: a correction over HTTP, and its chain read back for the token's tenant only. */
    @Test
    void aCorrectionsChainIsReadOverHttpForTheTokensTenantOnly() {
        JsonNode first = Lambda.invoke(withBody("http-memory-put.json", "{\"id\":\"m-0123456789abcdef\",\"namespace\":\"users/42\","
                + "\"content\":\"works at initech\"}"));
        assertThat(first.get("statusCode").asInt()).as(first.toString()).isEqualTo(200);
        JsonNode fix = Lambda.invoke(withBody("http-memory-put.json", "{\"id\":\"m-fix\",\"namespace\":\"users/42\","
                + "\"content\":\"works at globochem since june\",\"supersedes\":[\"m-0123456789abcdef\"]}"));
        assertThat(fix.get("statusCode").asInt()).as(fix.toString()).isEqualTo(200);
        JsonNode chain = body(Lambda.invoke(Lambda.eventText("http-memory-history.json")));
        assertThat(chain.get("memories").findValuesAsText("id")).containsExactly("m-0123456789abcdef", "m-fix");
        assertThat(chain.at("/memories/0/supersededBy").asText()).isEqualTo("m-fix");

        ObjectNode otherTenant = Lambda.event("http-memory-history.json");
        ((ObjectNode) otherTenant.at("/requestContext/authorizer/jwt/claims")).put("tenant", "globex");
        assertThat(body(Lambda.invoke(otherTenant)).get("memories")).isEmpty();
    }

    /** events/http-memory-forget.json: the token's tenant's memories of subject user=42 go; another tenant's stay. */
    @Test
    void forgetOverHttpRemovesTheTokensTenantsSubjectOnly() {
        String tagged = "{\"namespace\":\"subjects\",\"content\":\"user 42 asked about refunds\",\"metadata\":{\"user\":\"42\"}}";
        assertThat(Lambda.invoke(withBody("http-memory-put.json", tagged)).get("statusCode").asInt()).isEqualTo(200);
        ObjectNode globexPut = withBody("http-memory-put.json", tagged);
        ((ObjectNode) globexPut.at("/requestContext/authorizer/jwt/claims")).put("tenant", "globex");
        assertThat(Lambda.invoke(globexPut).get("statusCode").asInt()).isEqualTo(200);

        JsonNode forgot = body(Lambda.invoke(Lambda.eventText("http-memory-forget.json")));
        assertThat(forgot.get("removed").asInt()).as(forgot.toString()).isEqualTo(1);
        assertThat(body(Lambda.invoke(Lambda.eventText("http-memory-forget.json"))).get("removed").asInt()).isZero();

        ObjectNode globexForget = Lambda.event("http-memory-forget.json");
        ((ObjectNode) globexForget.at("/requestContext/authorizer/jwt/claims")).put("tenant", "globex");
        assertThat(body(Lambda.invoke(globexForget)).get("removed").asInt()).isEqualTo(1);
    }

    @Test
    void anUnknownOperationNamesTheOnesThereAre() {
        ObjectNode event = Lambda.event("http-replay.json");
        event.put("rawPath", "/memory-purge");
        ((ObjectNode) event.at("/requestContext/http")).put("path", "/memory-purge");
        JsonNode answer = Lambda.invoke(event);
        assertThat(answer.get("statusCode").asInt()).isEqualTo(404);
        assertThat(body(answer).at("/error/code").asText()).isEqualTo("UNKNOWN_OPERATION");
        assertThat(body(answer).at("/error/message").asText()).contains("/memory-search", "/replay");
    }
}
