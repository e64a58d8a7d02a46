package io.threadline.examples.reference;

import io.quarkus.runtime.annotations.RegisterForReflection;
import io.threadline.effects.ToolBox;
import io.threadline.graph.CompiledGraph;
import io.threadline.runtime.ThreadlineAgent;
import jakarta.inject.Singleton;

/**
 * The reference agent as the application serves it: a {@link ThreadlineAgent} bean named {@value #NAME},
 * written as any agent a user adds. Switch it off with {@code threadline.agents.disabled=reference}.
 * Its state and tool types are registered for reflection here, as every agent's must be for the native
 * image ({@code AgentNativeRegistrationTest} names any that is missing).
 */
@Singleton
@RegisterForReflection(targets = {AgentState.class, Message.class, ToolCall.class, AgentTools.class})
public class ReferenceAgentBean implements ThreadlineAgent<AgentState> {

    /** The name requests use for the reference agent. */
    public static final String NAME = "reference";

    private final CompiledGraph<AgentState> graph;

    ReferenceAgentBean(ReferenceAgentConfig config) {
        this.graph = ReferenceAgent.graph(config.approveTools());
    }

    @Override
    public String name() {
        return NAME;
    }

    @Override
    public CompiledGraph<AgentState> graph() {
        return graph;
    }

    @Override
    public ToolBox tools() {
        return ReferenceAgent.tools();
    }

    @Override
    public String description() {
        return "the seed's assistant: answers, or calls calculator and clock tools, with long-term memory";
    }
}
