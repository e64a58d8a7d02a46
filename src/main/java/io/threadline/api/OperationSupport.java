package io.threadline.api;

import com.fasterxml.jackson.databind.JsonNode;
import io.threadline.ErrorCode;
import io.threadline.ThreadlineException;
import io.threadline.checkpoint.CheckpointStore;
import io.threadline.config.Agents;
import io.threadline.runtime.StepResult;
import io.threadline.runtime.ThreadRuntime;
import io.threadline.state.StateCodec;
import io.threadline.state.Update;
import io.threadline.state.internal.UpdateDecoder;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;

import java.util.Map;

/**
 * What the operation groups share: the agents' runtimes, the checkpoint store, the state codec and the API's
 * limits, with the steps every group takes the same way (reading a request's input, answering a new checkpoint).
 */
@ApplicationScoped
public class OperationSupport {

    @Inject
    CheckpointStore store;

    @Inject
    Agents agents;

    @Inject
    StateCodec codec;

    @Inject
    ApiConfig config;

    /** Support wired by hand (tests that call a group directly); {@code config} may be null where no limit is read. */
    static OperationSupport of(Agents agents, CheckpointStore store, StateCodec codec, ApiConfig config) {
        OperationSupport support = new OperationSupport();
        support.agents = agents;
        support.store = store;
        support.codec = codec;
        support.config = config;
        return support;
    }

    CheckpointStore store() {
        return store;
    }

    StateCodec codec() {
        return codec;
    }

    ApiConfig config() {
        return config;
    }

    /** The runtime of the agent a request names ({@code null}: the only one); an unknown agent is refused. */
    ThreadRuntime<?> runtime(String agent) {
        return agents.runtime(agent);
    }

    /**
     * A request's {@code input} as an update of the agent's state: refused when its JSON is larger than
     * {@code threadline.api.max-input-bytes} ({@code PAYLOAD_TOO_LARGE}) or does not fit the schema, before anything is stored.
     */
    Update<?> input(ThreadRuntime<?> runtime, JsonNode input) {
        checkSize(input);
        return UpdateDecoder.decode(runtime.graph().schema(), input, codec);
    }

    /** {@code PAYLOAD_TOO_LARGE} when {@code value}'s JSON is larger than {@code threadline.api.max-input-bytes}. */
    void checkSize(JsonNode value) {
        if (value != null && codec.writeTree(value).length > config.maxInputBytes()) {
            throw new ThreadlineException(ErrorCode.PAYLOAD_TOO_LARGE,
                    "input is larger than " + config.maxInputBytes() + " bytes of JSON", Map.of("limit", config.maxInputBytes()));
        }
    }

    /** The answer of an operation that wrote a checkpoint: its summary and the state it holds. */
    Replies.Step stepReply(StepResult<?> result, boolean duplicate) {
        return new Replies.Step(CheckpointSummary.of(result.checkpoint()), codec.toTree(result.state()), duplicate, null);
    }
}
