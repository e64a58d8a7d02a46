package io.threadline;

/**
 * The stable error codes every Threadline operation reports. Callers branch on these, never on
 * messages; the HTTP status is the one an API adapter answers with.
 */
public enum ErrorCode {
    /**
     * The request itself is malformed: missing fields, wrong types, unknown options. Also a well-formed request this
     * deployment's memory cannot serve ({@code details.memory}: {@code none} without long-term memory, {@code aoss} for
     * a compaction of a Serverless collection): asking again cannot succeed either.
     */
    INVALID_INPUT(400),
    /** The caller's identity (and so its tenant) is missing: no verified token claim over HTTP. */
    UNAUTHENTICATED(401),
    /**
     * The local HTTP server refuses where the request comes from: a {@code Host} that is not this
     * server's (DNS rebinding) or an {@code Origin} of another site (a cross-site request).
     */
    FORBIDDEN(403),
    /** No operation at this path (HTTP); the message lists the operations. */
    UNKNOWN_OPERATION(404),
    /** An HTTP request whose body is not declared as JSON ({@code Content-Type: application/json}). */
    UNSUPPORTED_MEDIA_TYPE(415),
    /** The state a step would produce violates the state schema; nothing was written. */
    VALIDATION_FAILED(422),
    /** The request names an agent this deployment does not serve (or has switched off). */
    AGENT_NOT_FOUND(404),
    /**
     * The thread belongs to another agent than the one the request names: a thread is bound to the agent
     * that created it, and only that agent may read or step it. Nothing was written.
     */
    AGENT_MISMATCH(409),
    /**
     * The deployed graph lacks what the thread depends on: a node it waits at (or is scheduled for), or a route
     * recorded from there, with no node migration declared for it. {@code details.missing} names each; nothing
     * was written. See README, "Deploying a new version".
     */
    GRAPH_INCOMPATIBLE(409),
    /**
     * The thread is pinned to another graph fingerprint than the deployed one ({@code details.pinnedTo}): the
     * version that runs that graph serves it. Nothing was written.
     */
    GRAPH_PINNED(409),
    /** No thread with that id exists for the caller's tenant. */
    THREAD_NOT_FOUND(404),
    /** The thread exists but has no (retained) checkpoint with that id. */
    CHECKPOINT_NOT_FOUND(404),
    /** Another writer committed to the thread first; reload and decide again. */
    CONFLICT(409),
    /**
     * The thread is being deleted (a delete has begun and not finished): nothing can be committed to it.
     * Once the delete is done the id is free again; a delete that was interrupted is finished by running it again.
     * Also what an encrypted thread's copy left behind (a restored backup) answers once its data key is deleted.
     */
    THREAD_DELETED(409),
    /** The thread waits for a resume value, or was resumed while not interrupted. */
    INTERRUPTED(409),
    /** A replay found the code asking for other effects (calls, arguments) than the step recorded. */
    NON_DETERMINISTIC(409),
    /**
     * A background run is in progress on the thread and the request's double-texting policy is {@code reject}
     * (the default); nothing was written. {@code details.runId} names the run.
     */
    RUN_IN_PROGRESS(409),
    /** {@code cancel}: the thread has no background run in progress. */
    RUN_NOT_FOUND(404),
    /**
     * A background run's step was refused because the thread's run record is gone or names another run (the thread
     * was deleted while the step ran, or another run replaced it); nothing was written. Only the queue's worker
     * makes such commits: it drops the message as stale.
     */
    RUN_GONE(409),
    /** A state, checkpoint or input exceeds a documented size limit; nothing was written. */
    PAYLOAD_TOO_LARGE(413),
    /** A store or service Threadline depends on did not answer in time; safe to retry. */
    DEPENDENCY_UNAVAILABLE(503),
    /**
     * The deployment's configuration contradicts what it meets, e.g. a memory index built for vectors of another
     * dimension than the embedding model gives; a retry does not cure it, a configuration change does.
     */
    MISCONFIGURED(500),
    /** A defect in Threadline or in the agent's code. */
    INTERNAL(500);

    private final int httpStatus;

    ErrorCode(int httpStatus) {
        this.httpStatus = httpStatus;
    }

    /** The HTTP status an API adapter answers this error with. */
    public int httpStatus() {
        return httpStatus;
    }
}
