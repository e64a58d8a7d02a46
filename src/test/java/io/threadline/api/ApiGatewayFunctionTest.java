package io.threadline.api;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.TestProfile;
import org.junit.jupiter.api.Test;

import java.util.Base64;

import static org.assertj.core.api.Assertions.assertThat;

/** events/http-*.json — API Gateway HTTP API (v2) proxy events — through the Lambda Runtime API. */
@QuarkusTest
@TestProfile(Exports.Http.class)
class ApiGatewayFunctionTest {

    private static JsonNode body(JsonNode response) {
        return Lambda.body(response);
    }

    /** The events as they are, each body naming the test agent ({@link io.threadline.testing.EchoAgent}: "6 * 7" is "42"). */
    @Test
    void everyHttpEventIsAnsweredAsAProxyResponse() {
        JsonNode step = Lambda.invoke(Lambda.echoHttpEvent("http-step.json"));
        assertThat(step.get("statusCode").asInt()).as(step.toString()).isEqualTo(200);
        assertThat(step.at("/headers/content-type").asText()).isEqualTo("application/json");
        assertThat(body(step).at("/checkpoint/threadId").asText()).isEqualTo("web-1");

        JsonNode run = Lambda.invoke(Lambda.echoHttpEvent("http-run.json"));
        assertThat(body(run).get("stopReason").asText()).isEqualTo("DONE");
        assertThat(body(run).at("/state/answer").asText()).isEqualTo("42");

        JsonNode state = Lambda.invoke(Lambda.echoHttpEvent("http-state.json"));
        assertThat(body(state).at("/checkpoint/status").asText()).isEqualTo("DONE");

        JsonNode history = Lambda.invoke(Lambda.echoHttpEvent("http-history.json"));
        assertThat(body(history).get("checkpoints")).hasSize(2);
    }

    @Test
    void theTenantIsTheVerifiedClaimNeverTheBody() {
        // The same thread id under another tenant's token is another thread.
        ObjectNode other = Lambda.echoHttpEvent("http-state.json");
        ((ObjectNode) other.at("/requestContext/authorizer/jwt/claims")).put("tenant", "globex");
        assertError(other, 404, "THREAD_NOT_FOUND");

        ObjectNode noClaim = Lambda.echoHttpEvent("http-state.json");
        ((ObjectNode) noClaim.at("/requestContext/authorizer/jwt/claims")).remove("tenant");
        assertError(noClaim, 401, "UNAUTHENTICATED");

        ObjectNode bodyTenant = Lambda.event("http-state.json");
        bodyTenant.put("body", "{\"threadId\":\"web-1\",\"tenant\":\"globex\"}");
        assertError(bodyTenant, 400, "INVALID_INPUT");
    }

    @Test
    void badRequestsGetTheirStatus() {
        ObjectNode notJson = Lambda.event("http-step.json");
        notJson.put("body", "{oops");
        assertError(notJson, 400, "INVALID_INPUT");

        ObjectNode wrongPath = Lambda.event("http-step.json");
        wrongPath.put("rawPath", "/purge");
        JsonNode unknown = assertError(wrongPath, 404, "UNKNOWN_OPERATION");
        assertThat(unknown.at("/error/message").asText()).contains(Operations.NAMES.stream().map(n -> "/" + n).toList());

        ObjectNode loneSurrogate = Lambda.event("http-step.json");
        loneSurrogate.put("body", "{\"threadId\":\"web-4\",\"input\":{\"messages\":[{\"role\":\"user\",\"content\":\"x\\ud800y\"}]}}");
        JsonNode refused = assertError(loneSurrogate, 400, "INVALID_INPUT");
        assertThat(refused.at("/error/details/violations/0/path").asText()).isEqualTo("input.messages[0].content");

        ObjectNode get = Lambda.event("http-step.json");
        ((ObjectNode) get.at("/requestContext/http")).put("method", "GET");
        assertError(get, 400, "INVALID_INPUT");

        ObjectNode invalid = Lambda.event("http-step.json");
        invalid.put("body", "{\"threadId\":\"web-2\",\"input\":{\"messages\":[{\"role\":\"robot\",\"content\":\"x\"}]}}");
        assertError(invalid, 422, "VALIDATION_FAILED");

        ObjectNode big = Lambda.event("http-step.json");
        big.put("body", "{\"threadId\":\"web-3\",\"input\":{\"messages\":[{\"role\":\"user\",\"content\":\"" + "x".repeat(300_000) + "\"}]}}");
        assertError(big, 413, "PAYLOAD_TOO_LARGE");

        ObjectNode base64 = Lambda.event("http-state.json");
        base64.put("body", Base64.getEncoder().encodeToString("{\"threadId\":\"never\"}".getBytes()));
        base64.put("isBase64Encoded", true);
        assertError(base64, 404, "THREAD_NOT_FOUND");
    }

    private static JsonNode assertError(JsonNode event, int status, String code) {
        JsonNode response = Lambda.invoke(event);
        assertThat(response.get("statusCode").asInt()).as(response.toString()).isEqualTo(status);
        JsonNode body = body(response);
        assertThat(body.at("/error/code").asText()).isEqualTo(code);
        assertThat(body.size()).isEqualTo(1);
        return body;
    }
}
