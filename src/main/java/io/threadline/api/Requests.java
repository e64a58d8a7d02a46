package io.threadline.api;

import com.fasterxml.jackson.databind.JsonNode;

import java.util.List;
import java.util.Map;

/**
 * What callers send. {@code tenant} is read only from direct (IAM-authorized) invocations; over
 * HTTP the tenant comes from the caller's token and a {@code tenant} field is refused. {@code agent} names
 * the agent whose thread it is; it may be left out when the deployment has a default agent (README, "Agents").
 */
public final class Requests {

    private Requests() {
    }

    /**
     * One step; {@code input} is a partial update of the state, e.g. {@code {"messages": [{…}]}}; {@code tags} the
     * thread's tags when this request creates it (on an existing thread they must be tags it already holds);
     * {@code multitask} the double-texting policy when a background run is in progress.
     */
    public record Step(String tenant, String agent, String threadId, JsonNode input, String idempotencyKey, String multitask,
                       Map<String, String> tags) {}

    /** Steps until the run ends or the budget is spent; {@code maxSteps} defaults to the configured limit; {@code tags} as step's. */
    public record Run(String tenant, String agent, String threadId, JsonNode input, Integer maxSteps, String idempotencyKey,
                      String multitask, Map<String, String> tags) {}

    /** The latest state, or the state at {@code checkpointId}. */
    public record State(String tenant, String agent, String threadId, String checkpointId) {}

    /**
     * A page of history, newest first: at most {@code limit} checkpoints, fewer when they would make the
     * answer larger than {@code threadline.api.max-response-bytes}; {@code cursor} is a {@code nextCursor}.
     */
    public record History(String tenant, String agent, String threadId, Integer limit, String cursor) {}

    /** Re-runs the step that produced {@code checkpointId} on its recorded effects; writes nothing. */
    public record Replay(String tenant, String agent, String threadId, String checkpointId) {}

    /**
     * Long-term memories of the caller's tenant most relevant to {@code query}: {@code k} (default 10),
     * under {@code namespace} (a path prefix) if given, matching every {@code filters} metadata entry,
     * scoring at least {@code minScore}; current memories, or those believed {@code asOf} an instant; only those whose
     * fact holds at {@code validAt} if given (ISO-8601 instants).
     */
    public record MemorySearch(String tenant, String query, Integer k, String namespace, Map<String, String> filters,
                               Double minScore, String asOf, String validAt) {}

    /**
     * Remembers {@code content} under {@code namespace}; a near-duplicate there is merged instead.
     * {@code id} makes a retried put the same put; {@code ttlSeconds} makes it expire. {@code supersedes} names the
     * memories it corrects; {@code validFrom}/{@code validTo} (ISO-8601) when its fact holds.
     */
    public record MemoryPut(String tenant, String id, String namespace, String content, String kind, Double importance,
                            Long ttlSeconds, Map<String, String> metadata, List<String> supersedes, String validFrom,
                            String validTo) {}

    /**
     * Deletes the thread — every checkpoint, its head, pending effects, idempotency records, outbox markers — and the
     * memories its steps wrote. Idempotent.
     */
    public record Delete(String tenant, String agent, String threadId) {}

    /** Forgets one memory of the caller's tenant. */
    public record MemoryDelete(String tenant, String id) {}

    /**
     * Forgets the caller's memories written by thread {@code threadId}'s steps, or those whose metadata holds every
     * {@code metadata} entry (a subject tag): exactly one of the two.
     */
    public record MemoryForget(String tenant, String threadId, Map<String, String> metadata) {}

    /** The chain of corrections memory {@code id} of the caller's tenant belongs to. */
    public record MemoryHistory(String tenant, String id) {}

    /** Answers an interrupt with {@code value} (any JSON); the thread goes on exactly where it stopped. */
    public record Resume(String tenant, String agent, String threadId, JsonNode value, String idempotencyKey, String multitask) {}

    /**
     * Starts a background run: {@code input} first, then one step per queue message until the run ends, at most
     * {@code maxSteps} steps (default and limit {@code threadline.runs.max-steps}). {@code multitask} says what
     * happens when a run is already in progress (reject, enqueue, interrupt, rollback); {@code idempotencyKey}
     * makes a retried start the same start.
     */
    public record Start(String tenant, String agent, String threadId, JsonNode input, Integer maxSteps, String multitask,
                        String idempotencyKey) {}

    /** Stops the thread's background run at its next step boundary; {@code by} (optional) says who, for the history. */
    public record Cancel(String tenant, String agent, String threadId, String by) {}

    /**
     * The thread's background run (its latest: one record per thread holds it); {@code runId} (optional) asks for that
     * run, answered {@code RUN_NOT_FOUND} when it is not the thread's latest.
     */
    public record RunStatus(String tenant, String agent, String threadId, String runId) {}

    /** A new thread {@code newThreadId} starting from (threadId, checkpointId); the source is untouched. */
    public record Fork(String tenant, String agent, String threadId, String checkpointId, String newThreadId, String reason) {}

    /** Appends a checkpoint equal to an older one; history stays append-only. */
    public record Rewind(String tenant, String agent, String threadId, String checkpointId, String reason) {}

    /** Applies a partial state update as a checkpoint of its own, attributed to "external" with a reason. */
    public record Update(String tenant, String agent, String threadId, JsonNode input, String reason) {}

    /**
     * The recorded thread (every retained checkpoint with its change, input, effects, error), in one answer or,
     * when larger than {@code threadline.api.max-response-bytes}, in pages: {@code cursor} is the previous
     * page's {@code nextCursor}.
     */
    public record Export(String tenant, String agent, String threadId, String cursor) {}

    /**
     * A page of the caller's threads, newest activity first: at most {@code limit} (default 20, at most 100) after
     * {@code cursor}, of agent {@code agent}, whose status is {@code status} (a name, or a list of names), whose
     * last step committed at or after {@code updatedSince} and before {@code updatedBefore} (ISO-8601 instants),
     * holding every tag of {@code tags}.
     */
    public record Threads(String tenant, Integer limit, String cursor, String agent, JsonNode status, String updatedSince,
                          String updatedBefore, Map<String, String> tags) {}

    /** Changes a thread's tags: puts {@code set}, then removes the keys of {@code remove}; answers the tags after. */
    public record Tag(String tenant, String threadId, Map<String, String> set, List<String> remove) {}

    /**
     * What the graphs this deployment serves would do with the caller's stored threads (README "Deploying a new version"):
     * at most about {@code maxThreads} (default and largest {@code threadline.api.migration-dry-run-max-threads}) from
     * {@code cursor} on, with up to {@code examples} threads per outcome (0-100, default 5). A direct invocation may
     * name the tenant {@code "*"}: every tenant.
     */
    public record MigrationDryRun(String tenant, String cursor, Integer maxThreads, Integer examples) {}
}
