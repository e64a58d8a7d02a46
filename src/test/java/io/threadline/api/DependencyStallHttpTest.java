package io.threadline.api;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.QuarkusTestProfile;
import io.quarkus.test.junit.TestProfile;
import io.restassured.RestAssured;
import io.restassured.response.Response;
import io.restassured.specification.RequestSpecification;
import io.threadline.ErrorCode;
import io.threadline.InvocationDeadline;
import io.threadline.ThreadlineException;
import io.threadline.checkpoint.dynamodb.DynamoDbLocal;
import io.threadline.memory.opensearch.OpenSearchNode;
import jakarta.inject.Inject;
import org.eclipse.microprofile.config.ConfigProvider;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Assertions;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Through the local HTTP API, with the application's own clients: a DynamoDB and an OpenSearch that stop
 * answering — real processes of this test's own (not the shared ones), stopped with SIGSTOP — are answered 503
 * DEPENDENCY_UNAVAILABLE within the configured limits, also for many callers at once, and the thread goes on
 * after the thaw. The bounds are loose (the limit plus a few seconds): what is tested is that time is bounded.
 */
@QuarkusTest
@TestProfile(DependencyStallHttpTest.OwnDependencies.class)
class DependencyStallHttpTest {

    static final Duration DYNAMODB_CALL_TIMEOUT = Duration.ofSeconds(3);
    static final Duration OPENSEARCH_TIMEOUT = Duration.ofSeconds(2);
    static final Duration SLACK = Duration.ofSeconds(4);

    /** DynamoDB Local and OpenSearch of this test's own, so stopping them disturbs no other test. */
    public static class OwnDependencies implements QuarkusTestProfile {
        static DynamoDbLocal dynamoDb() {
            return DynamoDbLocal.separate();
        }

        @Override
        public Map<String, String> getConfigOverrides() {
            return Map.ofEntries(
                    Map.entry("threadline.store", "dynamodb"),
                    Map.entry("threadline.dynamodb.table", "stall-" + UUID.randomUUID()),
                    Map.entry("threadline.dynamodb.create-table", "true"),
                    Map.entry("quarkus.dynamodb.endpoint-override", dynamoDb().endpoint().toString()),
                    Map.entry("threadline.dynamodb.attempt-timeout", "PT1S"),
                    Map.entry("threadline.dynamodb.call-timeout", "PT" + DYNAMODB_CALL_TIMEOUT.toSeconds() + "S"),
                    Map.entry("quarkus.dynamodb.sync-client.socket-timeout", "1S"),
                    Map.entry("threadline.memory.store", "opensearch"),
                    Map.entry("threadline.memory.opensearch.url", OpenSearchNode.separate().endpoint().toString()),
                    Map.entry("threadline.memory.opensearch.index", "stall-" + UUID.randomUUID()),
                    Map.entry("threadline.memory.opensearch.timeout", "PT" + OPENSEARCH_TIMEOUT.toSeconds() + "S"));
        }
    }

    private static RequestSpecification given() {
        int port = ConfigProvider.getConfig().getOptionalValue("quarkus.http.test-port", Integer.class).orElse(8081);
        return RestAssured.given().port(port).contentType("application/json");
    }

    @AfterEach
    void thaw() {
        OwnDependencies.dynamoDb().thaw();
        OpenSearchNode.separate().thaw();
    }

    private static String turn(String thread, String text, String key) {
        return "{\"threadId\":\"" + thread + "\",\"idempotencyKey\":\"" + key + "\",\"input\":{\"messages\":[{\"role\":\"user\","
                + "\"content\":\"" + text + "\"}]}}";
    }

    @Test
    void theApplicationTalksToThisTestsOwnDynamoDb() {
        assertThat(ConfigProvider.getConfig().getValue("quarkus.dynamodb.endpoint-override", String.class))
                .isEqualTo(OwnDependencies.dynamoDb().endpoint().toString());
    }

    @Test
    void aStepWhileDynamoDbIsFrozenIs503InBoundedTimeAndSafeToRetryWithItsKey() {
        String thread = "stall-" + UUID.randomUUID();
        given().body(turn(thread, "hello", "k1")).post("/step").then().statusCode(200);

        OwnDependencies.dynamoDb().freeze();
        long start = System.nanoTime();
        Response cut = given().body(turn(thread, "what is 2 + 3", "k2")).post("/step");
        Duration took = Duration.ofNanos(System.nanoTime() - start);
        System.out.printf("DynamoDB frozen, call-timeout %s: POST /step answered %d after %d ms: %s%n", DYNAMODB_CALL_TIMEOUT,
                cut.statusCode(), took.toMillis(), cut.asString());
        assertThat(cut.statusCode()).isEqualTo(503);
        assertThat(cut.jsonPath().getString("error.code")).isEqualTo("DEPENDENCY_UNAVAILABLE");
        assertThat(took).isLessThan(DYNAMODB_CALL_TIMEOUT.plus(SLACK));
        OwnDependencies.dynamoDb().thaw();

        // The same request again: the step lands once, whether or not the cut one had.
        Response retried = given().body(turn(thread, "what is 2 + 3", "k2")).post("/step");
        assertThat(retried.statusCode()).as(retried.asString()).isEqualTo(200);
        Response again = given().body(turn(thread, "what is 2 + 3", "k2")).post("/step");
        assertThat(again.jsonPath().getBoolean("duplicate")).isTrue();
        assertThat(again.jsonPath().getString("checkpoint.checkpointId")).isNotNull().isEqualTo(retried.jsonPath().getString("checkpoint.checkpointId"));
        Response history = given().body("{\"threadId\":\"" + thread + "\",\"limit\":10}").post("/history");
        assertThat(history.statusCode()).isEqualTo(200);
        assertThat(history.jsonPath().getList("checkpoints")).hasSize(2);
        given().body(turn(thread, "thanks", "k3")).post("/step").then().statusCode(200);
    }

    @Inject
    Operations operations;

    @Test
    void inLambdaACallIsCutAtTheInvocationsDeadlineWhenThatComesBeforeTheConfiguredLimits() throws Exception {
        // ThreadlineLambdaHandler sets InvocationDeadline to the invocation's end less threadline.api.dependency-reserve.
        String thread = "stall-" + UUID.randomUUID();
        given().body(turn(thread, "hello", "k1")).post("/step").then().statusCode(200);
        JsonNode state = new ObjectMapper()
                .readTree("{\"threadId\":\"" + thread + "\"}");
        Duration left = Duration.ofMillis(1000);

        OwnDependencies.dynamoDb().freeze();
        long start = System.nanoTime();
        try {
            InvocationDeadline.within(Instant.now().plus(left),
                    () -> operations.handle("state", state, tenant -> new Caller("local-tenant", true, null)));
            Assertions.fail("state answered while DynamoDB was frozen");
        } catch (ThreadlineException e) {
            assertThat(e.code()).isEqualTo(ErrorCode.DEPENDENCY_UNAVAILABLE);
        }
        Duration took = Duration.ofNanos(System.nanoTime() - start);
        System.out.printf("DynamoDB frozen, call-timeout %s, invocation deadline in %s: state answered DEPENDENCY_UNAVAILABLE "
                + "after %d ms%n", DYNAMODB_CALL_TIMEOUT, left, took.toMillis());
        // Cut at the deadline, well before the call timeout would have (a loose bound still below it).
        assertThat(took).isLessThan(DYNAMODB_CALL_TIMEOUT.minusMillis(500));
    }

    @Test
    void concurrentMemorySearchesWhileOpenSearchIsFrozenAreEach503InBoundedTime() throws Exception {
        // The first call builds the store while the node runs; creating a k-NN index on a fresh node can take longer
        // than the short limit here, and a failed build is tried again by the next call.
        long warm = System.nanoTime() + Duration.ofSeconds(60).toNanos();
        while (given().body("{\"query\":\"metric units\",\"k\":3}").post("/memory-search").statusCode() != 200) {
            assertThat(System.nanoTime()).as("memory-search never answered 200 before the freeze").isLessThan(warm);
        }

        OpenSearchNode.separate().freeze();
        List<CompletableFuture<Duration>> callers = new ArrayList<>();
        for (int i = 0; i < 8; i++) {
            callers.add(CompletableFuture.supplyAsync(() -> {
                long start = System.nanoTime();
                Response r = given().body("{\"query\":\"metric units\",\"k\":3}").post("/memory-search");
                assertThat(r.statusCode()).as(r.asString()).isEqualTo(503);
                assertThat(r.jsonPath().getString("error.code")).isEqualTo("DEPENDENCY_UNAVAILABLE");
                return Duration.ofNanos(System.nanoTime() - start);
            }));
        }
        List<Long> millis = new ArrayList<>();
        for (CompletableFuture<Duration> c : callers) {
            millis.add(c.get().toMillis());
        }
        System.out.printf("OpenSearch frozen, timeout %s: 8 concurrent POST /memory-search answered 503 after %s ms%n",
                OPENSEARCH_TIMEOUT, millis);
        // One after another (as an ordered blocking handler ran them) the last would wait several timeouts.
        assertThat(millis).allSatisfy(ms -> assertThat(ms).isLessThan(OPENSEARCH_TIMEOUT.plus(SLACK).toMillis()));

        OpenSearchNode.separate().thaw();
        given().body("{\"query\":\"metric units\",\"k\":3}").post("/memory-search").then().statusCode(200);
    }
}
