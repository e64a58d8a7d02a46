package io.threadline.runtime.internal;

import io.threadline.ErrorCode;
import io.threadline.ThreadlineException;
import io.threadline.checkpoint.Checkpoint;
import io.threadline.checkpoint.CheckpointId;
import io.threadline.checkpoint.ThreadKey;
import io.threadline.runtime.StepResult;
import io.threadline.state.AppliedUpdate;
import io.threadline.state.internal.JsonDiff;
import io.threadline.state.StateCodec;
import io.threadline.state.internal.StateDelta;
import io.threadline.state.StateValidator;
import io.threadline.state.Update;

import java.util.Map;
import java.util.TreeMap;
import java.util.function.Supplier;

/**
 * Fork, rewind and update: checkpoints no node produced, attributed in their metadata
 * ({@code by=external}, {@code op}, {@code reason}) and observed as spans of their own.
 *
 * <p>Each stands where the checkpoint it copies stood (its next nodes, its interrupt) and is stamped with the deployed
 * graph's fingerprint and routes, so the deployed graph must be able to go on from there: the same version rule as a
 * step ({@link GraphVersions#require}) is applied to that checkpoint first — {@code GRAPH_INCOMPATIBLE} or
 * {@code GRAPH_PINNED}, nothing written. Without it, a route the new graph lost would be stamped away unnoticed.
 * A declared node migration is left to the next step, which applies and records it.
 *
 * @param <S> the state record type
 */
public final class TimeTravel<S> {

    private final ThreadHeads<S> heads;
    private final RuntimeParts<S> parts;
    private final StateValidator<S> validator;

    public TimeTravel(ThreadHeads<S> heads, StateValidator<S> validator) {
        this.heads = heads;
        this.parts = heads.parts();
        this.validator = validator;
    }

    /** See {@code ThreadRuntime.fork}. */
    public StepResult<S> fork(ThreadKey source, CheckpointId id, ThreadKey target, String reason) {
        return observedExternal(target, "fork", () -> forkObserved(source, id, target, reason));
    }

    private StepResult<S> forkObserved(ThreadKey source, CheckpointId id, ThreadKey target, String reason) {
        if (!source.tenant().equals(target.tenant())) {
            throw new ThreadlineException(ErrorCode.INVALID_INPUT, "a fork stays in its tenant", Map.of("field", "targetThreadId"));
        }
        Checkpoint from = parts.store().get(source, id).orElseThrow(() -> heads.notFound(source, id));
        parts.versions().require(from);
        S state = heads.stateAt(source, id).state();
        Map<String, String> metadata = external("fork", reason);
        metadata.put("forkOf", source.threadId() + "@" + id.value());
        return append(target, null, state, null, from, metadata);
    }

    /** See {@code ThreadRuntime.rewind}. */
    public StepResult<S> rewind(ThreadKey thread, CheckpointId id, String reason) {
        return observedExternal(thread, "rewind", () -> rewindObserved(thread, id, reason));
    }

    private StepResult<S> rewindObserved(ThreadKey thread, CheckpointId id, String reason) {
        Head<S> head = heads.require(thread);
        Checkpoint to = parts.store().get(thread, id).orElseThrow(() -> heads.notFound(thread, id));
        parts.versions().require(to);
        S state = heads.stateAt(thread, id).state();
        StateCodec codec = parts.codec();
        byte[] patch = codec.writeTree(JsonDiff.diff(codec.toTree(head.state()), codec.toTree(state)));
        Map<String, String> metadata = external("rewind", reason);
        metadata.put("rewoundTo", id.value());
        return append(thread, head, state, patch, to, metadata);
    }

    /** See {@code ThreadRuntime.update}. */
    public StepResult<S> update(ThreadKey thread, Update<S> update, String reason) {
        return observedExternal(thread, "update", () -> updateObserved(thread, update, reason));
    }

    private StepResult<S> updateObserved(ThreadKey thread, Update<S> update, String reason) {
        Head<S> head = heads.require(thread);
        parts.versions().require(head.checkpoint());
        AppliedUpdate<S> applied = parts.schema().apply(head.state(), update.changes());
        validator.check(validator.validateChanges(applied));
        byte[] patch = StateDelta.encode(applied.changes(), parts.codec());
        return append(thread, head, applied.state(), patch, head.checkpoint(), external("update", reason));
    }

    /** A checkpoint no node produced: its state, and where the thread stands taken from {@code like}. */
    private StepResult<S> append(ThreadKey thread, Head<S> head, S state, byte[] patch, Checkpoint like, Map<String, String> metadata) {
        Checkpoint written = heads.append(thread, head, state, patch, metadata, (draft, id) -> draft.externalWrite(like)).checkpoint();
        return new StepResult<>(written, state, false);
    }

    private StepResult<S> observedExternal(ThreadKey thread, String op, Supplier<StepResult<S>> change) {
        return Observed.step(parts.options().observer().externalStarted(thread, op), change);
    }

    private static Map<String, String> external(String op, String reason) {
        Map<String, String> metadata = new TreeMap<>();
        metadata.put("by", "external");
        metadata.put("op", op);
        if (reason != null && !reason.isBlank()) {
            metadata.put("reason", reason);
        }
        return metadata;
    }
}
