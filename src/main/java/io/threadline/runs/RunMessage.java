package io.threadline.runs;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.threadline.ErrorCode;
import io.threadline.Sha256;
import io.threadline.ThreadlineException;
import io.threadline.checkpoint.ThreadKey;

import java.util.Map;

/**
 * One message of a background run: "run step {@code step} of run {@code runId} on this thread". The step
 * number makes a redelivered or duplicated message harmless: the worker finds that step committed and
 * changes nothing.
 *
 * @param agent the agent the thread belongs to ({@code null}: the deployment's default)
 */
public record RunMessage(String tenant, String threadId, String agent, String runId, long step) {

    private static final ObjectMapper JSON = new ObjectMapper();

    public ThreadKey thread() {
        return ThreadKey.of(tenant, threadId);
    }

    /**
     * The queue's ordering group: one per thread, so a thread's messages are delivered one at a time and in
     * order (a FIFO queue's message group). A digest, as group ids are at most 128 characters.
     */
    public String groupId() {
        return Sha256.hex(tenant + "/" + threadId);
    }

    /**
     * The queue's deduplication id: thread, run and step. The run is part of it because a run started after a
     * rollback numbers its steps again from where the thread went back to.
     */
    public String deduplicationId() {
        return Sha256.hex(tenant + "/" + threadId + "/" + runId + "/" + step);
    }

    public String toJson() {
        try {
            return JSON.writeValueAsString(this);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException(e);
        }
    }

    /** A message body as {@link #toJson} wrote it; anything else is {@code INVALID_INPUT} (a poison message). */
    public static RunMessage fromJson(String body) {
        try {
            RunMessage m = JSON.readValue(body, RunMessage.class);
            if (m.runId() == null || m.step() < 1) {
                throw new IllegalArgumentException("runId and a step of at least 1 are required");
            }
            m.thread();
            return m;
        } catch (JsonProcessingException | IllegalArgumentException e) {
            throw new ThreadlineException(ErrorCode.INVALID_INPUT, "not a run message: " + e.getMessage(), Map.of("field", "body"));
        }
    }
}
