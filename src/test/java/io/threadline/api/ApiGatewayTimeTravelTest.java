package io.threadline.api;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.TestProfile;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Human in the loop and time travel over API Gateway events (events/http-*.json), each call its own
 * Lambda invocation: the reference agent asks before running a tool, the thread waits INTERRUPTED,
 * a later invocation resumes it; fork, rewind, update and history with diffs.
 */
@QuarkusTest
@TestProfile(Exports.HttpWithApproval.class)
class ApiGatewayTimeTravelTest {

    private static JsonNode body(JsonNode response) {
        return Lambda.body(response);
    }

    private static JsonNode call(String event, String body) {
        ObjectNode e = Lambda.event(event);
        e.put("body", body);
        return Lambda.invoke(e);
    }

    private static JsonNode ok(JsonNode response) {
        assertThat(response.get("statusCode").asInt()).as(response.toString()).isEqualTo(200);
        return body(response);
    }

    @Test
    void aToolCallWaitsForApprovalAndALaterInvocationResumesIt() {
        JsonNode run = ok(call("http-run.json", "{\"threadId\":\"approve-1\",\"input\":{\"messages\":[{\"role\":\"user\",\"content\":\"what is 6 * 7\"}]}}"));
        assertThat(run.get("stopReason").asText()).isEqualTo("INTERRUPTED");
        JsonNode waiting = run.get("steps").get(run.get("steps").size() - 1);
        assertThat(waiting.get("status").asText()).isEqualTo("INTERRUPTED");
        assertThat(waiting.at("/interrupt/node").asText()).isEqualTo("execute");
        assertThat(waiting.at("/interrupt/payload/toolCalls/0").asText()).contains("calculator");

        JsonNode stepped = call("http-step.json", "{\"threadId\":\"approve-1\"}");
        assertThat(stepped.get("statusCode").asInt()).isEqualTo(409);
        assertThat(body(stepped).at("/error/code").asText()).isEqualTo("INTERRUPTED");

        JsonNode resumed = ok(call("http-resume.json", "{\"threadId\":\"approve-1\",\"value\":{\"approved\":true}}"));
        assertThat(resumed.at("/checkpoint/nodes/0").asText()).isEqualTo("execute");
        assertThat(resumed.at("/state/toolOutputs/calculator").asText()).isEqualTo("42");
        JsonNode done = ok(call("http-run.json", "{\"threadId\":\"approve-1\"}"));
        assertThat(done.get("stopReason").asText()).isEqualTo("DONE");
        assertThat(done.at("/state/messages").findValuesAsText("content").toString()).contains("42");

        JsonNode again = call("http-resume.json", "{\"threadId\":\"approve-1\",\"value\":true}");
        assertThat(again.get("statusCode").asInt()).isEqualTo(409);
        assertThat(body(again).at("/error/message").asText()).contains("is not interrupted");
    }

    @Test
    void aDeclinedToolCallIsNotRun() {
        ok(call("http-run.json", "{\"threadId\":\"approve-2\",\"input\":{\"messages\":[{\"role\":\"user\",\"content\":\"what is 2 + 2\"}]}}"));
        JsonNode resumed = ok(Lambda.invoke(Lambda.eventText("http-resume.json").replace("web-1", "approve-2")
                .replace("\\\"approved\\\": true", "\\\"approved\\\": false")));
        assertThat(resumed.at("/state/toolOutputs").has("calculator")).isFalse();
        assertThat(resumed.at("/state/lastDecision").asText()).contains("declined");
    }

    @Test
    void forkRewindUpdateAndHistoryWithDiffs() {
        JsonNode run = ok(call("http-run.json", "{\"threadId\":\"web-1\",\"input\":{\"messages\":[{\"role\":\"user\",\"content\":\"hello\"}]}}"));
        String first = run.at("/steps/0/checkpointId").asText();

        JsonNode history = ok(Lambda.invoke(Lambda.eventText("http-history.json")));
        JsonNode firstEntry = history.get("checkpoints").get(history.get("checkpoints").size() - 1);
        assertThat(firstEntry.get("diff").isArray()).isTrue();
        assertThat(firstEntry.get("diff").toString()).contains("/messages");

        JsonNode fork = ok(call("http-fork.json", Lambda.event("http-fork.json").get("body").asText().replace("01KAVZ0000000000000000000A", first)));
        assertThat(fork.at("/checkpoint/threadId").asText()).isEqualTo("web-1-what-if");
        assertThat(fork.at("/checkpoint/metadata/forkOf").asText()).isEqualTo("web-1@" + first);
        JsonNode forkAgain = call("http-fork.json", Lambda.event("http-fork.json").get("body").asText().replace("01KAVZ0000000000000000000A", first));
        assertThat(forkAgain.get("statusCode").asInt()).isEqualTo(409);

        JsonNode updated = ok(Lambda.invoke(Lambda.eventText("http-update.json")));
        assertThat(updated.at("/checkpoint/metadata/by").asText()).isEqualTo("external");
        assertThat(updated.at("/checkpoint/metadata/reason").asText()).isEqualTo("operator corrected the task");
        assertThat(updated.at("/state/currentTask").asText()).isEqualTo("what is 6 * 8");
        JsonNode invalid = call("http-update.json", "{\"threadId\":\"web-1\",\"input\":{\"retryCount\":99},\"reason\":\"too many\"}");
        assertThat(invalid.get("statusCode").asInt()).isEqualTo(422);

        JsonNode rewound = ok(call("http-rewind.json", Lambda.event("http-rewind.json").get("body").asText().replace("01KAVZ0000000000000000000A", first)));
        assertThat(rewound.at("/checkpoint/metadata/rewoundTo").asText()).isEqualTo(first);
        assertThat(rewound.get("state").get("currentTask").asText()).isEqualTo("hello");
        JsonNode unknown = Lambda.invoke(Lambda.eventText("http-rewind.json"));
        assertThat(unknown.get("statusCode").asInt()).isEqualTo(404);
    }
}
