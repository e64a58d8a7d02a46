package io.threadline.runtime;

import io.threadline.effects.ToolBox;
import io.threadline.graph.CompiledGraph;

/** The agent {@link ThreadlineAgent#of} describes in place: its components are the interface's answers. */
record DescribedAgent<S>(String name, CompiledGraph<S> graph, ToolBox tools) implements ThreadlineAgent<S> {

    @Override
    public String toString() {
        return "ThreadlineAgent[" + name + "]";
    }
}
