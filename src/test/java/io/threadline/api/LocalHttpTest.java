package io.threadline.api;

import io.quarkus.test.junit.QuarkusTest;
import io.restassured.RestAssured;
import io.restassured.http.ContentType;
import io.restassured.specification.RequestSpecification;
import org.assertj.core.api.Assertions;
import org.eclipse.microprofile.config.ConfigProvider;
import org.hamcrest.Matchers;
import org.junit.jupiter.api.Test;

import java.util.List;

import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.hasSize;
import static org.hamcrest.Matchers.notNullValue;
import static org.hamcrest.Matchers.nullValue;

/** The operations over the local HTTP server (Funqy HTTP), as the README's curl lines use them. */
@QuarkusTest
class LocalHttpTest {

    /** The HTTP server's port (RestAssured's default port is the Lambda mock event server's in Lambda apps). */
    private static RequestSpecification given() {
        int port = ConfigProvider.getConfig().getOptionalValue("quarkus.http.test-port", Integer.class)
                .orElse(8081);
        return RestAssured.given().port(port);
    }

    private static String turn(String threadId, String text) {
        return "{\"threadId\":\"" + threadId + "\",\"input\":{\"messages\":[{\"role\":\"user\",\"content\":\"" + text + "\"}]}}";
    }

    /** A turn of the test agent ({@link io.threadline.testing.EchoAgent}: "2 + 3" is "5" in two steps). */
    @Test
    void aTurnThenStateAndHistory() {
        given().contentType(ContentType.JSON)
                .body("{\"agent\":\"echo\",\"threadId\":\"http-1\",\"maxSteps\":5,\"input\":{\"messages\":[{\"role\":\"user\",\"content\":\"what is 2 + 3\"}]}}")
                .post("/run")
                .then().statusCode(200)
                .body("stopReason", equalTo("DONE"))
                .body("steps", hasSize(2))
                .body("steps[1].agent", equalTo("echo"))
                .body("state.answer", equalTo("5"))
                .body("error", nullValue());
        given().contentType(ContentType.JSON).body("{\"agent\":\"echo\",\"threadId\":\"http-1\"}")
                .post("/state")
                .then().statusCode(200)
                .body("checkpoint.status", equalTo("DONE"))
                .body("state.messages", hasSize(2));
        given().contentType(ContentType.JSON).body("{\"agent\":\"echo\",\"threadId\":\"http-1\",\"limit\":1}")
                .post("/history")
                .then().statusCode(200)
                .body("checkpoints", hasSize(1))
                .body("checkpoints[0].checkpoint.step", equalTo(2))
                .body("checkpoints[0].change.path", Matchers.hasItems("/messages/-", "/answer"))
                .body("nextCursor", notNullValue());
    }

    /** README's "Forgetting" curl line: the thread goes, the answer counts what went; again, zeros. */
    @Test
    void deleteAsTheReadmeCurlLineDoesIt() {
        given().contentType(ContentType.JSON).body("{\"agent\":\"echo\",\"threadId\":\"hello-delete\",\"maxSteps\":5,"
                + "\"input\":{\"messages\":[{\"role\":\"user\",\"content\":\"what is 6 * 7\"}]}}").post("/run").then().statusCode(200);
        given().contentType(ContentType.JSON).body("{\"agent\":\"echo\",\"threadId\":\"hello-delete\"}").post("/delete")
                .then().statusCode(200)
                .body("existed", equalTo(true))
                .body("removed.checkpoints", equalTo(2))
                .body("removed.heads", equalTo(1))
                .body("error", nullValue());
        error("/state", "{\"agent\":\"echo\",\"threadId\":\"hello-delete\"}", 404, "THREAD_NOT_FOUND");
        given().contentType(ContentType.JSON).body("{\"threadId\":\"hello-delete\"}").post("/delete")
                .then().statusCode(200).body("existed", equalTo(false)).body("removed.checkpoints", equalTo(0));
        error("/delete", "{\"threadId\":\"hello-delete\",\"tenant\":\"someone-else\"}", 400, "INVALID_INPUT");
        error("/delete", "{}", 400, "INVALID_INPUT");
    }

    /**
     * README's "Erasing a data subject" curl line, as written: the subject's two threads go, another subject's stays,
     * the report is signed and complete; a malformed subject or another tenant's field erases nothing.
     */
    @Test
    void eraseAsTheReadmeCurlLineDoesIt() {
        for (String[] t : new String[][]{{"erase-a", "42"}, {"erase-b", "42"}, {"erase-c", "43"}}) {
            given().contentType(ContentType.JSON).body("{\"agent\":\"echo\",\"threadId\":\"" + t[0] + "\",\"tags\":{\"user\":\"" + t[1]
                    + "\"},\"maxSteps\":5,\"input\":{\"messages\":[{\"role\":\"user\",\"content\":\"what is 6 * 7\"}]}}").post("/run")
                    .then().statusCode(200);
        }
        error("/erase", "{\"subject\":{}}", 400, "INVALID_INPUT");
        error("/erase", "{\"subject\":{\"user\":\"42\"},\"tenant\":\"someone-else\"}", 400, "INVALID_INPUT");
        given().contentType(ContentType.JSON).body("{\"agent\":\"echo\",\"threadId\":\"erase-a\"}").post("/state").then().statusCode(200);
        given().contentType(ContentType.JSON).body("{\"subject\":{\"user\":\"42\"}}").post("/erase")
                .then().statusCode(200)
                .body("complete", equalTo(true))
                .body("threadIds", Matchers.containsInAnyOrder("erase-a", "erase-b"))
                .body("removed.threads", equalTo(2))
                .body("subjectKey", equalTo("user"))
                .body("signature", Matchers.matchesPattern("[0-9a-f]{64}"))
                .body("error", nullValue());
        error("/state", "{\"agent\":\"echo\",\"threadId\":\"erase-b\"}", 404, "THREAD_NOT_FOUND");
        given().contentType(ContentType.JSON).body("{\"agent\":\"echo\",\"threadId\":\"erase-c\"}").post("/state").then().statusCode(200);
    }

    /** README "Finding threads": the three curl lines, as written (on the test agent), and a bad cursor. */
    @Test
    void threadsAreTaggedListedAndRetaggedAsTheReadmeShows() {
        given().contentType(ContentType.JSON)
                .body("{\"agent\":\"echo\",\"threadId\":\"tagged-1\",\"tags\":{\"user\":\"readme-42\"},\"input\":{\"messages\":[{\"role\":\"user\",\"content\":\"what is 6 * 7\"}]}}")
                .post("/run").then().statusCode(200).body("stopReason", equalTo("DONE"));
        given().contentType(ContentType.JSON).body("{\"tags\":{\"user\":\"readme-42\"},\"status\":[\"DONE\",\"INTERRUPTED\"],\"limit\":10}")
                .post("/threads").then().statusCode(200)
                .body("threads", hasSize(1))
                .body("threads[0].threadId", equalTo("tagged-1"))
                .body("threads[0].status", equalTo("DONE"))
                .body("threads[0].tags.user", equalTo("readme-42"))
                .body("nextCursor", nullValue());
        given().contentType(ContentType.JSON).body("{\"threadId\":\"tagged-1\",\"set\":{\"channel\":\"web\"},\"remove\":[\"user\"]}")
                .post("/tag").then().statusCode(200)
                .body("tags.channel", equalTo("web"))
                .body("tags.user", nullValue());
        error("/threads", "{\"cursor\":\"not-one\"}", 400, "INVALID_INPUT");
        error("/threads", "{\"status\":\"SLEEPING\"}", 400, "INVALID_INPUT");
    }

    /** README "Deploying a new version": the curl line of the migration dry-run, as written, and a bad cursor. */
    @Test
    void migrationDryRunAsTheReadmeCurlLineDoesIt() {
        given().contentType(ContentType.JSON).body(turn("dry-run-1", "hello")).post("/step").then().statusCode(200);
        given().contentType(ContentType.JSON).body("{\"maxThreads\":1000,\"examples\":3}")
                .post("/migration-dry-run").then().statusCode(200)
                .body("tenant", equalTo("local-tenant"))
                .body("threads", Matchers.greaterThanOrEqualTo(1))
                .body("counts.continue", Matchers.greaterThanOrEqualTo(1))
                .body("counts.refuse", equalTo(0))
                .body("graphs.echo", notNullValue())
                .body("text", containsString("migration dry-run of tenant local-tenant"))
                .body("error", nullValue());
        error("/migration-dry-run", "{\"cursor\":\"not-one\"}", 400, "INVALID_INPUT");
        error("/migration-dry-run", "{\"tenant\":\"*\"}", 400, "INVALID_INPUT");
    }

    @Test
    void errorsHaveTheirStatusAndOneShape() {
        error("/step", "{not json", 400, "INVALID_INPUT");
        error("/step", "[1,2]", 400, "INVALID_INPUT");
        error("/step", "{\"threadId\":\"x\",\"tenant\":\"someone-else\"}", 400, "INVALID_INPUT");
        error("/state", "{\"threadId\":\"never-created\"}", 404, "THREAD_NOT_FOUND");
        error("/state", "{\"threadId\":\"http-2\",\"checkpointId\":\"not-an-id\"}", 400, "INVALID_INPUT");
        error("/step", turn("http-3", "hi").replace("\"user\"", "\"robot\""), 422, "VALIDATION_FAILED");
        error("/step", turn("http-4", "x".repeat(300_000)), 413, "PAYLOAD_TOO_LARGE");
        error("/run", "{\"threadId\":\"http-5\",\"maxSteps\":0}", 400, "INVALID_INPUT");
        error("/history", "{\"threadId\":\"http-5\",\"limit\":1000}", 400, "INVALID_INPUT");
    }

    /** A path with no operation is 404 UNKNOWN_OPERATION (README's row), naming every operation. */
    @Test
    void unknownPathsAreUnknownOperationsNamingEveryOperation() {
        String message = given().contentType(ContentType.JSON).body("{}").post("/nope")
                .then().statusCode(404).contentType(ContentType.JSON)
                .body("error.code", equalTo("UNKNOWN_OPERATION"))
                .body("error.details.path", equalTo("/nope"))
                .extract().path("error.message");
        for (String operation : Operations.NAMES) {
            Assertions.assertThat(message).contains("/" + operation);
        }
        given().get("/").then().statusCode(404).body("error.code", equalTo("UNKNOWN_OPERATION"));
    }

    @Test
    void checkpointNotFoundOnAnExistingThread() {
        given().contentType(ContentType.JSON).body(turn("http-6", "hello")).post("/step").then().statusCode(200);
        error("/state", "{\"threadId\":\"http-6\",\"checkpointId\":\"01ARZ3NDEKTSV4RRFFQ69G5FAV\"}", 404, "CHECKPOINT_NOT_FOUND");
    }

    /** The inspector's page and graph are served next to the API, for the local tenant. */
    @Test
    void inspectorPageAndGraph() {
        given().get("/inspector/").then().statusCode(200).contentType(containsString("text/html"))
                .body(containsString("Threadline inspector"));
        given().get("/inspector/inspector.js").then().statusCode(200).contentType(containsString("javascript"));
        given().redirects().follow(false).get("/inspector").then().statusCode(302).header("location", equalTo("/inspector/"));
        given().get("/inspector/graph?agent=echo&highlight=calculate,ghost").then().statusCode(200)
                .body("nodes", equalTo(List.of("read", "calculate", "echo")))
                .body("edges", hasSize(5))
                .body("edges.find { it.label == 'CALCULATE' }.to", equalTo("calculate"))
                .body("highlighted", equalTo(List.of("calculate")))
                .body("mermaid", containsString("class calculate current"));
        given().get("/inspector/secrets.txt").then().statusCode(404).body("error.code", equalTo("UNKNOWN_OPERATION"));
    }

    /**
     * A page of another site can post to 127.0.0.1 without a preflight when the body is text/plain (or a
     * form): such a body is refused 415 before it is read, whatever its Origin, and nothing is committed.
     */
    @Test
    void nonJsonBodiesAreRefusedAndCommitNothing() {
        given().contentType("text/plain").body(turn("csrf-1", "hi")).post("/step")
                .then().statusCode(415).contentType(ContentType.JSON)
                .body("error.code", equalTo("UNSUPPORTED_MEDIA_TYPE"))
                .body("error.message", containsString("application/json"));
        given().contentType("text/plain").body(turn("csrf-1", "hi")).post("/step")
                .then().statusCode(415).body("error.code", equalTo("UNSUPPORTED_MEDIA_TYPE"));
        given().contentType("application/x-www-form-urlencoded").body(turn("csrf-1", "hi")).post("/run")
                .then().statusCode(415).body("error.code", equalTo("UNSUPPORTED_MEDIA_TYPE"));
        RawHttp.Answer noType = RawHttp.send("POST /step HTTP/1.1\r\nHost: localhost:" + RawHttp.port() + "\r\nContent-Length: 2", "{}".getBytes());
        Assertions.assertThat(noType.status()).isEqualTo(415);
        Assertions.assertThat(noType.json().at("/error/code").asText()).isEqualTo("UNSUPPORTED_MEDIA_TYPE");
        error("/state", "{\"threadId\":\"csrf-1\"}", 404, "THREAD_NOT_FOUND");
        // JSON with a charset is JSON.
        given().contentType("application/json; charset=utf-8").body("{\"threadId\":\"csrf-1\"}").post("/state")
                .then().statusCode(404).body("error.code", equalTo("THREAD_NOT_FOUND"));
    }

    /** A request a browser sends from another site carries that site's Origin: refused 403, nothing committed. */
    @Test
    void foreignOriginsAreForbidden() {
        // The tester's reproduction: a text/plain body (no preflight) from another site's page.
        given().contentType("text/plain").header("Origin", "http://evil.example").body(turn("csrf-2", "hi")).post("/step")
                .then().statusCode(403).contentType(ContentType.JSON)
                .body("error.code", equalTo("FORBIDDEN"))
                .body("error.message", containsString("http://evil.example"));
        given().contentType(ContentType.JSON).header("Origin", "http://evil.example").body(turn("csrf-2", "hi")).post("/step")
                .then().statusCode(403).body("error.code", equalTo("FORBIDDEN"));
        given().contentType(ContentType.JSON).header("Origin", "null").body(turn("csrf-2", "hi")).post("/step")
                .then().statusCode(403).body("error.code", equalTo("FORBIDDEN"));
        given().contentType(ContentType.JSON).header("Origin", "http://localhost:1").body(turn("csrf-2", "hi")).post("/step")
                .then().statusCode(403).body("error.code", equalTo("FORBIDDEN"));
        error("/state", "{\"threadId\":\"csrf-2\"}", 404, "THREAD_NOT_FOUND");
        // The inspector's own fetches are same-origin.
        given().contentType(ContentType.JSON).header("Origin", "http://localhost:" + RawHttp.port()).body(turn("csrf-2", "hi"))
                .post("/step").then().statusCode(200);
    }

    /**
     * DNS rebinding: a page on attacker.example, its name rebound to 127.0.0.1, reaches this server under
     * its own Host. Only loopback names on the server's port and threadline.api.local-allowed-hosts (the
     * test profile allows threadline.test) are answered.
     */
    @Test
    void foreignHostsAreForbidden() {
        int port = RawHttp.port();
        String state = "{\"threadId\":\"rebinding\"}";
        for (String host : List.of("attacker.example:" + port, "attacker.example", "localhost:" + (port + 1),
                "127.0.0.1.attacker.example:" + port, "threadline.test:" + (port + 1))) {
            RawHttp.Answer refused = RawHttp.post("/state", host, state);
            Assertions.assertThat(refused.status()).as(host).isEqualTo(403);
            Assertions.assertThat(refused.headers().get("content-type")).isEqualTo("application/json");
            Assertions.assertThat(refused.json().at("/error/code").asText()).isEqualTo("FORBIDDEN");
        }
        RawHttp.Answer inspector = RawHttp.send("GET /inspector/ HTTP/1.1\r\nHost: attacker.example:" + port, new byte[0]);
        Assertions.assertThat(inspector.status()).isEqualTo(403);
        RawHttp.Answer noHost = RawHttp.send("GET /inspector/ HTTP/1.0", new byte[0]);
        Assertions.assertThat(noHost.status()).isEqualTo(403);
        for (String host : List.of("localhost:" + port, "127.0.0.1:" + port, "[::1]:" + port, "LOCALHOST:" + port,
                "threadline.test:" + port)) {
            RawHttp.Answer answered = RawHttp.post("/state", host, state);
            Assertions.assertThat(answered.status()).as(host).isEqualTo(404);
            Assertions.assertThat(answered.json().at("/error/code").asText()).isEqualTo("THREAD_NOT_FOUND");
        }
    }

    /**
     * Quarkus's own body limit (quarkus.http.limits.max-body-size, 10 MiB) answered an empty 413 with no
     * content type; every body over the server's limit gets the API's envelope, decided by its declared
     * length before any of it is read.
     */
    @Test
    void everyTooLargeBodyGetsTheErrorEnvelope() {
        for (long length : new long[] {600 * 1024, 10 * 1024 * 1024, 10 * 1024 * 1024 + 1, 64L * 1024 * 1024}) {
            for (String path : List.of("/step", "/nope")) {
                RawHttp.Answer answer = RawHttp.send("POST " + path + " HTTP/1.1\r\nHost: localhost:" + RawHttp.port()
                        + "\r\nContent-Type: application/json\r\nContent-Length: " + length, new byte[0]);
                Assertions.assertThat(answer.status()).as(path + " " + length).isEqualTo(413);
                Assertions.assertThat(answer.headers().get("content-type")).isEqualTo("application/json");
                Assertions.assertThat(answer.json().at("/error/code").asText()).isEqualTo("PAYLOAD_TOO_LARGE");
                Assertions.assertThat(answer.json().at("/error/message").asText()).isNotBlank();
            }
        }
    }

    /** Lone surrogates are no text: refused 400 naming the field, never stored as '?'. */
    @Test
    void loneSurrogatesAreRefused() {
        given().contentType(ContentType.JSON).body(turn("surrogate-1", "x\\ud800y")).post("/step")
                .then().statusCode(400)
                .body("error.code", equalTo("INVALID_INPUT"))
                .body("error.details.violations[0].path", equalTo("input.messages[0].content"))
                .body("error.message", containsString("surrogate"));
        given().contentType(ContentType.JSON).body(turn("surrogate-1", "x\\udc00")).post("/step")
                .then().statusCode(400).body("error.code", equalTo("INVALID_INPUT"));
        given().contentType(ContentType.JSON).body("{\"threadId\":\"surrogate-\\ud800\"}").post("/state")
                .then().statusCode(400).body("error.details.violations[0].path", equalTo("threadId"));
        given().contentType(ContentType.JSON).body("{\"threadId\":\"surrogate-1\",\"input\":{\"toolOutputs\":{\"k\\ud800\":\"v\"}}}")
                .post("/step").then().statusCode(400).body("error.code", equalTo("INVALID_INPUT"))
                .body("error.details.violations[0].path", equalTo("input.toolOutputs"));
        error("/state", "{\"threadId\":\"surrogate-1\"}", 404, "THREAD_NOT_FOUND");
        // A whole pair is a character like any other.
        given().contentType(ContentType.JSON).body(turn("surrogate-2", "smile \\ud83d\\ude00")).post("/step")
                .then().statusCode(200);
        given().contentType(ContentType.JSON).body("{\"threadId\":\"surrogate-2\"}").post("/state")
                .then().statusCode(200).body("state.messages[0].content", equalTo("smile \ud83d\ude00"));
    }

    /** Answers tell browsers not to sniff them nor frame them; the inspector's page has a tight CSP. */
    @Test
    void securityHeaders() {
        given().contentType(ContentType.JSON).body("{\"threadId\":\"never\"}").post("/state")
                .then().statusCode(404)
                .header("X-Content-Type-Options", equalTo("nosniff"))
                .header("X-Frame-Options", equalTo("DENY"))
                .header("Content-Security-Policy", containsString("frame-ancestors 'none'"));
        for (String asset : List.of("/inspector/", "/inspector/inspector.js", "/inspector/inspector.css")) {
            String csp = given().get(asset).then().statusCode(200)
                    .header("X-Content-Type-Options", equalTo("nosniff"))
                    .header("X-Frame-Options", equalTo("DENY"))
                    .extract().header("Content-Security-Policy");
            Assertions.assertThat(csp).as(asset)
                    .contains("default-src 'self'", "frame-ancestors 'none'", "object-src 'none'").doesNotContain("unsafe");
        }
        given().get("/inspector/graph").then().statusCode(200).header("X-Content-Type-Options", equalTo("nosniff"));
    }

    private static void error(String path, String body, int status, String code) {
        given().contentType(ContentType.JSON).body(body)
                .post(path)
                .then().statusCode(status)
                .contentType(ContentType.JSON)
                .body("error.code", equalTo(code))
                .body("error.message", notNullValue())
                .body("error.details", notNullValue())
                .body("$", Matchers.aMapWithSize(1))
                .body("error.message", Matchers.not(containsString("Exception")));
    }
}
