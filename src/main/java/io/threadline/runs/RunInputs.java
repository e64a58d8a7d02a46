package io.threadline.runs;

import com.fasterxml.jackson.databind.JsonNode;
import io.threadline.ErrorCode;
import io.threadline.ThreadlineException;
import io.threadline.checkpoint.ThreadKey;
import io.threadline.runtime.IdempotencyKeys;
import io.threadline.runtime.ThreadRuntime;
import io.threadline.state.Update;

import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.Map;
import java.util.Optional;

/**
 * The inputs given to background runs, behind {@link BackgroundRuns}: checked as the thread's next step would apply
 * them before anything is written, and queued onto a run in progress (double texting {@code enqueue}) within the
 * bound on the run record's size.
 */
final class RunInputs {

    private final RunParts parts;

    RunInputs(RunParts parts) {
        this.parts = parts;
    }

    /** See {@link BackgroundRuns#enqueue}. */
    Optional<BackgroundRuns.Enqueued> enqueue(ThreadKey thread, String agent, String kind, JsonNode value, String idempotencyKey,
                                              String by) {
        if (!Run.Queued.INPUT.equals(kind) && !Run.Queued.RESUME.equals(kind)) {
            throw new IllegalArgumentException("kind must be input or resume, got " + kind);
        }
        IdempotencyKeys.check(idempotencyKey);
        boolean checked = false;
        for (int race = 0; race < RunWorker.MAX_RACES; race++) {
            Run current = parts.runs().get(thread).orElse(null);
            if (current == null || !current.active()) {
                return Optional.empty();
            }
            if (idempotencyKey != null) {
                int position = current.positionOf(idempotencyKey);
                if (position > 0) {
                    return Optional.of(new BackgroundRuns.Enqueued(current, position));
                }
                if (parts.store().findByIdempotencyKey(thread, idempotencyKey).isPresent()) {
                    return Optional.of(new BackgroundRuns.Enqueued(current, 0));
                }
            }
            if (!checked && Run.Queued.INPUT.equals(kind)) {
                check(thread, agent, value);
                checked = true;
            }
            Instant now = parts.clock().instant();
            Run joined = fits(current.withQueued(value, new Run.Queued(kind, idempotencyKey, by, now), now));
            if (parts.put(joined)) {
                return Optional.of(new BackgroundRuns.Enqueued(joined, joined.queuedInputs()));
            }
        }
        throw RunParts.changedTooOften(thread, " to queue the input");
    }

    /**
     * {@code input} as the run's first step would apply it to the thread's head: refused here ({@code
     * VALIDATION_FAILED}, {@code INVALID_INPUT} — the codes of a foreground step) before anything is written, rather
     * than by the step in the background, where the caller would not hear of it.
     */
    void check(ThreadKey thread, String agent, JsonNode input) {
        if (input == null || input.isNull()) {
            return;
        }
        ThreadRuntime<?> runtime = parts.runtimes().runtime(agent);
        checkOn(runtime, thread, parts.runtimes().decode(runtime, input));
    }

    @SuppressWarnings({"unchecked", "rawtypes"})
    private static void checkOn(ThreadRuntime runtime, ThreadKey thread, Update input) {
        runtime.checkInput(thread, input);
    }

    /** {@code run}, a record that grew by a queued input, if it is not larger than the settings allow; else PAYLOAD_TOO_LARGE. */
    Run fits(Run run) {
        int bytes = RunCodec.write(run).getBytes(StandardCharsets.UTF_8).length;
        int limit = parts.settings().maxRecordBytes();
        if (bytes > limit) {
            throw new ThreadlineException(ErrorCode.PAYLOAD_TOO_LARGE, "the run's queue of inputs is full: with this input its record would be "
                    + bytes + " bytes, over threadline.runs.max-record-bytes (" + limit + "); wait for the run to apply some",
                    Map.of("limit", limit, "queuedInputs", run.queuedInputs() - 1));
        }
        return run;
    }
}
