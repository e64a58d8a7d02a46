package io.threadline.api;

import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.QuarkusTestProfile;
import io.quarkus.test.junit.TestProfile;
import io.restassured.RestAssured;
import io.restassured.http.ContentType;
import io.restassured.specification.RequestSpecification;
import org.eclipse.microprofile.config.ConfigProvider;
import org.junit.jupiter.api.Test;

import java.util.Map;

import static org.hamcrest.Matchers.equalTo;

/**
 * A server without a local tenant (as the HTTP API would be anywhere but a local run) shows the inspector
 * nothing: the graph is refused like every operation the page calls.
 */
@QuarkusTest
@TestProfile(InspectorWithoutTenantTest.NoLocalTenant.class)
class InspectorWithoutTenantTest {

    /** The HTTP API with no local tenant: an empty value unsets the test profile's. */
    public static class NoLocalTenant implements QuarkusTestProfile {
        @Override
        public Map<String, String> getConfigOverrides() {
            return Map.of("quarkus.funqy.export", "http", "threadline.api.local-tenant", "");
        }
    }

    private static RequestSpecification given() {
        int port = ConfigProvider.getConfig().getOptionalValue("quarkus.http.test-port", Integer.class).orElse(8081);
        return RestAssured.given().port(port);
    }

    @Test
    void graphAndOperationsAreRefused() {
        given().get("/inspector/graph").then().statusCode(401).body("error.code", equalTo("UNAUTHENTICATED"));
        given().contentType(ContentType.JSON).body("{\"threadId\":\"any\"}").post("/history")
                .then().statusCode(401).body("error.code", equalTo("UNAUTHENTICATED"));
    }
}
