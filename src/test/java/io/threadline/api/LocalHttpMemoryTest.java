package io.threadline.api;

import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.TestProfile;
import io.restassured.RestAssured;
import io.restassured.http.ContentType;
import io.restassured.response.ValidatableResponse;
import org.eclipse.microprofile.config.ConfigProvider;
import org.junit.jupiter.api.Test;

import java.time.Instant;

import static org.hamcrest.Matchers.contains;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.hasSize;
import static org.hamcrest.Matchers.nullValue;

/** README "Long-term memory": the memory curl lines over the local HTTP server, as written. */
@QuarkusTest
@TestProfile(Exports.LocalWithMemory.class)
class LocalHttpMemoryTest {

    private static ValidatableResponse post(String path, String body) {
        int port = ConfigProvider.getConfig().getOptionalValue("quarkus.http.test-port", Integer.class)
                .orElse(8081);
        return RestAssured.given().port(port).contentType(ContentType.JSON).body(body).post(path).then();
    }

    /** README, "Corrections and validity in time": the four curl lines, then the same search as of before the correction. */
    @Test
    void aCorrectionSupersedesAndTheHistoryShowsTheChainAsTheReadmeShows() {
        String before = Instant.now().toString();
        post("/memory-put", "{\"id\":\"ada-city-1\",\"namespace\":\"people/ada\",\"content\":\"Ada lives in Paris\"}")
                .statusCode(200).body("memory.id", equalTo("ada-city-1"));
        String between = Instant.now().toString();
        post("/memory-put", "{\"id\":\"ada-city-2\",\"namespace\":\"people/ada\",\"content\":\"Ada lives in Berlin\",\"supersedes\":[\"ada-city-1\"],"
                + "\"validFrom\":\"2026-11-01T00:00:00Z\"}")
                .statusCode(200).body("merged", equalTo(false)).body("memory.supersedes", contains("ada-city-1"))
                .body("memory.validFrom", equalTo("2026-11-01T00:00:00Z"));
        post("/memory-search", "{\"query\":\"where does Ada live\",\"namespace\":\"people/ada\"}")
                .statusCode(200).body("memories.id", contains("ada-city-2"));
        post("/memory-history", "{\"id\":\"ada-city-1\"}")
                .statusCode(200).body("memories.id", contains("ada-city-1", "ada-city-2"))
                .body("memories[0].supersededBy", equalTo("ada-city-2"))
                .body("memories[1].supersededBy", nullValue());
        post("/memory-search", "{\"query\":\"where does Ada live\",\"namespace\":\"people/ada\",\"asOf\":\"" + between + "\"}")
                .statusCode(200).body("memories.id", contains("ada-city-1"));
        post("/memory-search", "{\"query\":\"where does Ada live\",\"namespace\":\"people/ada\",\"asOf\":\"" + before + "\"}")
                .statusCode(200).body("memories", hasSize(0));
        post("/memory-search", "{\"query\":\"where does Ada live\",\"namespace\":\"people/ada\",\"validAt\":\"2026-10-01T00:00:00Z\"}")
                .statusCode(200).body("memories", hasSize(0));
        post("/memory-history", "{\"id\":\"never-written\"}").statusCode(200).body("memories", hasSize(0));
    }

    /** README, "Forgetting": the curl line, forgetting by a subject tag; again, nothing; a bad selection, refused. */
    @Test
    void forgetRemovesTheMemoriesOfASubjectAsTheReadmeShows() {
        post("/memory-put", "{\"namespace\":\"notes\",\"content\":\"user 42 likes tea\",\"metadata\":{\"user\":\"42\"}}").statusCode(200);
        post("/memory-put", "{\"namespace\":\"notes\",\"content\":\"user 7 likes coffee\",\"metadata\":{\"user\":\"7\"}}").statusCode(200);
        post("/memory-forget", "{\"metadata\":{\"user\":\"42\"}}")
                .statusCode(200).body("removed", equalTo(1)).body("ids", hasSize(1)).body("selection", equalTo("metadata user=42"));
        post("/memory-forget", "{\"metadata\":{\"user\":\"42\"}}").statusCode(200).body("removed", equalTo(0));
        post("/memory-search", "{\"query\":\"who likes tea or coffee\",\"namespace\":\"notes\"}")
                .statusCode(200).body("memories.content", contains("user 7 likes coffee"));
        post("/memory-forget", "{\"threadId\":\"never-ran\"}").statusCode(200).body("removed", equalTo(0))
                .body("selection", equalTo("thread=never-ran"));
        post("/memory-forget", "{}").statusCode(400).body("error.code", equalTo("INVALID_INPUT"));
        post("/memory-forget", "{\"threadId\":\"t\",\"metadata\":{\"user\":\"7\"}}").statusCode(400)
                .body("error.code", equalTo("INVALID_INPUT"));
        post("/memory-forget", "{\"metadata\":{}}").statusCode(400).body("error.details.field", equalTo("metadata"));
        post("/memory-forget", "{\"threadId\":\"../x\"}").statusCode(400).body("error.details.field", equalTo("threadId"));
        post("/memory-search", "{\"query\":\"who likes tea or coffee\",\"namespace\":\"notes\"}")
                .statusCode(200).body("memories.content", contains("user 7 likes coffee"));
    }

    @Test
    void badCorrectionsAndTimesAreInvalidInputNamingTheField() {
        post("/memory-put", "{\"namespace\":\"people/bob\",\"content\":\"Bob lives in Rome\",\"supersedes\":[\"nothing-here\"]}")
                .statusCode(400).body("error.code", equalTo("INVALID_INPUT")).body("error.details.field", equalTo("supersedes"));
        post("/memory-put", "{\"namespace\":\"people/bob\",\"content\":\"Bob lives in Rome\",\"validFrom\":\"yesterday\"}")
                .statusCode(400).body("error.code", equalTo("INVALID_INPUT")).body("error.details.field", equalTo("validFrom"));
        post("/memory-put", "{\"namespace\":\"people/bob\",\"content\":\"Bob lives in Rome\",\"validFrom\":\"2026-01-02T00:00:00Z\","
                + "\"validTo\":\"2026-01-01T00:00:00Z\"}")
                .statusCode(400).body("error.code", equalTo("INVALID_INPUT")).body("error.details.field", equalTo("validTo"));
        post("/memory-search", "{\"query\":\"Bob\",\"asOf\":\"soon\"}")
                .statusCode(400).body("error.code", equalTo("INVALID_INPUT")).body("error.details.field", equalTo("asOf"));
        post("/memory-history", "{}").statusCode(400).body("error.code", equalTo("INVALID_INPUT"));
        post("/memory-history", "{\"id\":\"bad id\"}").statusCode(400).body("error.details.field", equalTo("id"));
        post("/memory-search", "{\"query\":\"Bob lives in Rome\"}").statusCode(200).body("memories", hasSize(0));
    }
}
