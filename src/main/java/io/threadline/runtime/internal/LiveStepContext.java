package io.threadline.runtime.internal;

import io.threadline.checkpoint.CheckpointId;
import io.threadline.checkpoint.ThreadKey;
import io.threadline.graph.StepContext;

import java.time.Clock;
import java.time.Instant;
import java.util.random.RandomGenerator;

/** The context of a step running live: time and ids come from the runtime's clock and randomness. */
public final class LiveStepContext implements StepContext {

    private final ThreadKey thread;
    private final long step;
    private final Clock clock;
    private final RandomGenerator random;
    private CheckpointId lastId;

    public LiveStepContext(ThreadKey thread, long step, Clock clock, RandomGenerator random) {
        this.thread = thread;
        this.step = step;
        this.clock = clock;
        this.random = random;
    }

    @Override
    public String tenant() {
        return thread.tenant();
    }

    @Override
    public String threadId() {
        return thread.threadId();
    }

    @Override
    public long step() {
        return step;
    }

    @Override
    public Instant now() {
        return clock.instant();
    }

    @Override
    public String newId() {
        lastId = CheckpointId.next(clock.instant(), random, lastId);
        return lastId.value();
    }
}
