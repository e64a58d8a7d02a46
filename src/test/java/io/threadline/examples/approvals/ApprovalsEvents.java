package io.threadline.examples.approvals;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.restassured.RestAssured;
import org.eclipse.microprofile.config.ConfigProvider;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Feeds events to the running test application as Lambda would: through the Lambda mock event server
 * (like {@code sam local invoke -e events/X.json}), or over the local HTTP server.
 */
final class ApprovalsEvents {

    static final ObjectMapper JSON = new ObjectMapper();

    private ApprovalsEvents() {
    }

    /** A file of events/, as a mutable tree. */
    static ObjectNode event(String name) {
        try {
            return (ObjectNode) JSON.readTree(Files.readString(Path.of("events", name)));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    static JsonNode parse(String json) {
        try {
            return JSON.readTree(json);
        } catch (IOException e) {
            throw new UncheckedIOException("not JSON: " + json, e);
        }
    }

    /** The function's answer to {@code event}, sent through the Lambda Runtime API. */
    static JsonNode invoke(JsonNode event) {
        int port = ConfigProvider.getConfig().getValue("quarkus.lambda.mock-event-server.test-port", Integer.class);
        return parse(RestAssured.given().contentType("application/json").body(event.toString())
                .post("http://localhost:" + port + "/invoke").then().extract().asString());
    }

    /** An API Gateway event of {@code events/http-<operation>.json} carrying {@code body} instead of its own. */
    static JsonNode http(String operation, String body) {
        ObjectNode event = event("http-" + operation + ".json");
        event.put("body", body);
        return invoke(event);
    }

    /** The body of an API Gateway answer whose status is {@code status}. */
    static JsonNode body(JsonNode response, int status) {
        assertThat(response.path("statusCode").asInt()).as(response.toString()).isEqualTo(status);
        return parse(response.get("body").asText());
    }

    /** POSTs {@code body} to the local HTTP server's {@code /operation}; answers status and body. */
    static JsonNode local(String operation, String body, int status) {
        int port = ConfigProvider.getConfig().getOptionalValue("quarkus.http.test-port", Integer.class).orElse(8081);
        return parse(RestAssured.given().port(port).contentType("application/json").body(body).post("/" + operation)
                .then().statusCode(status).extract().asString());
    }
}
