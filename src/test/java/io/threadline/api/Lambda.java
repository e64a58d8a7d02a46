package io.threadline.api;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.restassured.RestAssured;
import io.threadline.testing.EchoAgent;
import org.eclipse.microprofile.config.ConfigProvider;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * Invokes the function the running test application exports, through the Lambda mock event server
 * that Quarkus's Lambda extension starts (the Runtime API our poll loop reads). The request is sent
 * as is, like {@code sam local invoke -e events/X.json}; the answer is the function's output.
 */
final class Lambda {

    static final ObjectMapper JSON = new ObjectMapper();

    private Lambda() {
    }

    static JsonNode invoke(String payload) {
        int port = ConfigProvider.getConfig().getValue("quarkus.lambda.mock-event-server.test-port", Integer.class);
        String answer = RestAssured.given().contentType("application/json").body(payload)
                .post("http://localhost:" + port + "/invoke")
                .then().extract().asString();
        try {
            return JSON.readTree(answer);
        } catch (IOException e) {
            throw new UncheckedIOException("not JSON: " + answer, e);
        }
    }

    static JsonNode invoke(JsonNode payload) {
        return invoke(payload.toString());
    }

    /** The JSON body of an API Gateway proxy answer. */
    static JsonNode body(JsonNode response) {
        try {
            return JSON.readTree(response.get("body").asText());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /**
     * An API Gateway call of {@code operation} (events/http-delete.json re-routed) with a token whose tenant claim is
     * {@code tenant}: the http function's whole answer (status code, body).
     */
    static JsonNode http(String tenant, String operation, String body) {
        ObjectNode event = event("http-delete.json");
        event.put("rawPath", "/" + operation);
        event.put("routeKey", "POST /" + operation);
        ((ObjectNode) event.at("/requestContext/http")).put("path", "/" + operation);
        ((ObjectNode) event.at("/requestContext/authorizer/jwt/claims")).put("tenant", tenant);
        event.put("body", body);
        return invoke(event);
    }

    /** A file of events/, as a mutable tree. */
    static ObjectNode event(String name) {
        try {
            return (ObjectNode) JSON.readTree(Files.readString(Path.of("events", name)));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /**
     * A direct event of events/ addressed to the test agent ({@code io.threadline.testing.EchoAgent}) instead of
     * the deployment's default: for tests of the API that must not depend on an example agent's answers.
     */
    static ObjectNode echoEvent(String name) {
        ObjectNode event = event(name);
        event.put("agent", EchoAgent.NAME);
        return event;
    }

    /** An API Gateway event of events/ whose body names the test agent (see {@link #echoEvent}). */
    static ObjectNode echoHttpEvent(String name) {
        ObjectNode event = event(name);
        try {
            ObjectNode body = (ObjectNode) JSON.readTree(event.get("body").asText());
            body.put("agent", EchoAgent.NAME);
            event.put("body", body.toString());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return event;
    }

    static String eventText(String name) {
        try {
            return Files.readString(Path.of("events", name));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
