package io.threadline.runtime;

import io.threadline.checkpoint.Checkpoint;
import io.threadline.checkpoint.CheckpointStore;
import io.threadline.checkpoint.ThreadKey;
import io.threadline.effects.EffectObserver;
import io.threadline.memory.MemoryStore;

import java.util.List;

/**
 * Watches a {@link ThreadRuntime} work, for telemetry: each step from its call to its answer, the
 * calls to the checkpoint and memory stores, and each effect (model, tool, recall, clock, id) as it
 * is made. The core knows nothing of what is done with it; {@code io.threadline.telemetry} turns it
 * into OpenTelemetry spans, metrics and log context. Set it with {@link RuntimeOptions#withObserver};
 * the default, {@link #NONE}, costs nothing.
 *
 * <p>What a step's observation carries (thread, tenant, step number, nodes that ran, decisions with
 * their reasons, next nodes, status, checkpoint and parent ids, retries as {@code attempts.<node>}
 * metadata, whether it was a duplicate) is the {@link Checkpoint} it ended with; a step that
 * committed nothing (a conflict, invalid state, an unavailable store) ends with its exception.
 *
 * <p>The store hooks wrap a store rather than add callbacks at each call site: every load, commit and
 * memory write — the outbox's too — passes through the wrapper, and the runtime's code stays as it is.
 * Implementations must not throw from callbacks and must be thread-safe: one observer serves every
 * step of every thread.
 */
public interface StepObserver extends EffectObserver {

    /** Observes nothing. */
    StepObserver NONE = new StepObserver() {
    };

    /**
     * A call to {@code ThreadRuntime.step} (also each step of {@code run}) begins, before the thread
     * is loaded. Calls to the stores and effects until the returned handle ends belong to this step,
     * on this Java thread.
     */
    default Step stepStarted(ThreadKey thread) {
        return Step.NONE;
    }

    /**
     * A checkpoint no node produces begins: {@code op} is {@code fork} (on the new thread), {@code rewind} or
     * {@code update}. Told how it ended like a step; no node runs, so no effects are observed.
     */
    default Step externalStarted(ThreadKey thread, String op) {
        return Step.NONE;
    }

    /**
     * The step's number and the nodes it will run are known (the thread is loaded), and its nodes are
     * about to run; returns what observes the step's effects.
     */
    default EffectObserver stepRunning(ThreadKey thread, long step, List<String> scheduled) {
        return this;
    }

    /** The checkpoint store the runtime uses, wrapped to observe its calls (the runtime calls this once). */
    default CheckpointStore checkpointStore(CheckpointStore store) {
        return store;
    }

    /** The memory store the runtime uses (recall and the outbox's writes), wrapped to observe its calls. */
    default MemoryStore memoryStore(MemoryStore memory) {
        return memory;
    }

    /** One step in progress; told exactly once how it ended. */
    interface Step {

        /** Ignores how the step ended. */
        Step NONE = new Step() {
            @Override
            public void committed(Checkpoint checkpoint, boolean duplicate) {
            }

            @Override
            public void failed(RuntimeException error) {
            }
        };

        /**
         * The step answered with {@code checkpoint}: a new one (RUNNING, DONE, INTERRUPTED or FAILED — a
         * failed node is stored, not thrown) or, when {@code duplicate}, the one first committed with the
         * same idempotency key.
         */
        void committed(Checkpoint checkpoint, boolean duplicate);

        /** The step threw {@code error} and committed nothing. */
        void failed(RuntimeException error);
    }
}
