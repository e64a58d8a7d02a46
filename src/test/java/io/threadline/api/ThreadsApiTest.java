package io.threadline.api;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.TestProfile;
import io.threadline.checkpoint.CheckpointStore;
import io.threadline.checkpoint.ThreadKey;
import io.threadline.checkpoint.ThreadQuery;
import jakarta.inject.Inject;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * threads and tag over API Gateway (events/http-threads.json, http-tag.json; the tenant from the token) and as direct
 * functions (events/threads.json, tag.json), on DynamoDB Local: two tenants' tokens never see each other's threads,
 * tags given on run are the new thread's, bad cursors, filters and tags are 400 and change nothing.
 */
@QuarkusTest
@TestProfile(Exports.Http.class)
class ThreadsApiTest {

    private static final ObjectMapper JSON = new ObjectMapper().findAndRegisterModules();

    @Inject
    ThreadFunctions direct;

    @Inject
    CheckpointStore store;

    private static ObjectNode http(String event, String tenant, String body) {
        ObjectNode e = Lambda.event(event);
        e.put("body", body);
        ((ObjectNode) e.at("/requestContext/authorizer/jwt/claims")).put("tenant", tenant);
        return e;
    }

    private static JsonNode call(String event, String tenant, String body, int status) {
        JsonNode response = Lambda.invoke(http(event, tenant, body));
        assertThat(response.get("statusCode").asInt()).as(response.toString()).isEqualTo(status);
        return Lambda.body(response);
    }

    private static String run(String thread, String tags) {
        return "{\"agent\":\"echo\",\"threadId\":\"" + thread + "\",\"maxSteps\":5,\"input\":{\"messages\":[{\"role\":\"user\",\"content\":\"what is 6 * 7\"}]}"
                + (tags == null ? "" : ",\"tags\":" + tags) + "}";
    }

    private static List<String> ids(JsonNode page) {
        List<String> out = new ArrayList<>();
        page.get("threads").forEach(t -> out.add(t.get("threadId").asText()));
        return out;
    }

    /** Every page of a listing over HTTP, following nextCursor. */
    private static List<String> all(String tenant, String filters) {
        List<String> out = new ArrayList<>();
        String cursor = null;
        do {
            String body = "{\"limit\":2" + (filters.isEmpty() ? "" : "," + filters) + (cursor == null ? "" : ",\"cursor\":\"" + cursor + "\"") + "}";
            JsonNode page = call("http-threads.json", tenant, body, 200);
            out.addAll(ids(page));
            cursor = page.hasNonNull("nextCursor") ? page.get("nextCursor").asText() : null;
        } while (cursor != null);
        return out;
    }

    @Test
    void twoTenantsListOnlyTheirOwnThreadsTaggedOnCreation() {
        call("http-run.json", "acme", run("web-a1", "{\"user\":\"u-42\"}"), 200);
        call("http-run.json", "acme", run("web-a2", "{\"user\":\"u-7\"}"), 200);
        call("http-run.json", "globex", run("web-g1", "{\"user\":\"u-42\"}"), 200);
        // The same tags again on the existing thread are accepted (a client may send them with every turn).
        call("http-run.json", "acme", run("web-a1", "{\"user\":\"u-42\"}"), 200);

        assertThat(all("acme", "")).contains("web-a1", "web-a2").doesNotContain("web-g1");
        assertThat(all("globex", "")).contains("web-g1").doesNotContain("web-a1", "web-a2");
        assertThat(all("acme", "\"tags\":{\"user\":\"u-42\"}")).containsExactly("web-a1");
        assertThat(all("globex", "\"tags\":{\"user\":\"u-42\"}")).containsExactly("web-g1");
        assertThat(all("acme", "\"status\":\"DONE\",\"agent\":\"echo\"")).contains("web-a1", "web-a2");
        assertThat(all("acme", "\"status\":[\"INTERRUPTED\",\"FAILED\"]")).doesNotContain("web-a1", "web-a2");

        JsonNode page = call("http-threads.json", "acme", "{\"tags\":{\"user\":\"u-42\"}}", 200);
        JsonNode entry = page.at("/threads/0");
        assertThat(entry.get("agent").asText()).isEqualTo("echo");
        assertThat(entry.get("status").asText()).isEqualTo("DONE");
        assertThat(entry.get("step").asLong()).isEqualTo(4);
        assertThat(entry.get("tags")).isEqualTo(Lambda.JSON.valueToTree(Map.of("user", "u-42")));
        assertThat(entry.get("updatedAt").asText()).endsWith("Z");

        // Another tenant's token cannot tag (or even find) the thread.
        JsonNode refused = call("http-tag.json", "globex", "{\"threadId\":\"web-a1\",\"set\":{\"user\":\"666\"}}", 404);
        assertThat(refused.at("/error/code").asText()).isEqualTo("THREAD_NOT_FOUND");
        JsonNode tagged = call("http-tag.json", "acme", "{\"threadId\":\"web-a1\",\"set\":{\"plan\":\"pro\"},\"remove\":[\"user\"]}", 200);
        assertThat(tagged.get("tags")).isEqualTo(Lambda.JSON.valueToTree(Map.of("plan", "pro")));
        assertThat(all("acme", "\"tags\":{\"user\":\"u-42\"}")).isEmpty();
        assertThat(all("acme", "\"tags\":{\"plan\":\"pro\"}")).containsExactly("web-a1");
    }

    @Test
    void badCursorsFiltersAndTagsAre400AndChangeNothing() {
        call("http-run.json", "acme", run("web-bad", "{\"user\":\"1\"}"), 200);
        for (String body : List.of("{\"cursor\":\"not-a-cursor\"}", "{\"cursor\":\"djE6eDp5\"}", "{\"status\":\"SLEEPING\"}",
                "{\"status\":7}", "{\"limit\":0}", "{\"limit\":101}", "{\"updatedSince\":\"yesterday\"}",
                "{\"updatedSince\":\"2026-12-02T00:00:00Z\",\"updatedBefore\":\"2026-12-01T00:00:00Z\"}", "{\"tags\":{\"User\":\"1\"}}",
                "{\"agent\":\"NOT AN AGENT\"}", "{\"threadId\":\"x\"}", "{\"tenant\":\"globex\"}")) {
            JsonNode error = call("http-threads.json", "acme", body, 400);
            assertThat(error.at("/error/code").asText()).as(body).isEqualTo("INVALID_INPUT");
        }
        ThreadKey thread = ThreadKey.of("acme", "web-bad");
        for (String body : List.of("{\"threadId\":\"web-bad\",\"set\":{\"user\":\"two words\"}}",
                "{\"threadId\":\"web-bad\",\"set\":{\"k1\":\"v\",\"k2\":\"v\",\"k3\":\"v\",\"k4\":\"v\",\"k5\":\"v\",\"k6\":\"v\",\"k7\":\"v\",\"k8\":\"v\",\"k9\":\"v\",\"k10\":\"v\"}}",
                "{\"threadId\":\"web-bad\",\"remove\":[\"Not A Key\"]}", "{\"threadId\":\"web-bad\"}")) {
            JsonNode error = call("http-tag.json", "acme", body, 400);
            assertThat(error.at("/error/code").asText()).as(body).isEqualTo("INVALID_INPUT");
            assertThat(error.at("/error/details/field").asText()).as(body).isIn("tags", "set");
        }
        assertThat(store.tags(thread).values()).isEqualTo(Map.of("user", "1"));
        // Other tags on a step of an existing thread: refused before anything runs.
        long steps = store.head(thread).orElseThrow().step();
        JsonNode refused = call("http-run.json", "acme", run("web-bad", "{\"user\":\"2\"}"), 400);
        assertThat(refused.at("/error/details/field").asText()).isEqualTo("tags");
        assertThat(store.head(thread).orElseThrow().step()).isEqualTo(steps);
        // Bad tags on a new thread: nothing is created.
        call("http-run.json", "acme", run("web-never", "{\"user\":\"bad value\"}"), 400);
        assertThat(store.head(ThreadKey.of("acme", "web-never"))).isEmpty();
    }

    @Test
    void theDirectFunctionsAnswerTheSampleEvents() {
        ObjectNode step = Lambda.echoEvent("step.json");
        step.put("threadId", "direct-tagged").remove("idempotencyKey");
        JsonNode stepped = JSON.valueToTree(direct.step(step));
        assertThat(stepped.has("error")).as(stepped.toString()).isFalse();
        ObjectNode tag = Lambda.event("tag.json");
        tag.put("threadId", "direct-tagged");
        JsonNode tagged = JSON.valueToTree(direct.tag(tag));
        assertThat(tagged.get("tags")).as(tagged.toString()).isEqualTo(Lambda.JSON.valueToTree(Map.of("user", "42", "channel", "web")));
        ObjectNode threads = Lambda.event("threads.json");
        threads.remove("status");
        JsonNode listed = JSON.valueToTree(direct.threads(threads));
        assertThat(ids(listed)).as(listed.toString()).contains("direct-tagged");
        assertThat(store.threads("acme", ThreadQuery.tagged("channel", "web", 100)).threads())
                .extracting(t -> t.threadId()).contains("direct-tagged");
        ObjectNode bad = Lambda.event("threads.json");
        bad.put("cursor", "%%%");
        JsonNode error = JSON.valueToTree(direct.threads(bad));
        assertThat(error.at("/error/code").asText()).isEqualTo("INVALID_INPUT");
        assertThat(error.at("/error/details/field").asText()).isEqualTo("cursor");
    }
}
