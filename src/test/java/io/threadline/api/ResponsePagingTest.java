package io.threadline.api;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.TestProfile;
import io.threadline.ThreadlineException;
import io.threadline.checkpoint.CheckpointId;
import io.threadline.examples.reference.AgentState;
import io.threadline.examples.reference.AgentTools;
import io.threadline.examples.reference.Message;
import io.threadline.examples.reference.ReferenceAgent;
import io.threadline.checkpoint.CheckpointStore;
import io.threadline.checkpoint.ThreadKey;
import io.threadline.runtime.RecordedThread;
import io.threadline.runtime.ReplayReport;
import io.threadline.runtime.RunBudget;
import io.threadline.runtime.ThreadRuntime;
import io.threadline.state.StateCodec;
import io.threadline.state.Update;
import jakarta.inject.Inject;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * history and export of threads larger than one answer ({@code threadline.api.max-response-bytes}, here
 * {@value #BUDGET} bytes), over API Gateway: every answer, proxy response included, stays under the budget;
 * the pages, following {@code nextCursor}, join to exactly what one unbounded answer holds; the joined export
 * replays; a bad cursor is INVALID_INPUT.
 */
@QuarkusTest
@TestProfile(Exports.HttpSmallResponses.class)
class ResponsePagingTest {

    static final int BUDGET = 40_000;

    private static final Caller ACME = new Caller("acme", false, null);

    @Inject
    ThreadRuntime<AgentState> runtime;

    @Inject
    ThreadReadOperations reads;

    @Inject
    CheckpointStore store;

    @Inject
    StateCodec codec;

    /** A conversation of {@code turns} runs, each asking to count {@code words} words. */
    private ThreadKey talk(String threadId, int turns, int words) {
        ThreadKey thread = ThreadKey.of("acme", threadId);
        for (int turn = 0; turn < turns; turn++) {
            StringBuilder text = new StringBuilder("count the words in");
            for (int w = 0; w < words; w++) {
                text.append(" word").append(turn).append('-').append(w);
            }
            runtime.run(thread, Update.of(AgentState.MESSAGES.append(Message.user(text.toString()))), RunBudget.steps(5));
        }
        return thread;
    }

    /** Every page of {@code operation} over API Gateway, following nextCursor; each answer checked against the budget. */
    private static List<JsonNode> pages(String operation, String request) {
        List<JsonNode> pages = new ArrayList<>();
        ObjectNode body = (ObjectNode) read(request);
        do {
            ObjectNode event = Lambda.event("http-" + operation + ".json");
            event.put("body", body.toString());
            JsonNode answer = Lambda.invoke(event);
            assertThat(answer.get("statusCode").asInt()).as(answer.toString()).isEqualTo(200);
            // What Lambda answers: the proxy response, the body a JSON string in it.
            assertThat(answer.toString().getBytes(StandardCharsets.UTF_8).length).as(operation + " page " + pages.size())
                    .isLessThanOrEqualTo(BUDGET);
            JsonNode page = read(answer.get("body").asText());
            pages.add(page);
            body.put("cursor", page.path("nextCursor").asText(null));
        } while (!body.get("cursor").isNull());
        return pages;
    }

    private static JsonNode read(String json) {
        try {
            return Lambda.JSON.readTree(json);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** An answer as callers read it: written like the HTTP function writes it, read back. */
    private JsonNode asRead(Object reply) {
        try {
            return read(codec.mapper().writeValueAsString(reply));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static List<JsonNode> joined(List<JsonNode> pages, String field) {
        List<JsonNode> all = new ArrayList<>();
        pages.forEach(p -> p.get(field).forEach(all::add));
        return all;
    }

    /** Every checkpoint once, newest first, each entry exactly as one unbounded answer has it (compared quietly: they are large). */
    private static void assertSameEntries(List<JsonNode> joined, JsonNode unbounded) {
        assertThat(joined).extracting(e -> e.at("/checkpoint/checkpointId").asText())
                .containsExactlyElementsOf(unbounded.findValuesAsText("checkpointId"));
        for (int i = 0; i < joined.size(); i++) {
            assertThat(joined.get(i).has("truncated")).as("entry %d truncated", i).isFalse();
            assertThat(joined.get(i).equals(unbounded.get(i))).as("entry %d as unbounded", i).isTrue();
        }
    }

    @Test
    void historyLargerThanAnAnswerComesInPagesThatJoinToTheWholeHistory() {
        talk("paged-history", 8, 40);
        JsonNode unbounded = asRead(reads.history(ACME, new Requests.History(null, null, "paged-history", 100, null), Long.MAX_VALUE));
        assertThat(unbounded.has("nextCursor")).isFalse();
        assertThat(unbounded.toString().length()).as("the whole history is larger than one answer").isGreaterThan(2 * BUDGET);

        List<JsonNode> pages = pages("history", "{\"threadId\":\"paged-history\",\"limit\":100}");

        assertThat(pages).hasSizeGreaterThan(2);
        assertSameEntries(joined(pages, "checkpoints"), unbounded.get("checkpoints"));
        // A smaller limit still bounds the page, and the cursor of a byte-bounded page works with any limit.
        JsonNode two = pages("history", "{\"threadId\":\"paged-history\",\"limit\":2}").get(0);
        assertThat(two.get("checkpoints")).hasSize(2);
    }

    @Test
    void aCheckpointLargerThanAnAnswerComesWithoutItsLargeParts() {
        // A normal turn, then a message far larger than an answer may be, added as an update of its own.
        ThreadKey thread = talk("one-huge-step", 1, 3);
        runtime.update(thread, Update.of(AgentState.MESSAGES.append(Message.user("pasted: " + "lorem ipsum ".repeat(6_000) + "the end"))),
                "a pasted document");
        JsonNode unbounded = asRead(reads.history(ACME, new Requests.History(null, null, "one-huge-step", 100, null), Long.MAX_VALUE));

        List<JsonNode> pages = pages("history", "{\"threadId\":\"one-huge-step\",\"limit\":100}");

        List<JsonNode> entries = joined(pages, "checkpoints");
        assertThat(entries).extracting(e -> e.at("/checkpoint/checkpointId").asText())
                .containsExactlyElementsOf(unbounded.get("checkpoints").findValuesAsText("checkpointId"));
        JsonNode cut = entries.stream().filter(e -> e.has("truncated")).findFirst().orElseThrow();
        assertThat(cut.get("truncated")).extracting(JsonNode::asText).containsExactly("change", "diff");
        cut.get("truncated").forEach(part -> assertThat(cut.has(part.asText())).isFalse());
        assertThat(cut.get("hint").asText()).contains("`state`", "checkpointId", "`export`");
        for (int i = 0; i < entries.size(); i++) {
            if (!entries.get(i).has("truncated")) {
                assertThat(entries.get(i).equals(unbounded.get("checkpoints").get(i))).as("entry %d as unbounded", i).isTrue();
            }
        }
        // What was left out is there for the asking: the state at that checkpoint.
        String id = cut.at("/checkpoint/checkpointId").asText();
        assertThat(runtime.stateAt(thread, CheckpointId.parse(id)).state().messages()).last()
                .extracting(Message::content).asString().endsWith("the end");

        // An export cannot cut a checkpoint (a replay needs all of it): the pages before it come, then
        // the one that would hold it alone is refused, plainly.
        ObjectNode export = Lambda.event("http-export.json");
        export.put("body", "{\"threadId\":\"one-huge-step\"}");
        JsonNode before = read(Lambda.invoke(export).get("body").asText());
        assertThat(before.get("nextCursor").asText()).isEqualTo(entries.get(1).at("/checkpoint/checkpointId").asText());
        export.put("body", "{\"threadId\":\"one-huge-step\",\"cursor\":\"" + before.get("nextCursor").asText() + "\"}");
        JsonNode refused = Lambda.invoke(export);
        assertThat(refused.get("statusCode").asInt()).isEqualTo(413);
        assertThat(read(refused.get("body").asText()).at("/error/message").asText())
                .contains(id, "threadline.api.max-response-bytes", "RecordedThread.of(store, thread).write(file)");
    }

    @Test
    void exportLargerThanAnAnswerComesInPagesThatJoinAndReplay(@TempDir Path dir) throws IOException {
        ThreadKey thread = talk("paged-export", 8, 40);
        String whole = RecordedThread.of(store, thread).toJson();
        assertThat(whole.length()).as("the recording is larger than one answer").isGreaterThan(2 * BUDGET);

        List<JsonNode> pages = pages("export", "{\"threadId\":\"paged-export\"}");

        assertThat(pages).hasSizeGreaterThan(2);
        // Each page a document of the format; written one after the other they read as the whole recording.
        Path file = dir.resolve("paged-export.json");
        for (JsonNode page : pages) {
            assertThat(page.at("/thread/format").asText()).isEqualTo(RecordedThread.FORMAT);
            Files.writeString(file, page.get("thread").toString() + "\n", StandardOpenOption.CREATE, StandardOpenOption.APPEND);
        }
        RecordedThread read = RecordedThread.read(file);
        assertThat(read.toJson()).isEqualTo(whole);
        List<String> texts = pages.stream().map(p -> p.get("thread").toString()).toList();
        assertThat(RecordedThread.join(texts).toJson()).isEqualTo(whole);
        assertThat(read.replayAll(ReferenceAgent.graph(), new AgentTools()))
                .isNotEmpty().extracting(ReplayReport::verdict).containsOnly(ReplayReport.Verdict.SAME);

        // Pages joined twice or out of order are refused, not read as another thread.
        assertThatThrownBy(() -> RecordedThread.join(List.of(texts.get(1), texts.get(0))))
                .isInstanceOf(ThreadlineException.class).hasMessageContaining("in the order they were answered");
        assertThatThrownBy(() -> RecordedThread.join(List.of(texts.get(0), texts.get(0))))
                .isInstanceOf(ThreadlineException.class).hasMessageContaining("once each");
    }

    @Test
    void aSmallThreadIsStillOneAnswer() {
        talk("small-export", 1, 3);
        ObjectNode export = Lambda.event("http-export.json");
        export.put("body", "{\"threadId\":\"small-export\"}");
        JsonNode answer = read(Lambda.invoke(export).get("body").asText());
        assertThat(answer.has("nextCursor")).isFalse();
        assertThat(answer.at("/thread/checkpoints")).hasSize(RecordedThread.of(store, ThreadKey.of("acme", "small-export")).checkpoints().size());
    }

    @Test
    void badCursorsAreInvalidInput() {
        talk("cursors", 1, 3);
        String other = RecordedThread.of(store, talk("cursors-other", 1, 3)).checkpoints().get(0).id().value();
        for (String[] call : new String[][] {
                {"history", "{\"threadId\":\"cursors\",\"cursor\":\"not-a-cursor\"}", "cursor"},
                {"export", "{\"threadId\":\"cursors\",\"cursor\":\"not-a-cursor\"}", "not a checkpoint id"},
                {"export", "{\"threadId\":\"cursors\",\"cursor\":\"" + other + "\"}", "no retained checkpoint of this thread"}}) {
            ObjectNode event = Lambda.event("http-" + call[0] + ".json");
            event.put("body", call[1]);
            JsonNode answer = Lambda.invoke(event);
            assertThat(answer.get("statusCode").asInt()).as(answer.toString()).isEqualTo(400);
            JsonNode error = read(answer.get("body").asText()).get("error");
            assertThat(error.get("code").asText()).isEqualTo("INVALID_INPUT");
            assertThat(error.get("message").asText()).contains(call[2]);
            assertThat(error.at("/details/field").asText()).isEqualTo("cursor");
        }
    }
}
