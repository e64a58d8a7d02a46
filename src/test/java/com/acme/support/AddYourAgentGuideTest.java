package com.acme.support;

import io.quarkus.test.junit.QuarkusTest;
import io.restassured.RestAssured;
import io.restassured.http.ContentType;
import io.restassured.specification.RequestSpecification;
import org.eclipse.microprofile.config.ConfigProvider;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.assertj.core.api.Assertions.assertThat;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.hasSize;

/**
 * README's "Add your agent", run as written: the agent it shows is this package's {@link SupportAgent},
 * byte for byte, and the request it shows answers what it says over the local HTTP API — so the guide
 * cannot rot. The agent lives in the test tree here; in the guide it goes to {@code src/main/java}.
 */
@QuarkusTest
class AddYourAgentGuideTest {

    private static final Path README = Path.of("README.md");
    private static final Path AGENT = Path.of("src/test/java/com/acme/support/SupportAgent.java");

    private static String section() throws IOException {
        String readme = Files.readString(README);
        int start = readme.indexOf("\n## Add your agent");
        assertThat(start).as("README has the section").isPositive();
        int end = readme.indexOf("\n## ", start + 1);
        return readme.substring(start, end < 0 ? readme.length() : end);
    }

    private static RequestSpecification given() {
        int port = ConfigProvider.getConfig().getOptionalValue("quarkus.http.test-port", Integer.class)
                .orElse(8081);
        return RestAssured.given().port(port).contentType(ContentType.JSON);
    }

    @Test
    void theGuideShowsTheAgentThisBuildCompilesAndServes() throws IOException {
        Matcher code = Pattern.compile("```java\n(package com\\.acme\\.support;.*?)```", Pattern.DOTALL).matcher(section());
        assertThat(code.find()).as("the guide shows the agent's file").isTrue();
        assertThat(code.group(1)).isEqualTo(Files.readString(AGENT));
    }

    @Test
    void theGuidesRequestAnswersAsTheGuideSays() throws IOException {
        Matcher curl = Pattern.compile("curl -s localhost:8080/run -H 'content-type: application/json' -d '(\\{.*?\\})'\n").matcher(section());
        assertThat(curl.find()).as("the guide's request").isTrue();
        String body = curl.group(1);
        assertThat(body).contains("\"agent\":\"support\"");
        String threadId = body.replaceAll(".*\"threadId\":\"([^\"]+)\".*", "$1");

        given().body(body).post("/run").then().statusCode(200)
                .body("stopReason", equalTo("DONE"))
                .body("state.queue", equalTo("billing"))
                .body("state.messages", hasSize(2))
                .body("state.messages[1]", equalTo("Filed with billing; we answer within a day."))
                .body("steps[0].agent", equalTo("support"))
                .body("steps[0].decisions[0].reason", equalTo("mentions an invoice"));

        // The thread is the support agent's: the default agent (reference) may not read it, and nothing changes.
        given().body("{\"threadId\":\"" + threadId + "\"}").post("/history").then().statusCode(409)
                .body("error.code", equalTo("AGENT_MISMATCH"))
                .body("error.details.agent", equalTo("support"));
        given().body("{\"agent\":\"support\",\"threadId\":\"" + threadId + "\"}").post("/history").then().statusCode(200)
                .body("checkpoints", hasSize(3));
    }
}
