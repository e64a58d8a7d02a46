package io.threadline.api;

import java.time.Instant;

/**
 * Who is calling and until when: the tenant (from a verified token over HTTP, from the payload of
 * a direct invocation) and the deadline of the invocation, when known.
 */
public record Caller(String tenant, boolean http, Instant deadline) {}
