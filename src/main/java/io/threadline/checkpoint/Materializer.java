package io.threadline.checkpoint;

import com.fasterxml.jackson.databind.JsonNode;
import io.threadline.state.internal.JsonPatch;
import io.threadline.state.StateCodec;

/** Rebuilds a checkpoint's state as JSON from its chain: the snapshot, then each delta in order. */
public final class Materializer {

    private Materializer() {
    }

    public static JsonNode stateTree(CheckpointChain chain, StateCodec codec) {
        JsonNode state = codec.readTree(chain.snapshot().change().json());
        for (int i = 1; i < chain.checkpoints().size(); i++) {
            JsonPatch.apply(state, codec.readTree(chain.checkpoints().get(i).change().json()));
        }
        return state;
    }
}
