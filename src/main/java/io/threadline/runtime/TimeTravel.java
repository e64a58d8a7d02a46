package io.threadline.runtime;

import io.threadline.ErrorCode;
import io.threadline.ThreadlineException;
import io.threadline.checkpoint.Checkpoint;
import io.threadline.checkpoint.CheckpointId;
import io.threadline.checkpoint.CheckpointStore;
import io.threadline.checkpoint.ThreadKey;
import io.threadline.runtime.internal.Head;
import io.threadline.state.AppliedUpdate;
import io.threadline.state.StateCodec;
import io.threadline.state.StateDelta;
import io.threadline.state.StateSchema;
import io.threadline.state.StateValidator;
import io.threadline.state.Update;

import java.util.Map;

/**
 * {@link ThreadRuntime}'s fork, rewind and update: checkpoints no node produced, attributed in their
 * metadata ({@code by=external}, {@code op}, {@code reason}) and observed as spans of their own.
 */
final class TimeTravel<S> {

    /** The runtime's side: the thread's head, states at checkpoints, and the one way to append a checkpoint. */
    interface Threads<S> {
        /** The thread's head; {@code THREAD_NOT_FOUND} if it has none. */
        Head<S> head(ThreadKey thread);

        ThreadState<S> stateAt(ThreadKey thread, CheckpointId id);

        ThreadlineException notFound(ThreadKey thread, CheckpointId id);

        /** Commits a checkpoint holding {@code state}, whose next nodes and status are {@code like}'s. */
        StepResult<S> append(ThreadKey thread, Head<S> head, S state, byte[] patch, Checkpoint like, Map<String, String> metadata,
                             long expectedStep);
    }

    private final CheckpointStore store;
    private final StateCodec codec;
    private final StateSchema<S> schema;
    private final StateValidator<S> validator;
    private final StepObserver observer;
    private final Threads<S> threads;

    TimeTravel(CheckpointStore store, StateCodec codec, StateSchema<S> schema, StateValidator<S> validator, StepObserver observer,
               Threads<S> threads) {
        this.store = store;
        this.codec = codec;
        this.schema = schema;
        this.validator = validator;
        this.observer = observer;
        this.threads = threads;
    }

    /** See {@link ThreadRuntime#fork}. */
    StepResult<S> fork(ThreadKey source, CheckpointId id, ThreadKey target, String reason) {
        return observedExternal(target, "fork", () -> forkObserved(source, id, target, reason));
    }

    private StepResult<S> forkObserved(ThreadKey source, CheckpointId id, ThreadKey target, String reason) {
        if (!source.tenant().equals(target.tenant())) {
            throw new ThreadlineException(ErrorCode.INVALID_INPUT, "a fork stays in its tenant", Map.of("field", "targetThreadId"));
        }
        Checkpoint from = store.get(source, id).orElseThrow(() -> threads.notFound(source, id));
        S state = threads.stateAt(source, id).state();
        Map<String, String> metadata = external("fork", reason);
        metadata.put("forkOf", source.threadId() + "@" + id.value());
        return threads.append(target, null, state, null, from, metadata, 0);
    }

    /** See {@link ThreadRuntime#rewind}. */
    StepResult<S> rewind(ThreadKey thread, CheckpointId id, String reason) {
        return observedExternal(thread, "rewind", () -> rewindObserved(thread, id, reason));
    }

    private StepResult<S> rewindObserved(ThreadKey thread, CheckpointId id, String reason) {
        Head<S> head = threads.head(thread);
        Checkpoint to = store.get(thread, id).orElseThrow(() -> threads.notFound(thread, id));
        S state = threads.stateAt(thread, id).state();
        byte[] patch = codec.writeTree(io.threadline.state.JsonDiff.diff(codec.toTree(head.state()), codec.toTree(state)));
        Map<String, String> metadata = external("rewind", reason);
        metadata.put("rewoundTo", id.value());
        return threads.append(thread, head, state, patch, to, metadata, head.checkpoint().step());
    }

    /** See {@link ThreadRuntime#update}. */
    StepResult<S> update(ThreadKey thread, Update<S> update, String reason) {
        return observedExternal(thread, "update", () -> updateObserved(thread, update, reason));
    }

    private StepResult<S> updateObserved(ThreadKey thread, Update<S> update, String reason) {
        Head<S> head = threads.head(thread);
        AppliedUpdate<S> applied = schema.apply(head.state(), update.changes());
        validator.check(validator.validateChanges(applied));
        byte[] patch = codec.writeTree(StateDelta.toPatch(applied.changes(), codec));
        return threads.append(thread, head, applied.state(), patch, head.checkpoint(), external("update", reason),
                head.checkpoint().step());
    }

    private StepResult<S> observedExternal(ThreadKey thread, String op, java.util.function.Supplier<StepResult<S>> change) {
        return ThreadRuntime.observed(observer.externalStarted(thread, op), change);
    }

    private static Map<String, String> external(String op, String reason) {
        Map<String, String> metadata = new java.util.TreeMap<>();
        metadata.put("by", "external");
        metadata.put("op", op);
        if (reason != null && !reason.isBlank()) {
            metadata.put("reason", reason);
        }
        return metadata;
    }
}
