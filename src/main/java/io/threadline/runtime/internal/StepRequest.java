package io.threadline.runtime.internal;

import com.fasterxml.jackson.databind.JsonNode;
import io.threadline.checkpoint.CheckpointId;
import io.threadline.checkpoint.ThreadKey;
import io.threadline.state.Update;

/**
 * What a caller asked one step to do, whichever head it is then decided on: {@link StepRunner} may try it on a
 * cached head and again on the stored one.
 *
 * @param <S>            the state record type
 * @param thread         the thread the step is on
 * @param input          the caller's update, applied before the nodes run
 * @param idempotencyKey the caller's key for the step, or {@code null}
 * @param resume         the answer to the thread's interrupt, or {@code null} for a plain step
 * @param expectedHead   the checkpoint the thread's head must be (a run's next step), or {@code null} for any
 * @param terms          what the step's commit carries: the thread's tags if it creates it, a background run's guard
 */
record StepRequest<S>(ThreadKey thread, Update<S> input, String idempotencyKey, JsonNode resume, CheckpointId expectedHead,
                      CommitTerms terms) {}
