package io.threadline.graph;

import io.threadline.state.Channel;
import io.threadline.state.ListChannel;
import io.threadline.state.SchemaVersion;
import io.threadline.state.Update;

import java.util.List;

import static io.threadline.graph.StateGraph.END;
import static io.threadline.graph.StateGraph.START;

/**
 * Versions of one small document agent, for the tests of graph versions: each node appends its name to the log,
 * one node a step. {@link #v1()} is {@code draft → review → publish}; the others are what a team might deploy next.
 * {@link #main} prints v1's fingerprint (another JVM computing it must print the same).
 */
public final class DocGraphs {

    public record Doc(List<String> log) {
        public static final ListChannel<Doc, String> LOG = Channel.appending("log");
    }

    /** The same fields under schema version 2 (a state change the fingerprint must notice). */
    @SchemaVersion(2)
    public record DocV2(List<String> log) {
        public static final ListChannel<DocV2, String> LOG = Channel.appending("log");
    }

    public enum Verdict { GOOD, REWORK }

    private DocGraphs() {
    }

    static Node<Doc> writes(String name) {
        return (doc, ctx) -> Update.of(Doc.LOG.append(name));
    }

    /** {@code draft → review → publish → END}. */
    public static StateGraph<Doc> v1Builder() {
        return StateGraph.of(Doc.class)
                .node("draft", writes("draft"))
                .node("review", writes("review"))
                .node("publish", writes("publish"))
                .edge(START, "draft")
                .chain("draft", "review", "publish", END);
    }

    public static CompiledGraph<Doc> v1() {
        return v1Builder().compile();
    }

    /** Compatible with v1 everywhere: a new node {@code summarize} that draft may route to before review. */
    public static CompiledGraph<Doc> withSummary() {
        return StateGraph.of(Doc.class)
                .node("draft", writes("draft"))
                .node("summarize", writes("summarize"))
                .node("review", writes("review"))
                .node("publish", writes("publish"))
                .edge(START, "draft")
                .route("draft", doc -> Route.to("review", "short enough"), "review", "summarize")
                .chain("summarize", "review")
                .chain("review", "publish", END)
                .compile();
    }

    /** review renamed {@code check}: a thread waiting at review has nowhere to go, unless {@code migrated}. */
    public static CompiledGraph<Doc> reviewRenamed(boolean migrated) {
        StateGraph<Doc> g = StateGraph.of(Doc.class)
                .node("draft", writes("draft"))
                .node("check", writes("check"))
                .node("publish", writes("publish"))
                .edge(START, "draft")
                .chain("draft", "check", "publish", END);
        return (migrated ? g.migrateNode("review", "check") : g).compile();
    }

    /** publish replaced by {@code archive}: review's route to publish is gone (a thread at review is refused). */
    public static CompiledGraph<Doc> publishReplaced() {
        return StateGraph.of(Doc.class)
                .node("draft", writes("draft"))
                .node("review", writes("review"))
                .node("archive", writes("archive"))
                .edge(START, "draft")
                .chain("draft", "review", "archive", END)
                .compile();
    }

    public static void main(String[] args) {
        System.out.println(v1().fingerprint().value());
    }
}
