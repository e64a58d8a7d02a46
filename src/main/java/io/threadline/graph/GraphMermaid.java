package io.threadline.graph;

import java.util.Collection;
import java.util.Locale;
import java.util.Set;

import static io.threadline.graph.StateGraph.END;
import static io.threadline.graph.StateGraph.START;

/**
 * Draws a {@link CompiledGraph} as a Mermaid flowchart from its public description (node names and
 * {@link CompiledGraph#edges()}), so the drawing and the edge list cannot disagree: fixed edges solid, a router's
 * targets dotted (with their labels). A router on START is not drawn, as before this class existed.
 */
final class GraphMermaid {

    /** Mermaid keywords that cannot be node ids; such nodes get a prefixed id (their label is unchanged). */
    private static final Set<String> MERMAID_KEYWORDS = Set.of("end", "graph", "subgraph", "flowchart", "style", "class",
            "classdef", "click", "linkstyle", "direction", "call", "href");

    private GraphMermaid() {
    }

    static String render(CompiledGraph<?> graph, Collection<String> highlighted) {
        StringBuilder m = new StringBuilder("flowchart TD\n");
        m.append("    ").append(START).append("([START])\n");
        for (String n : graph.nodeNames()) {
            m.append("    ").append(id(n)).append('[').append(n).append("]\n");
        }
        m.append("    ").append(END).append("([END])\n");
        for (GraphEdge e : graph.edges()) {
            if (!e.conditional()) {
                m.append("    ").append(id(e.from())).append(" --> ").append(id(e.to())).append('\n');
            } else if (!START.equals(e.from())) {
                String arrow = e.label() == null ? " -.-> " : " -. " + e.label() + " .-> ";
                m.append("    ").append(id(e.from())).append(arrow).append(id(e.to())).append('\n');
            }
        }
        if (!highlighted.isEmpty()) {
            m.append("    classDef current fill:#ffd966,stroke:#b45f06,stroke-width:2px\n");
            for (String n : highlighted) {
                if (graph.hasNode(n)) {
                    m.append("    class ").append(id(n)).append(" current\n");
                }
            }
        }
        return m.toString();
    }

    private static String id(String node) {
        return MERMAID_KEYWORDS.contains(node.toLowerCase(Locale.ROOT)) ? "node_" + node : node;
    }
}
