package io.threadline.runtime;

import dev.langchain4j.model.chat.ChatModel;
import io.threadline.effects.ToolBox;
import io.threadline.graph.CompiledGraph;

import java.util.Optional;
import java.util.regex.Pattern;

/**
 * An agent Threadline serves: a name, the graph that runs it, and what its nodes may call. This is the
 * one extension point for bringing your own agent: implement it in your own package as an application
 * bean (e.g. {@code @ApplicationScoped}), and the application builds its runtime — checkpoint store,
 * long-term memory, codec, validator for its state type, telemetry, options — from configuration, and
 * serves it on every entry path under {@link #name()}.
 *
 * <pre>{@code
 * @ApplicationScoped
 * public class SupportAgent implements ThreadlineAgent<Ticket> {
 *     private static final CompiledGraph<Ticket> GRAPH = StateGraph.of(Ticket.class)
 *             .node("triage", (ticket, ctx) -> Update.of(...))
 *             .chain(StateGraph.START, "triage", StateGraph.END)
 *             .compile();
 *
 *     public String name() { return "support"; }
 *     public CompiledGraph<Ticket> graph() { return GRAPH; }
 * }
 * }</pre>
 *
 * <p>A thread is bound to the agent that created it (its checkpoints name it); a request that names
 * another agent on that thread is refused with {@code AGENT_MISMATCH}. Outside an application, the same
 * description builds a runtime directly: {@code ThreadRuntime.builder(agent).store(…).build()}.
 *
 * <p>Implementations are read once, when the runtime is built; they should return the same values each time.
 *
 * @param <S> the agent's state record type
 */
public interface ThreadlineAgent<S> {

    /** What a name may be: it appears in requests, stored checkpoints, spans and URLs. */
    Pattern NAME = Pattern.compile("[a-z][a-z0-9-]{0,47}");

    /**
     * The agent's name, as requests give it ({@code "agent": "support"}): 1–48 lower-case letters,
     * digits and {@code -}, starting with a letter. Stored in every checkpoint of its threads, so
     * renaming an agent orphans its threads.
     */
    String name();

    /** The agent's compiled graph; its state type is the one the agent's threads hold. */
    CompiledGraph<S> graph();

    /** The tools behind {@code StepContext.executeTool}. Default: none. */
    default ToolBox tools() {
        return ToolBox.none();
    }

    /**
     * The model behind {@code StepContext.chat} when this agent needs its own; empty (the default) for the
     * application's chat model (README, "Choosing the chat model").
     */
    default Optional<ChatModel> chatModel() {
        return Optional.empty();
    }

    /** One line saying what the agent does, shown by the inspector and in the logs at start. Default: none. */
    default String description() {
        return "";
    }

    /** {@code name} if it follows {@link #NAME}; a bad name is refused when the runtime is built, naming the rule. */
    static String checkedName(String name) {
        if (name == null || !NAME.matcher(name).matches()) {
            throw new IllegalArgumentException("agent name " + (name == null ? "null" : "'" + name + "'")
                    + " must be 1-48 lower-case letters, digits and '-', starting with a letter");
        }
        return name;
    }

    /** An agent described in place: for tests, demos, and producer methods. */
    static <S> ThreadlineAgent<S> of(String name, CompiledGraph<S> graph, ToolBox tools) {
        return new DescribedAgent<>(checkedName(name), graph, tools);
    }
}
