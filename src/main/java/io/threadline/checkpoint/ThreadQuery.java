package io.threadline.checkpoint;

import io.threadline.ErrorCode;
import io.threadline.ThreadlineException;

import java.time.Instant;
import java.util.Arrays;
import java.util.Collections;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.regex.Pattern;

/**
 * A page of a tenant's threads, newest activity first ({@link CheckpointStore#threads}): at most {@code limit}
 * threads after {@code cursor}, keeping only those that match every filter given.
 *
 * @param limit         1 to {@link #MAX_LIMIT}
 * @param cursor        {@code null} for the first page, else a {@link ThreadPage#nextCursor()} (opaque)
 * @param agent         only threads of this agent; {@code null} for any
 * @param statuses      only threads whose head has one of these statuses (names of {@link Status}, so a status
 *                      added to the enum is accepted here unchanged); empty for any
 * @param updatedSince  only threads whose last step committed at or after this; {@code null} for no bound
 * @param updatedBefore only threads whose last step committed before this; {@code null} for no bound
 * @param tags          only threads holding every one of these tags; empty for any
 */
public record ThreadQuery(int limit, String cursor, String agent, Set<String> statuses, Instant updatedSince,
                          Instant updatedBefore, Map<String, String> tags) {

    public static final int MAX_LIMIT = 100;
    public static final int DEFAULT_LIMIT = 20;
    private static final Pattern AGENT = Pattern.compile("[a-z0-9-]{1,48}");

    public ThreadQuery {
        if (limit < 1 || limit > MAX_LIMIT) {
            throw invalid("limit", "limit must be between 1 and " + MAX_LIMIT + ", got " + limit);
        }
        if (agent != null && !AGENT.matcher(agent).matches()) {
            throw invalid("agent", "agent filter '" + agent + "' is not an agent name (1-48 lower-case letters, digits and '-')");
        }
        TreeSet<String> known = new TreeSet<>();
        for (String status : statuses == null ? Set.<String>of() : statuses) {
            if (status == null || Arrays.stream(Status.values()).noneMatch(s -> s.name().equals(status))) {
                throw invalid("status", "status filter '" + status + "' is none of " + Arrays.toString(Status.values()));
            }
            known.add(status);
        }
        statuses = Collections.unmodifiableSet(known);
        if (updatedSince != null && updatedBefore != null && !updatedSince.isBefore(updatedBefore)) {
            throw invalid("updatedBefore", "updatedBefore (" + updatedBefore + ") must be after updatedSince (" + updatedSince + ")");
        }
        TreeMap<String, String> wanted = new TreeMap<>();
        if (tags != null) {
            tags.forEach((k, v) -> {
                ThreadTags.checkKey(k);
                if (v == null || !ThreadTags.VALUE.matcher(v).matches()) {
                    throw invalid("tags", "tag filter '" + k + "' has no valid value (1-" + ThreadTags.MAX_VALUE_LENGTH
                            + " letters, digits or '_ . : @ / + = -')");
                }
                wanted.put(k, v);
            });
        }
        if (wanted.size() > ThreadTags.MAX_TAGS) {
            throw invalid("tags", "at most " + ThreadTags.MAX_TAGS + " tag filters");
        }
        tags = Collections.unmodifiableMap(wanted);
        if (cursor != null) {
            ThreadCursor.parse(cursor);
        }
    }

    /** The first page of every thread of the tenant, {@code limit} at a time. */
    public static ThreadQuery first(int limit) {
        return new ThreadQuery(limit, null, null, Set.of(), null, null, Map.of());
    }

    /** The threads holding tag {@code key=value}, {@code limit} at a time: how a subject's threads are found. */
    public static ThreadQuery tagged(String key, String value, int limit) {
        return new ThreadQuery(limit, null, null, Set.of(), null, null, Map.of(key, value));
    }

    /** The same filters, from {@code cursor} on. */
    public ThreadQuery after(String cursor) {
        return new ThreadQuery(limit, cursor, agent, statuses, updatedSince, updatedBefore, tags);
    }

    /** Whether a thread's head, as listed, passes every filter. */
    public boolean matches(ThreadSummary thread) {
        return (agent == null || agent.equals(thread.agent()))
                && (statuses.isEmpty() || statuses.contains(thread.status()))
                && (updatedSince == null || !thread.updatedAt().isBefore(updatedSince))
                && (updatedBefore == null || thread.updatedAt().isBefore(updatedBefore))
                && thread.tags().containsAll(tags);
    }

    private static ThreadlineException invalid(String field, String message) {
        return new ThreadlineException(ErrorCode.INVALID_INPUT, message, Map.of("field", field));
    }
}
