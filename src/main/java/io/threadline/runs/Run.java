package io.threadline.runs;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.databind.JsonNode;

import java.time.Instant;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Objects;

/**
 * A thread's background run, as its stored record holds it: one record per thread (the latest run), replaced
 * only by a conditional write on {@link #version}, so every decision about the run — start, the next step,
 * cancel, a double-texting policy — is taken by exactly one writer.
 *
 * @param runId           the run's id
 * @param tenant          the thread's tenant
 * @param threadId        the thread
 * @param agent           the agent the thread belongs to; {@code null} for the deployment's default
 * @param status          {@link RunStatus#ACTIVE} while it advances, else how it ended
 * @param startStep       the thread's head step when the run started (0: a new thread)
 * @param startCheckpoint the head checkpoint when the run started ({@code null}: a new thread); {@code rollback}
 *                        returns the thread there
 * @param nextStep        the step number the run's next message commits
 * @param maxSteps        the run's step budget
 * @param stepsTaken      steps the run committed so far
 * @param inputs          inputs waiting to be applied, oldest first (JSON partial states; the first is the start's
 *                        own input, {@code null} when it had none): each is applied by a step that starts a turn
 * @param cancelledBy     who asked to cancel, or {@code null}
 * @param cancelledAt     when they asked, or {@code null}
 * @param wakeAt          a timed wait in progress: when the thread goes on; else {@code null}
 * @param startedAt       when the run started
 * @param updatedAt       when this record was written
 * @param version         1 for a thread's first run record; each write adds one
 * @param endReason       why the run ended, in words ({@code null} while it is active)
 * @param redriveAt       a message was due to be sent when this record was written (start, a resume that continues
 *                        the run): if the run has taken no step by then, the sweep sends it again, so a writer that
 *                        died between this record and its send leaves no run without a message; {@code null}
 *                        once the run has moved on
 * @param queued          where each of {@link #inputs} came from, index by index: its kind (an input, or a
 *                        {@code resume} value), the idempotency key its request carried, who sent it and when (records
 *                        written before this field read as plain inputs)
 */
public record Run(
        String runId,
        String tenant,
        String threadId,
        String agent,
        RunStatus status,
        long startStep,
        String startCheckpoint,
        long nextStep,
        int maxSteps,
        int stepsTaken,
        List<JsonNode> inputs,
        String cancelledBy,
        Instant cancelledAt,
        Instant wakeAt,
        Instant startedAt,
        Instant updatedAt,
        long version,
        String endReason,
        Instant redriveAt,
        List<Queued> queued) {

    /**
     * Where a queued input came from: {@code kind} {@link #INPUT} (a partial state, from {@code start}, {@code step} or
     * {@code run}) or {@link #RESUME} (a {@code resume} value, applied where the thread waits for a person); the
     * {@code idempotencyKey} of its request ({@code null}: none), under which the step that applies it commits, so a retry
     * of the request finds it; {@code by} who sent it and {@code at} when.
     */
    @JsonInclude(JsonInclude.Include.NON_NULL)
    public record Queued(String kind, String idempotencyKey, String by, Instant at) {
        public static final String INPUT = "input";
        public static final String RESUME = "resume";
        /** An input with no key: what a record written before {@code queued} existed holds. */
        static final Queued PLAIN = new Queued(INPUT, null, null, null);

        public boolean resume() {
            return RESUME.equals(kind);
        }
    }

    public Run {
        Objects.requireNonNull(runId, "runId");
        Objects.requireNonNull(status, "status");
        inputs = inputs == null ? List.of() : Collections.unmodifiableList(new ArrayList<>(inputs));
        // One origin per input, index by index (an older record has none: plain inputs).
        List<Queued> origins = new ArrayList<>(inputs.size());
        for (int i = 0; i < inputs.size(); i++) {
            origins.add(queued != null && i < queued.size() && queued.get(i) != null ? queued.get(i) : Queued.PLAIN);
        }
        queued = Collections.unmodifiableList(origins);
    }

    /** A record whose inputs are all plain (a start's own input, no key). */
    public Run(String runId, String tenant, String threadId, String agent, RunStatus status, long startStep, String startCheckpoint,
               long nextStep, int maxSteps, int stepsTaken, List<JsonNode> inputs, String cancelledBy, Instant cancelledAt,
               Instant wakeAt, Instant startedAt, Instant updatedAt, long version, String endReason, Instant redriveAt) {
        this(runId, tenant, threadId, agent, status, startStep, startCheckpoint, nextStep, maxSteps, stepsTaken, inputs, cancelledBy,
                cancelledAt, wakeAt, startedAt, updatedAt, version, endReason, redriveAt, null);
    }

    /** Inputs queued behind the run and not applied yet (a run's own first input, before its first step, is not counted). */
    public int queuedInputs() {
        return inputs.size() - (stepsTaken == 0 && !inputs.isEmpty() ? 1 : 0);
    }

    /** The first input the run will apply, or {@code null} when none is queued. */
    public Queued nextQueued() {
        return queued.isEmpty() ? null : queued.get(0);
    }

    /**
     * The position (1: next) of the queued input sent with {@code idempotencyKey}, or 0 when none is queued with
     * that key.
     */
    public int positionOf(String idempotencyKey) {
        for (int i = 0; i < queued.size(); i++) {
            if (idempotencyKey != null && idempotencyKey.equals(queued.get(i).idempotencyKey())) {
                return i + 1 - (stepsTaken == 0 ? 1 : 0);
            }
        }
        return 0;
    }

    public boolean active() {
        return status == RunStatus.ACTIVE;
    }

    /** When the run ended ({@code null} while it is active): its record is not written after that. */
    public Instant endedAt() {
        return status.ended() ? updatedAt : null;
    }

    /**
     * When the scheduled sweep should look at this run, or {@code null}: a re-drive time while one is set, else a timed
     * wait at or after {@code sweepAfter} (too long for the queue to hold its message). Only an active run is swept.
     */
    public Instant sweepAt(Instant sweepAfter) {
        if (!active()) {
            return null;
        }
        if (redriveAt != null) {
            return redriveAt;
        }
        return wakeAt != null && !wakeAt.isBefore(sweepAfter) ? wakeAt : null;
    }

    /** Whether a sweep entry filed for {@code at} still holds for this record (it is active and waits for that time). */
    public boolean sweptAt(Instant at) {
        // To the millisecond: the index keeps epoch milliseconds.
        return active() && (redriveAt != null && redriveAt.toEpochMilli() == at.toEpochMilli()
                || wakeAt != null && wakeAt.toEpochMilli() == at.toEpochMilli());
    }

    /** The message that runs the run's next step. */
    public RunMessage nextMessage() {
        return new RunMessage(tenant, threadId, agent, runId, nextStep);
    }

    /** This record as its next version, written at {@code now}: the base of every change below. */
    private Run next(RunStatus status, long nextStep, int stepsTaken, List<JsonNode> inputs, String cancelledBy, Instant cancelledAt,
                     Instant wakeAt, Instant now) {
        return next(status, nextStep, stepsTaken, inputs, queued, cancelledBy, cancelledAt, wakeAt, now);
    }

    private Run next(RunStatus status, long nextStep, int stepsTaken, List<JsonNode> inputs, List<Queued> queued, String cancelledBy,
                     Instant cancelledAt, Instant wakeAt, Instant now) {
        return new Run(runId, tenant, threadId, agent, status, startStep, startCheckpoint, nextStep, maxSteps, stepsTaken, inputs,
                cancelledBy, cancelledAt, wakeAt, startedAt, now, version + 1, null, redriveAt, queued);
    }

    /** Step {@code nextStep} committed; {@code consumedInput}: it applied the first queued input. */
    public Run stepped(boolean consumedInput, Instant wakeAt, Instant now) {
        boolean drop = consumedInput && !inputs.isEmpty();
        List<JsonNode> rest = drop ? inputs.subList(1, inputs.size()) : inputs;
        List<Queued> origins = drop ? queued.subList(1, queued.size()) : queued;
        // A step taken: the run's message got through, nothing is left to re-drive.
        return next(status, nextStep + 1, stepsTaken + 1, rest, origins, cancelledBy, cancelledAt, wakeAt, now).redrivenAt(null);
    }

    /** The run ends {@code how}; {@code reason} says why, in words (run-status shows it). */
    public Run ended(RunStatus how, String reason, Instant now) {
        return next(status, nextStep, stepsTaken, inputs, cancelledBy, cancelledAt, null, now).endingAs(how, reason);
    }

    /** This same version, ending the run {@code how} (a step it records is the run's last); {@code reason} says why. */
    public Run endingAs(RunStatus how, String reason) {
        return new Run(runId, tenant, threadId, agent, how, startStep, startCheckpoint, nextStep, maxSteps, stepsTaken, inputs,
                cancelledBy, cancelledAt, null, startedAt, updatedAt, version, reason, null, queued);
    }

    /** This record, to be re-driven by the sweep at {@code at} unless the run moves on first (see {@link #redriveAt}). */
    public Run redrivenAt(Instant at) {
        return new Run(runId, tenant, threadId, agent, status, startStep, startCheckpoint, nextStep, maxSteps, stepsTaken, inputs,
                cancelledBy, cancelledAt, wakeAt, startedAt, updatedAt, version, endReason, at, queued);
    }

    public Run cancelRequested(String by, Instant now) {
        return next(status, nextStep, stepsTaken, inputs, by, now, wakeAt, now);
    }

    public Run withInput(JsonNode input, Instant now) {
        return withQueued(input, Queued.PLAIN, now);
    }

    /** {@code value} queued behind the run's other inputs, from {@code origin}. */
    public Run withQueued(JsonNode value, Queued origin, Instant now) {
        List<JsonNode> more = new ArrayList<>(inputs);
        more.add(value);
        List<Queued> origins = new ArrayList<>(queued);
        origins.add(origin);
        return next(status, nextStep, stepsTaken, more, origins, cancelledBy, cancelledAt, wakeAt, now);
    }

    /** The run picks up again at {@code step} (a resume of its INTERRUPTED thread committed {@code step - 1}). */
    public Run resumedAt(long step, Instant now) {
        return next(RunStatus.ACTIVE, step, stepsTaken, inputs, null, null, null, now);
    }

    /** The run's first step is taken at {@code step}: the thread moved before the run's first message ran. */
    public Run firstStepAt(long step, Instant now) {
        return new Run(runId, tenant, threadId, agent, status, step - 1, startCheckpoint, step, maxSteps, stepsTaken, inputs,
                cancelledBy, cancelledAt, wakeAt, startedAt, now, version + 1, null, redriveAt, queued);
    }
}
