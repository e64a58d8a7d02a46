package io.threadline.runtime.internal;

import com.fasterxml.jackson.databind.JsonNode;
import io.threadline.checkpoint.Checkpoint;
import io.threadline.checkpoint.ThreadKey;
import io.threadline.state.internal.JsonDiff;
import io.threadline.state.StateCodec;

/**
 * A checkpoint's state change against its parent as a JSON Patch, whatever the store kept: a stored delta
 * as is; a snapshot diffed against its parent's state (the first checkpoint of a thread against the
 * schema's initial state; of a fork, against nothing: the whole state).
 *
 * @param <S> the state record type
 */
public final class HistoryDiffs<S> {

    private final ThreadHeads<S> heads;
    private final RuntimeParts<S> parts;

    public HistoryDiffs(ThreadHeads<S> heads) {
        this.heads = heads;
        this.parts = heads.parts();
    }

    public JsonNode diff(ThreadKey thread, Checkpoint cp) {
        StateCodec codec = parts.codec();
        if (!cp.isSnapshot()) {
            return codec.readTree(cp.change().json());
        }
        JsonNode after = codec.toTree(heads.stateAt(thread, cp.id()).state());
        JsonNode before = cp.parent() != null && parts.store().get(thread, cp.parent()).isPresent()
                ? codec.toTree(heads.stateAt(thread, cp.parent()).state())
                : cp.metadata().containsKey("forkOf") ? codec.mapper().createObjectNode() : codec.toTree(parts.schema().initial());
        return JsonDiff.diff(before, after);
    }
}
