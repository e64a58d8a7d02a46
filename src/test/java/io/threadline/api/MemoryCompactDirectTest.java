package io.threadline.api;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.TestProfile;
import io.threadline.config.MemoryStores;
import io.threadline.memory.MemoryWrite;
import jakarta.inject.Inject;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.time.Instant;
import java.util.UUID;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The deployed memory-compact function (QUARKUS_FUNQY_EXPORT=memory-compact) on the real OpenSearch node, sent the
 * sample events as {@code sam local invoke -e} would: events/memory-compact.json starts a merge, its task polls it.
 */
@QuarkusTest
@TestProfile(Exports.MemoryCompact.class)
class MemoryCompactDirectTest {

    @Inject
    MemoryStores memory;

    @Test
    void theSampleEventsStartAMergeAndPollItUntilItIsOver() throws Exception {
        String run = UUID.randomUUID().toString().substring(0, 8);
        for (String w : new String[] {"alpha", "bravo", "charlie"}) {
            memory.required().put(MemoryWrite.of("compact-" + run, "notes", w + " was said " + run), Instant.now());
        }
        JsonNode started = Lambda.invoke(Lambda.eventText("memory-compact.json"));
        assertThat(started.has("error")).as(started.toString()).isFalse();
        assertThat(started.get("maxSegments").asInt()).isEqualTo(1);
        // Three writes, each refreshed, each leave a segment of their own (three are far below the merge policy's
        // ten per tier, so the node does not merge them by itself): there is a merge to start and to poll.
        assertThat(started.get("segmentsBefore").asInt()).as(started.toString()).isGreaterThanOrEqualTo(3);
        assertThat(started.get("done").asBoolean()).as(started.toString()).isFalse();
        ObjectNode poll = Lambda.event("memory-compact-poll.json");
        poll.put("task", started.get("task").asText());
        long until = System.nanoTime() + Duration.ofSeconds(60).toNanos();
        JsonNode asked = Lambda.invoke(poll);
        while (!asked.path("done").asBoolean()) {
            assertThat(asked.has("error")).as(asked.toString()).isFalse();
            assertThat(System.nanoTime()).as("merged within a minute").isLessThan(until);
            Thread.sleep(200);
            asked = Lambda.invoke(poll);
        }
        assertThat(asked.get("segments").asInt()).isEqualTo(1);
        // The sample poll's task is a well-formed id the node does not know: judged by the segments (a scheduled refresh
        // may have added one since), so asked with room to spare it is over.
        ObjectNode lost = Lambda.event("memory-compact-poll.json");
        lost.put("maxSegments", 100);
        JsonNode unknown = Lambda.invoke(lost);
        assertThat(unknown.has("error")).as(unknown.toString()).isFalse();
        assertThat(unknown.get("done").asBoolean()).isTrue();

        ObjectNode bad = Lambda.event("memory-compact.json");
        bad.put("maxSegments", 0);
        JsonNode refused = Lambda.invoke(bad);
        assertThat(refused.at("/error/code").asText()).isEqualTo("INVALID_INPUT");
        assertThat(refused.at("/error/details/field").asText()).isEqualTo("maxSegments");
    }
}
