package io.threadline.runtime;

import io.threadline.checkpoint.Checkpoint;

/**
 * The answer to one step: the committed checkpoint and the state it holds.
 *
 * @param duplicate true when the idempotency key had been seen and nothing was run or written; the
 *                  checkpoint is then the one first committed with that key
 */
public record StepResult<S>(Checkpoint checkpoint, S state, boolean duplicate) {}
