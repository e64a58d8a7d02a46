package io.threadline.runs;

import com.fasterxml.jackson.databind.JsonNode;

import java.time.Instant;
import java.util.ArrayList;
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
        long version) {

    public Run {
        Objects.requireNonNull(runId, "runId");
        Objects.requireNonNull(status, "status");
        inputs = inputs == null ? List.of() : java.util.Collections.unmodifiableList(new ArrayList<>(inputs));
    }

    public boolean active() {
        return status == RunStatus.ACTIVE;
    }

    /** The message that runs the run's next step. */
    public RunMessage nextMessage() {
        return new RunMessage(tenant, threadId, agent, runId, nextStep);
    }

    /** This record as its next version, written at {@code now}: the base of every change below. */
    private Run next(RunStatus status, long nextStep, int stepsTaken, List<JsonNode> inputs, String cancelledBy, Instant cancelledAt,
                     Instant wakeAt, Instant now) {
        return new Run(runId, tenant, threadId, agent, status, startStep, startCheckpoint, nextStep, maxSteps, stepsTaken, inputs,
                cancelledBy, cancelledAt, wakeAt, startedAt, now, version + 1);
    }

    /** Step {@code nextStep} committed; {@code consumedInput}: it applied the first queued input. */
    public Run stepped(boolean consumedInput, Instant wakeAt, Instant now) {
        List<JsonNode> rest = consumedInput && !inputs.isEmpty() ? inputs.subList(1, inputs.size()) : inputs;
        return next(status, nextStep + 1, stepsTaken + 1, rest, cancelledBy, cancelledAt, wakeAt, now);
    }

    public Run ended(RunStatus how, Instant now) {
        return next(how, nextStep, stepsTaken, inputs, cancelledBy, cancelledAt, null, now);
    }

    public Run cancelRequested(String by, Instant now) {
        return next(status, nextStep, stepsTaken, inputs, by, now, wakeAt, now);
    }

    public Run withInput(JsonNode input, Instant now) {
        List<JsonNode> more = new ArrayList<>(inputs);
        more.add(input);
        return next(status, nextStep, stepsTaken, more, cancelledBy, cancelledAt, wakeAt, now);
    }

    /** The run picks up again at {@code step} (a resume of its INTERRUPTED thread committed {@code step - 1}). */
    public Run resumedAt(long step, Instant now) {
        return next(RunStatus.ACTIVE, step, stepsTaken, inputs, null, null, null, now);
    }

    /** The run's first step is taken at {@code step}: the thread moved before the run's first message ran. */
    public Run firstStepAt(long step, Instant now) {
        return new Run(runId, tenant, threadId, agent, status, step - 1, startCheckpoint, step, maxSteps, stepsTaken, inputs,
                cancelledBy, cancelledAt, wakeAt, startedAt, now, version + 1);
    }
}
