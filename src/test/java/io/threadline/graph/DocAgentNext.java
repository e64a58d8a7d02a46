package io.threadline.graph;

import io.threadline.runtime.ThreadlineAgent;

/** The document agent's next version, as an agent class the dry-run command can load: review renamed check, with its migration. */
public class DocAgentNext implements ThreadlineAgent<DocGraphs.Doc> {

    @Override
    public String name() {
        return "doc";
    }

    @Override
    public CompiledGraph<DocGraphs.Doc> graph() {
        return DocGraphs.reviewRenamed(true);
    }
}
