package io.threadline.runtime.internal;

import io.threadline.runtime.StepObserver;
import io.threadline.runtime.StepResult;

import java.util.function.Supplier;

/** Runs a change of a thread under its observation, which is told exactly once how it ended. */
final class Observed {

    private Observed() {
    }

    static <S> StepResult<S> step(StepObserver.Step observation, Supplier<StepResult<S>> change) {
        try {
            StepResult<S> result = change.get();
            observation.committed(result.checkpoint(), result.duplicate());
            return result;
        } catch (RuntimeException e) {
            observation.failed(e);
            throw e;
        }
    }
}
