package io.threadline.checkpoint;

import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * One step of a thread, as stored: immutable, never rewritten.
 *
 * <p>New checkpoints are built with {@link #draft}, which takes what every kind has (where it sits, the
 * state it holds, its metadata), and then one of the kinds, each taking only what that kind has:
 * {@link Draft#step a step}, {@link Draft#pausedStep a step that pauses after a node},
 * {@link Draft#failedStep a failed step}, {@link Draft#interruptedStep an interrupted step} and
 * {@link Draft#externalWrite an external write} (fork, rewind, update). The canonical constructor is for
 * decoders, which read back whatever kind was stored.
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
 * @param outbox         the step's memory writes, applied after the commit; {@code null} if none
 * @param input          the caller's input of the step as a JSON Patch against the parent's state, or
 *                       {@code null} when there was none (a replay applies it before running the nodes)
 * @param effects        the step's recorded effects (model, tools, clock, ids, recalls), or {@code null}
 *                       when it consumed none
 * @param error          why the step failed (status FAILED), else {@code null}
 * @param interrupt      what the thread waits for (status INTERRUPTED) — the node, and the payload shown
 *                       to whoever resumes it — else {@code null}
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
        MemoryOutbox outbox,
        StepInput input,
        EffectLog effects,
        StepError error,
        InterruptPayload interrupt) {

    /**
     * Every field as stored, for decoders, which read back whatever kind was written; code that makes a
     * new checkpoint uses {@link #draft} and one of its kinds instead.
     */
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
        if ((status == Status.INTERRUPTED) != (interrupt != null)) {
            throw new IllegalArgumentException("an INTERRUPTED checkpoint, and only one, says what it waits for");
        }
        if ((status == Status.FAILED) != (error != null)) {
            throw new IllegalArgumentException("a FAILED checkpoint, and only one, carries an error");
        }
    }

    /**
     * Starts a new checkpoint: where it sits in its thread. Finish it with {@link Draft#state}, then the
     * facts it has, then its kind.
     *
     * @param id     time-ordered id, greater than the parent's
     * @param thread the tenant-scoped thread
     * @param step   1 for a thread's first checkpoint, the parent's step + 1 after that
     * @param parent the checkpoint it is computed from; {@code null} for a thread's first
     */
    public static Draft draft(CheckpointId id, ThreadKey thread, long step, CheckpointId parent) {
        return new Draft(id, thread, step, parent);
    }

    /**
     * A checkpoint being built: what every kind has, then one of the kinds. {@link #state} is required;
     * the rest may be left out when the checkpoint has none of it. A fact a kind does not have is refused
     * when that kind is chosen, rather than silently dropped. Used once, by one thread.
     */
    public static final class Draft {
        private final CheckpointId id;
        private final ThreadKey thread;
        private final long step;
        private final CheckpointId parent;
        private int schemaVersion;
        private StateChange change;
        private Instant createdAt;
        private Map<String, String> metadata = Map.of();
        private StepInput input;
        private EffectLog effects;
        private String idempotencyKey;
        private MemoryOutbox outbox;

        private Draft(CheckpointId id, ThreadKey thread, long step, CheckpointId parent) {
            this.id = id;
            this.thread = thread;
            this.step = step;
            this.parent = parent;
        }

        /** The state it holds (a snapshot, or a delta against the parent), the schema version it was written with, and when it commits. */
        public Draft state(int schemaVersion, StateChange change, Instant createdAt) {
            this.schemaVersion = schemaVersion;
            this.change = Objects.requireNonNull(change, "change");
            this.createdAt = Objects.requireNonNull(createdAt, "createdAt");
            return this;
        }

        /** Small string facts: source of a fork, who updated, attempts. Never secrets. */
        public Draft metadata(Map<String, String> metadata) {
            this.metadata = Objects.requireNonNull(metadata, "metadata");
            return this;
        }

        /** A step's kinds: the caller's input as a JSON Patch against the parent's state; {@code null} when there was none. */
        public Draft input(StepInput input) {
            this.input = input;
            return this;
        }

        /** A step's kinds: the recorded effects; {@code null} when the step consumed none. */
        public Draft effects(EffectLog effects) {
            this.effects = effects;
            return this;
        }

        /** A step that ran to its end (also when paused after a node): the caller's key for it, or {@code null}. */
        public Draft idempotencyKey(String idempotencyKey) {
            this.idempotencyKey = idempotencyKey;
            return this;
        }

        /** A step that ran to its end: its memory writes; {@code null} when none. */
        public Draft outbox(MemoryOutbox outbox) {
            this.outbox = outbox;
            return this;
        }

        /**
         * A step whose nodes ran to their end: {@link Status#DONE} when nothing is next, else {@link Status#RUNNING}.
         *
         * @param ran       the node(s) that ran, in execution order
         * @param decisions the routing decisions taken after them, with reasons
         * @param next      the node(s) scheduled for the next step
         */
        public Checkpoint step(List<String> ran, List<Decision> decisions, List<String> next) {
            return build(ran, decisions, next, next.isEmpty() ? Status.DONE : Status.RUNNING, null, null);
        }

        /**
         * A step whose nodes ran to their end, after which a node asked to pause ({@link Status#INTERRUPTED}):
         * as {@link #step}, and what the thread waits for.
         */
        public Checkpoint pausedStep(List<String> ran, List<Decision> decisions, List<String> next, InterruptPayload interrupt) {
            return build(ran, decisions, next, Status.INTERRUPTED, null, Objects.requireNonNull(interrupt, "interrupt"));
        }

        /**
         * A step in which a node failed ({@link Status#FAILED}). It keeps the state with the step's input
         * applied, the effects so far and the error; no decisions, no idempotency key (a retry must run),
         * no outbox.
         *
         * @param attempted the node(s) that were tried
         * @param scheduled the node(s) still scheduled: the same as the failed step's
         */
        public Checkpoint failedStep(List<String> attempted, List<String> scheduled, StepError error) {
            refuse("a failed step", "idempotency key", idempotencyKey);
            refuse("a failed step", "outbox", outbox);
            return build(attempted, List.of(), scheduled, Status.FAILED, Objects.requireNonNull(error, "error"), null);
        }

        /**
         * A step in which a node asked for outside input ({@link Status#INTERRUPTED}). It keeps the state
         * with the step's input applied, the effects so far and what it waits for; no
         * decisions, no idempotency key, no outbox.
         *
         * @param attempted the node(s) that were tried
         * @param scheduled the node(s) still scheduled, run again on resume
         */
        public Checkpoint interruptedStep(List<String> attempted, List<String> scheduled, InterruptPayload interrupt) {
            refuse("an interrupted step", "idempotency key", idempotencyKey);
            refuse("an interrupted step", "outbox", outbox);
            return build(attempted, List.of(), scheduled, Status.INTERRUPTED, null, Objects.requireNonNull(interrupt, "interrupt"));
        }

        /**
         * A checkpoint no node produced — a fork, a rewind, an update — holding its state, and standing where
         * {@code standsAs} stands: its next nodes, status, error and interrupt. No nodes ran, so it has no
         * decisions, input, effects, idempotency key or outbox.
         */
        public Checkpoint externalWrite(Checkpoint standsAs) {
            String kind = "an external write";
            refuse(kind, "input", input);
            refuse(kind, "effects", effects);
            refuse(kind, "idempotency key", idempotencyKey);
            refuse(kind, "outbox", outbox);
            return build(List.of(), List.of(), standsAs.next(), standsAs.status(), standsAs.error(), standsAs.interrupt());
        }

        private Checkpoint build(List<String> nodes, List<Decision> decisions, List<String> next, Status status, StepError error,
                                 InterruptPayload interrupt) {
            if (change == null) {
                throw new IllegalStateException("a checkpoint holds a state: call state(...) before choosing its kind");
            }
            return new Checkpoint(id, thread, step, parent, nodes, decisions, next, status, schemaVersion, change, createdAt,
                    idempotencyKey, metadata, outbox, input, effects, error, interrupt);
        }

        private static void refuse(String kind, String what, Object value) {
            if (value != null && !(value instanceof String text && text.isEmpty())) {
                throw new IllegalStateException(kind + " has no " + what + "; leave it out of the draft");
            }
        }
    }

    /**
     * This checkpoint with {@code metadata} in place of its own, everything else as it is: for facts known only once the
     * checkpoint is made (the version facts of its next nodes), before it is committed.
     */
    public Checkpoint withMetadata(Map<String, String> metadata) {
        return new Checkpoint(id, thread, step, parent, nodes, decisions, next, status, schemaVersion, change, createdAt,
                idempotencyKey, metadata, outbox, input, effects, error, interrupt);
    }

    public boolean hasOutbox() {
        return outbox != null;
    }

    public boolean isSnapshot() {
        return change instanceof StateChange.Snapshot;
    }
}
