package io.threadline.examples.reference;

import io.threadline.config.Agents;
import io.threadline.runtime.ThreadRuntime;
import jakarta.enterprise.inject.Produces;
import jakarta.inject.Singleton;

/** Tests that drive the reference agent's runtime directly inject it typed, as the application serves it. */
public class ReferenceRuntimeProducer {

    @Produces
    @Singleton
    ThreadRuntime<AgentState> referenceRuntime(Agents agents) {
        return agents.runtime(ReferenceAgentBean.NAME, AgentState.class);
    }
}
