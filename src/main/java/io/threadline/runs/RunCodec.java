package io.threadline.runs;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.datatype.jsr310.JavaTimeModule;

/** A run record as JSON text, as stores keep it (times as ISO-8601 strings). */
public final class RunCodec {

    private static final ObjectMapper JSON = new ObjectMapper().registerModule(new JavaTimeModule())
            .disable(SerializationFeature.WRITE_DATES_AS_TIMESTAMPS).disable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES);

    private RunCodec() {
    }

    public static String write(Run run) {
        try {
            return JSON.writeValueAsString(run);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("a run record is always JSON", e);
        }
    }

    public static Run read(String json) {
        try {
            return JSON.readValue(json, Run.class);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("unreadable run record: " + e.getMessage(), e);
        }
    }
}
