package io.threadline.api;

import com.fasterxml.jackson.databind.JsonNode;

/**
 * What callers send. {@code tenant} is read only from direct (IAM-authorized) invocations; over
 * HTTP the tenant comes from the caller's token and a {@code tenant} field is refused.
 */
public final class Requests {

    private Requests() {
    }

    /** One step; {@code input} is a partial update of the state, e.g. {@code {"messages": [{…}]}}. */
    public record Step(String tenant, String threadId, JsonNode input, String idempotencyKey) {}

    /** Steps until the run ends or the budget is spent; {@code maxSteps} defaults to the configured limit. */
    public record Run(String tenant, String threadId, JsonNode input, Integer maxSteps) {}

    /** The latest state, or the state at {@code checkpointId}. */
    public record State(String tenant, String threadId, String checkpointId) {}

    /** A page of history, newest first. */
    public record History(String tenant, String threadId, Integer limit, String cursor) {}
}
