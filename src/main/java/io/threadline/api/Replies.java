package io.threadline.api;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.databind.JsonNode;
import io.threadline.checkpoint.ThreadSummary;
import io.threadline.memory.MemoryHit;
import io.threadline.memory.MemoryRecord;
import io.threadline.runtime.ReplayReport;

import java.time.Instant;
import java.util.List;
import java.util.Map;

/**
 * What functions answer. On success the named fields; on failure only {@code error}, so every
 * error reads {@code {"error": {"code", "message", "details"}}}.
 */
public final class Replies {

    private Replies() {
    }

    /**
     * A step's answer: the checkpoint it committed and the state, {@code duplicate} when an earlier request with the
     * same idempotency key committed it. With {@code multitask: enqueue} on a thread whose background run is in
     * progress, instead {@code queued: true}, the {@code run} the input joined and its {@code position} among the run's
     * queued inputs (1: the next it applies), and no checkpoint: nothing is committed until the run applies it.
     */
    @JsonInclude(JsonInclude.Include.NON_NULL)
    public record Step(CheckpointSummary checkpoint, JsonNode state, Boolean duplicate, RunInfo run, Boolean queued, Integer position,
                       ErrorBody error) {

        public Step(CheckpointSummary checkpoint, JsonNode state, Boolean duplicate, ErrorBody error) {
            this(checkpoint, state, duplicate, null, null, null, error);
        }

        /** The answer of a request that failed with {@code error}. */
        static Step failed(ErrorBody error) {
            return new Step(null, null, null, error);
        }

        /** The answer of a request queued behind {@code run} at {@code position}. */
        static Step queued(io.threadline.runs.Run run, int position) {
            return new Step(null, null, null, RunInfo.of(run), true, position, null);
        }
    }

    /**
     * A run's answer: the steps it committed, the final state, why it stopped; {@code duplicate} when its
     * first step was answered from an earlier request with the same idempotency key; {@code stoppedBy}
     * the error that ended it after it had committed steps (stop reasons CONFLICT and ERROR).
     */
    @JsonInclude(JsonInclude.Include.NON_NULL)
    public record Run(List<CheckpointSummary> steps, JsonNode state, String stopReason, Boolean duplicate, ErrorBody stoppedBy,
                      RunInfo run, Boolean queued, Integer position, ErrorBody error) {

        public Run(List<CheckpointSummary> steps, JsonNode state, String stopReason, Boolean duplicate, ErrorBody stoppedBy,
                   ErrorBody error) {
            this(steps, state, stopReason, duplicate, stoppedBy, null, null, null, error);
        }

        /** The answer of a request that failed with {@code error}. */
        static Run failed(ErrorBody error) {
            return new Run(null, null, null, null, null, error);
        }

        /**
         * With {@code multitask: enqueue}: the input is queued behind {@code run} at {@code position} (stop reason
         * {@code QUEUED}, no steps); the background run takes it on within its own step budget.
         */
        static Run queued(io.threadline.runs.Run run, int position) {
            return new Run(List.of(), null, "QUEUED", null, null, RunInfo.of(run), true, position, null);
        }
    }

    @JsonInclude(JsonInclude.Include.NON_NULL)
    public record State(CheckpointSummary checkpoint, JsonNode state, ErrorBody error) {}

    /**
     * A background run, as start, cancel and run-status answer it. {@code endedAt} and {@code endReason} once it ended;
     * {@code messageInFlight} (run-status only): a message of the run is in the queue or being handled — false for an
     * ended run and for one in a timed wait too long for the queue, which the sweep wakes.
     */
    @JsonInclude(JsonInclude.Include.NON_NULL)
    public record RunInfo(String runId, String status, long startStep, long nextStep, int stepsTaken, int maxSteps, int queuedInputs,
                          String cancelledBy, String cancelledAt, String wakeAt, String startedAt, String updatedAt, String endedAt,
                          String endReason, Boolean messageInFlight) {

        static RunInfo of(io.threadline.runs.Run r) {
            return of(r, null);
        }

        static RunInfo of(io.threadline.runs.Run r, Boolean messageInFlight) {
            return new RunInfo(r.runId(), r.status().name(), r.startStep(), r.nextStep(), r.stepsTaken(), r.maxSteps(),
                    r.queuedInputs(), r.cancelledBy(), text(r.cancelledAt()), text(r.wakeAt()),
                    text(r.startedAt()), text(r.updatedAt()), text(r.endedAt()), r.endReason(), messageInFlight);
        }

        private static String text(Instant t) {
            return t == null ? null : t.toString();
        }
    }

    /**
     * {@code start}'s answer, at once: the run (new, or the one the input joined when {@code queued}) and the thread's
     * head when it was answered ({@code null} for a new thread).
     */
    @JsonInclude(JsonInclude.Include.NON_NULL)
    public record Start(RunInfo run, CheckpointSummary head, Boolean queued, ErrorBody error) {}

    /** {@code cancel}'s answer: the run, with who asked to cancel and when; it stops at its next step boundary. */
    @JsonInclude(JsonInclude.Include.NON_NULL)
    public record Cancel(RunInfo run, ErrorBody error) {}

    /** {@code run-status}'s answer: the thread's latest background run, active or how and why it ended. */
    @JsonInclude(JsonInclude.Include.NON_NULL)
    public record RunStatus(RunInfo run, ErrorBody error) {}

    @JsonInclude(JsonInclude.Include.NON_NULL)
    public record History(List<CheckpointEntry> checkpoints, String nextCursor, ErrorBody error) {}

    /**
     * A history entry: the checkpoint, its state change as stored (a JSON Patch, or the snapshot), the
     * diff against its parent's state as a JSON Patch whatever was stored, and the effects the step
     * recorded (model and tool calls, clock, ids, recalls, resume values) when it has any, and the
     * memories the step wrote (its outbox) when it wrote any. An entry that alone is larger than an answer
     * may be ({@code threadline.api.max-response-bytes}) comes without its largest parts: {@code truncated}
     * names them and {@code hint} says where to read them.
     */
    @JsonInclude(JsonInclude.Include.NON_NULL)
    public record CheckpointEntry(CheckpointSummary checkpoint, JsonNode change, JsonNode diff, JsonNode effects,
                                  JsonNode outbox, List<String> truncated, String hint) {}

    @JsonInclude(JsonInclude.Include.NON_NULL)
    public record Replay(ReplayReport report, ErrorBody error) {}

    /**
     * What a delete removed: {@code existed} (the thread had a head when the delete began) and {@code removed},
     * counts by kind (checkpoints, chunks, heads, pendingEffects, idempotencyRecords, outboxMarkers, other,
     * memories) — all zero for a thread that was not there.
     */
    @JsonInclude(JsonInclude.Include.NON_NULL)
    public record Delete(String threadId, Boolean existed, Map<String, Long> removed, ErrorBody error) {}

    @JsonInclude(JsonInclude.Include.NON_NULL)
    public record MemorySearch(List<Memory> memories, ErrorBody error) {}

    @JsonInclude(JsonInclude.Include.NON_NULL)
    public record MemoryPut(Memory memory, Boolean merged, ErrorBody error) {}

    @JsonInclude(JsonInclude.Include.NON_NULL)
    public record MemoryDelete(Boolean deleted, ErrorBody error) {}

    /**
     * What a forget removed: the selection, how many, and their ids in id order (the first
     * {@code MemoryLifecycle.MAX_REPORTED_IDS}; {@code idsTruncated} when there were more).
     */
    @JsonInclude(JsonInclude.Include.NON_NULL)
    public record MemoryForget(String selection, Integer removed, List<String> ids, Boolean idsTruncated, ErrorBody error) {

        /** The answer of a request that failed with {@code error}. */
        static MemoryForget failed(ErrorBody error) {
            return new MemoryForget(null, null, null, null, error);
        }
    }

    /** A chain of corrections, oldest first; empty when the tenant has no memory by that id. */
    @JsonInclude(JsonInclude.Include.NON_NULL)
    public record MemoryHistory(String id, List<Memory> memories, ErrorBody error) {}

    /** A memory as callers see it: everything but its embedding; a search hit also has its scores. */
    @JsonInclude(JsonInclude.Include.NON_NULL)
    public record Memory(String id, String namespace, String content, String kind, double importance, Instant createdAt,
                         Instant accessedAt, Instant expiresAt, String sourceThread, String sourceCheckpoint, Long sourceStep,
                         String sourceNode, String derivedFrom, Map<String, String> metadata, Double similarity, Double score,
                         Instant validFrom, Instant validTo, Instant supersededAt, String supersededBy,
                         @JsonInclude(JsonInclude.Include.NON_EMPTY) List<String> supersedes) {

        static Memory of(MemoryRecord m) {
            return of(m, null, null);
        }

        static Memory of(MemoryHit hit) {
            return of(hit.memory(), hit.similarity(), hit.score());
        }

        private static Memory of(MemoryRecord m, Double similarity, Double score) {
            return new Memory(m.id(), m.namespace(), m.content(), m.kind(), m.importance(), m.createdAt(), m.accessedAt(),
                    m.expiresAt(), m.sourceThread(), m.sourceCheckpoint(), m.sourceStep(), m.sourceNode(), m.derivedFrom(), m.metadata(),
                    similarity, score, m.validFrom(), m.validTo(), m.supersededAt(), m.supersededBy(), m.supersedes());
        }
    }

    /**
     * A recorded thread, format {@code threadline.thread/1}: save it, and {@code RecordedThread.read} replays it
     * in a test. A thread larger than one answer comes in pages: each {@code thread} is a document of the
     * format holding the next checkpoints, oldest first, and {@code nextCursor} asks for the next page
     * (absent on the last); the pages written one after the other read as one recording.
     */
    @JsonInclude(JsonInclude.Include.NON_NULL)
    public record Export(JsonNode thread, String nextCursor, ErrorBody error) {}

    /** A page of threads, newest activity first, and where the next one starts ({@code nextCursor}, absent at the end). */
    @JsonInclude(JsonInclude.Include.NON_NULL)
    public record Threads(List<ThreadEntry> threads, String nextCursor, ErrorBody error) {}

    /**
     * One thread of a listing: its head's agent, status, step, checkpoint and commit time (ISO-8601), its tags, and for
     * an interrupted thread what it waits for (the node, when, and the start of the payload).
     */
    @JsonInclude(JsonInclude.Include.NON_NULL)
    public record ThreadEntry(String threadId, String agent, String status, long step, String checkpointId, String updatedAt,
                              Map<String, String> tags, ThreadSummary.Waiting waitingFor) {

        static ThreadEntry of(ThreadSummary t) {
            return new ThreadEntry(t.threadId(), t.agent(), t.status(), t.step(), t.checkpointId().value(), t.updatedAt().toString(),
                    t.tags().values(), t.waitingFor());
        }
    }

    /** A thread's tags after a {@code tag} operation. */
    @JsonInclude(JsonInclude.Include.NON_NULL)
    public record Tag(String threadId, Map<String, String> tags, ErrorBody error) {}

    /**
     * A migration dry-run's report ({@code MigrationReport}): the tenant read ({@code "*"}: every tenant), each agent's
     * deployed graph, the threads read, how many would {@code continue}, {@code migrate}, be refused ({@code refuse}) or
     * are {@code pinned} to another graph, of the continuing how many the same graph wrote, threads of agents not served,
     * what refusals lack (how often), examples per outcome, {@code nextCursor} when it stopped early, and the report as
     * the command prints it ({@code text}).
     */
    @JsonInclude(JsonInclude.Include.NON_NULL)
    public record MigrationDryRun(String tenant, Map<String, String> graphs, Long threads, Map<String, Long> counts,
                                  Long sameGraph, Long unserved, Map<String, Long> missing,
                                  Map<String, List<DryRunExample>> examples, String nextCursor, String text, ErrorBody error) {

        /** The answer of a dry-run that failed with {@code error}. */
        static MigrationDryRun failed(ErrorBody error) {
            return new MigrationDryRun(null, null, null, null, null, null, null, null, null, null, error);
        }
    }

    /** One thread of a dry-run's examples and what the deployed graph would do with it. */
    public record DryRunExample(String tenant, String threadId, String agent, long step, String status, List<String> waitingAt,
                                String threadGraph, String verdict) {}
}
