package io.threadline.api;

import io.threadline.checkpoint.ThreadKey;

import java.time.Instant;

/**
 * Who is calling and until when: the tenant (from a verified token over HTTP, from the payload of
 * a direct invocation) and the deadline of the invocation, when known.
 */
public record Caller(String tenant, boolean http, Instant deadline) {

    /** The caller's own thread of that id (required): another tenant's thread of the same id is out of reach. */
    ThreadKey thread(String threadId) {
        return ThreadKey.of(tenant, RequestReader.required(threadId, "threadId"));
    }

    /** Who a request acts for, as a run's record and history name them: the tenant and, when given, the caller's own label. */
    String who(String by) {
        return "tenant " + tenant + (by == null ? "" : " (" + by + ")");
    }
}
