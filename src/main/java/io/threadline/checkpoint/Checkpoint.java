package io.threadline.checkpoint;

import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * One step of a thread, as stored: immutable, never rewritten.
 *
 * @param id             time-ordered id, greater than its parent's
 * @param thread         the tenant-scoped thread
 * @param step           1 for a thread's first checkpoint, parent's step + 1 after that
 * @param parent         the checkpoint this one was computed from; {@code null} for a thread's first
 * @param nodes          the node(s) that ran in this step, in execution order
 * @param decisions      routing decisions taken after those nodes, with reasons
 * @param next           the node(s) scheduled for the next step; empty when the thread is done
 * @param status         where the thread stands
 * @param schemaVersion  version of the state schema the state was written with
 * @param change         the state, as a snapshot or as a delta against the parent
 * @param createdAt      when the step committed
 * @param idempotencyKey the caller's key for this step, or {@code null}
 * @param metadata       small string facts (source of a fork, who updated, attempts); never secrets
 * @param outbox         the step's memory writes as a JSON array, applied after the commit; {@code null} if none
 * @param input          the caller's input of the step as a JSON Patch against the parent's state, or
 *                       {@code null} when there was none (a replay applies it before running the nodes)
 * @param effects        the step's recorded effects (model, tools, clock, ids, recalls) as a JSON array, or
 *                       {@code null} when it consumed none
 * @param error          why the step failed (status FAILED), else {@code null}
 * @param interrupt      what the thread waits for (status INTERRUPTED) as a JSON object — the node, and
 *                       the payload shown to whoever resumes it — else {@code null}
 */
public record Checkpoint(
        CheckpointId id,
        ThreadKey thread,
        long step,
        CheckpointId parent,
        List<String> nodes,
        List<Decision> decisions,
        List<String> next,
        Status status,
        int schemaVersion,
        StateChange change,
        Instant createdAt,
        String idempotencyKey,
        Map<String, String> metadata,
        String outbox,
        String input,
        String effects,
        StepError error,
        String interrupt) {

    /** A checkpoint without an outbox. */
    public Checkpoint(CheckpointId id, ThreadKey thread, long step, CheckpointId parent, List<String> nodes,
                      List<Decision> decisions, List<String> next, Status status, int schemaVersion, StateChange change,
                      Instant createdAt, String idempotencyKey, Map<String, String> metadata) {
        this(id, thread, step, parent, nodes, decisions, next, status, schemaVersion, change, createdAt, idempotencyKey,
                metadata, null, null, null, null, null);
    }

    /** A checkpoint without a recorded input, effects or error. */
    public Checkpoint(CheckpointId id, ThreadKey thread, long step, CheckpointId parent, List<String> nodes,
                      List<Decision> decisions, List<String> next, Status status, int schemaVersion, StateChange change,
                      Instant createdAt, String idempotencyKey, Map<String, String> metadata, String outbox) {
        this(id, thread, step, parent, nodes, decisions, next, status, schemaVersion, change, createdAt, idempotencyKey,
                metadata, outbox, null, null, null, null);
    }

    /** A checkpoint that is not waiting for a resume value. */
    public Checkpoint(CheckpointId id, ThreadKey thread, long step, CheckpointId parent, List<String> nodes,
                      List<Decision> decisions, List<String> next, Status status, int schemaVersion, StateChange change,
                      Instant createdAt, String idempotencyKey, Map<String, String> metadata, String outbox, String input,
                      String effects, StepError error) {
        this(id, thread, step, parent, nodes, decisions, next, status, schemaVersion, change, createdAt, idempotencyKey,
                metadata, outbox, input, effects, error, null);
    }

    public Checkpoint {
        Objects.requireNonNull(id, "id");
        Objects.requireNonNull(thread, "thread");
        Objects.requireNonNull(status, "status");
        Objects.requireNonNull(change, "change");
        Objects.requireNonNull(createdAt, "createdAt");
        if (step < 1) {
            throw new IllegalArgumentException("step starts at 1");
        }
        nodes = List.copyOf(nodes);
        decisions = List.copyOf(decisions);
        next = List.copyOf(next);
        metadata = Map.copyOf(metadata);
        if (outbox != null && outbox.isEmpty()) {
            outbox = null;
        }
        if (input != null && input.isEmpty()) {
            input = null;
        }
        if (effects != null && effects.isEmpty()) {
            effects = null;
        }
        if ((status == Status.INTERRUPTED) != (interrupt != null)) {
            throw new IllegalArgumentException("an INTERRUPTED checkpoint, and only one, says what it waits for");
        }
        if ((status == Status.FAILED) != (error != null)) {
            throw new IllegalArgumentException("a FAILED checkpoint, and only one, carries an error");
        }
    }

    public boolean hasOutbox() {
        return outbox != null;
    }

    public boolean isSnapshot() {
        return change instanceof StateChange.Snapshot;
    }
}
