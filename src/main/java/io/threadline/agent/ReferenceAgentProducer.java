package io.threadline.agent;

import io.threadline.checkpoint.CheckpointStore;
import io.threadline.config.MemoryStores;
import io.threadline.runtime.RuntimeOptions;
import io.threadline.runtime.ThreadRuntime;
import io.threadline.state.StateCodec;
import jakarta.enterprise.inject.Produces;
import jakarta.inject.Singleton;
import jakarta.validation.Validator;

/** The reference agent's runtime as a bean, on the checkpoint store and long-term memory the application wires. */
public class ReferenceAgentProducer {

    @Produces
    @Singleton
    ThreadRuntime<AgentState> referenceAgentRuntime(CheckpointStore store, Validator validator, StateCodec codec,
                                                    RuntimeOptions options, MemoryStores memory) {
        return new ThreadRuntime<>(ReferenceAgent.graph(), store, validator, codec, options, memory.store().orElse(null));
    }
}
