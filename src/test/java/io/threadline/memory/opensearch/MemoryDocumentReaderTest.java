package io.threadline.memory.opensearch;

import com.fasterxml.jackson.core.JacksonException;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.threadline.memory.MemoryRecord;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.time.Instant;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** A search hit's document read field by field gives what Jackson's data binding gave, for every document the store writes. */
class MemoryDocumentReaderTest {

    private static final ObjectMapper MAPPER = OpenSearchClients.objectMapper();
    private static final Instant T0 = Instant.parse("2026-12-07T10:00:00.123456Z");

    private static MemoryDocument read(String json) throws IOException {
        try (JsonParser p = MAPPER.getFactory().createParser(json)) {
            p.nextToken();
            MemoryDocument doc = MemoryDocumentReader.read(p);
            assertThat(p.nextToken()).as("nothing left after the document").isNull();
            return doc;
        }
    }

    @Test
    void everyFieldReadsAsDataBindingReadsIt() throws IOException {
        List<MemoryRecord> records = List.of(
                new MemoryRecord("m-1", "t-0", "ns/1", "vector 1", new float[] {0.1f, -0.25f, 3.4028235e38f, 1.4e-45f}, "fact", 0.5,
                        T0, T0.plusSeconds(5), null, null, null, "sha", Map.of()),
                new MemoryRecord("m-2", "t/1", "people/ada", "ada lives in \"berlin\" ✓", new float[] {1f}, "preference", 0.9,
                        T0, T0, T0.plusSeconds(3600), "thread-1", "cp-7", 4L, "remember", "effect-3", "sha2",
                        Map.of("city", "berlin", "k=", "v"), T0.minusSeconds(86_400), T0.plusSeconds(86_400), T0.plusSeconds(60),
                        "m-3", List.of("m-0", "m-00")));
        for (MemoryRecord record : records) {
            String json = MAPPER.writeValueAsString(MemoryDocument.of(record));
            MemoryDocument bound = MAPPER.readValue(json, MemoryDocument.class);
            MemoryDocument read = read(json);
            assertThat(MAPPER.writeValueAsString(read)).isEqualTo(MAPPER.writeValueAsString(bound));
            assertThat(read.embedding()).containsExactly(record.embedding());
            assertThat(read.toRecord()).usingRecursiveComparison().isEqualTo(bound.toRecord());
        }
    }

    @Test
    void missingAndUnknownFieldsAndCoercedScalarsReadAsDataBindingReadsThem() throws IOException {
        String json = "{\"id\":\"m\",\"tenant\":\"t\",\"namespace\":\"ns\",\"content\":\"c\",\"future\":{\"a\":[1,2]},"
                + "\"importance\":\"0.25\",\"createdAt\":\"2026-12-07T10:00:00Z\",\"accessedAt\":\"2026-12-07T10:00:00Z\","
                + "\"sourceStep\":\"7\",\"expiry\":12.9,\"metadata\":{},\"supersedes\":null}";
        assertThat(MAPPER.writeValueAsString(read(json))).isEqualTo(MAPPER.writeValueAsString(MAPPER.readValue(json, MemoryDocument.class)));
    }

    @Test
    void aValueOfTheWrongShapeIsAParseError() {
        assertThatThrownBy(() -> read("{\"id\":{\"nested\":1}}")).isInstanceOf(JacksonException.class);
        assertThatThrownBy(() -> read("{\"importance\":\"high\"}")).isInstanceOf(JacksonException.class);
        assertThatThrownBy(() -> read("{\"metadata\":[\"a\"]}")).isInstanceOf(JacksonException.class);
        assertThatThrownBy(() -> read("[1]")).isInstanceOf(JacksonException.class);
    }
}
