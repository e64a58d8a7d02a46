package io.threadline.runtime.internal;

import com.fasterxml.jackson.databind.JsonNode;
import io.threadline.ErrorCode;
import io.threadline.ThreadlineException;
import io.threadline.checkpoint.Checkpoint;
import io.threadline.checkpoint.CheckpointChain;
import io.threadline.checkpoint.Materializer;
import io.threadline.state.StateCodec;
import io.threadline.state.StateSchema;

import java.util.Map;

/** Turns a stored chain into a typed state of the current schema, refusing what it cannot read. */
public final class StateLoader<S> {

    private final StateSchema<S> schema;
    private final StateCodec codec;

    public StateLoader(StateSchema<S> schema, StateCodec codec) {
        this.schema = schema;
        this.codec = codec;
    }

    public Head<S> head(CheckpointChain chain) {
        return new Head<>(chain.target(), state(chain), chain.snapshotBytes(), chain.deltaBytes(), chain.snapshot().createdAt());
    }

    public S state(CheckpointChain chain) {
        for (Checkpoint cp : chain.checkpoints()) {
            checkVersion(cp);
        }
        JsonNode tree = Materializer.stateTree(chain, codec);
        return schema.readOnly(codec.fromTree(tree, schema.type()));
    }

    private void checkVersion(Checkpoint cp) {
        if (cp.schemaVersion() == schema.version()) {
            return;
        }
        String what = cp.schemaVersion() > schema.version()
                ? "was written by a newer schema (v" + cp.schemaVersion() + ") than this code knows (v" + schema.version()
                        + "); deploy the newer code to read it"
                : "was written by schema v" + cp.schemaVersion() + " and no migration to v" + schema.version() + " is registered";
        throw new ThreadlineException(ErrorCode.INTERNAL,
                "checkpoint " + cp.id() + " of thread " + cp.thread().threadId() + " " + what,
                Map.of("checkpointId", cp.id().value(), "storedVersion", cp.schemaVersion(), "codeVersion", schema.version()));
    }
}
