package io.threadline.runtime;

import dev.langchain4j.model.chat.ChatModel;
import io.threadline.checkpoint.CheckpointStore;
import io.threadline.checkpoint.InMemoryCheckpointStore;
import io.threadline.effects.ToolBox;
import io.threadline.graph.CompiledGraph;
import io.threadline.memory.MemoryStore;
import io.threadline.state.StandaloneValidation;
import io.threadline.state.StateCodec;
import jakarta.validation.Validator;

import java.util.Objects;

/**
 * Builds a {@link ThreadRuntime} for one graph; everything but the graph has a default, so a test or a demo
 * needs one line and a deployment names only what it changes:
 *
 * <pre>{@code
 * ThreadRuntime<AgentState> runtime = ThreadRuntime.builder(graph)
 *         .store(dynamoDbStore)            // default: a fresh in-memory store
 *         .memory(memoryStore)             // default: none (recall/remember unavailable)
 *         .chatModel(model)                // default: none (StepContext.chat unavailable)
 *         .tools(ToolBox.of(new MyTools()))
 *         .build();
 * }</pre>
 *
 * <p>Not thread-safe; {@link #build()} may be called more than once (each runtime has its own head cache).
 *
 * @param <S> the graph's state record type
 */
public final class ThreadRuntimeBuilder<S> {

    private final CompiledGraph<S> graph;
    private CheckpointStore store;
    private Validator validator;
    private StateCodec codec;
    private RuntimeOptions options = RuntimeOptions.defaults();
    private MemoryStore memory;
    private ChatModel chatModel;
    private ToolBox tools = ToolBox.none();
    private String agent;

    ThreadRuntimeBuilder(CompiledGraph<S> graph) {
        this.graph = Objects.requireNonNull(graph, "graph");
    }

    ThreadRuntimeBuilder(ThreadlineAgent<S> agent) {
        this(agent.graph());
        agent(agent.name());
        tools(agent.tools());
        agent.chatModel().ifPresent(this::chatModel);
    }

    /** Where checkpoints go. Default: a new {@link InMemoryCheckpointStore} (tests, demos: nothing survives the process). */
    public ThreadRuntimeBuilder<S> store(CheckpointStore store) {
        this.store = Objects.requireNonNull(store, "store");
        return this;
    }

    /**
     * The Bean Validation validator that checks the state's constraints. Default: a standalone Hibernate
     * Validator ({@link StandaloneValidation}); inside Quarkus, pass the container's so its build-time
     * metadata (and native image registration) is used.
     */
    public ThreadRuntimeBuilder<S> validator(Validator validator) {
        this.validator = Objects.requireNonNull(validator, "validator");
        return this;
    }

    /** How states and patches become JSON. Default: a new {@link StateCodec}. */
    public ThreadRuntimeBuilder<S> codec(StateCodec codec) {
        this.codec = Objects.requireNonNull(codec, "codec");
        return this;
    }

    /** Clock, ids, snapshot and retention policies, telemetry. Default: {@link RuntimeOptions#defaults()}. */
    public ThreadRuntimeBuilder<S> options(RuntimeOptions options) {
        this.options = Objects.requireNonNull(options, "options");
        return this;
    }

    /** Long-term memory behind {@code StepContext.recall/remember}; {@code null} (the default) for none. */
    public ThreadRuntimeBuilder<S> memory(MemoryStore memory) {
        this.memory = memory;
        return this;
    }

    /** The model behind {@code StepContext.chat}; {@code null} (the default) for none. */
    public ThreadRuntimeBuilder<S> chatModel(ChatModel chatModel) {
        this.chatModel = chatModel;
        return this;
    }

    /** The tools behind {@code StepContext.executeTool}. Default: {@link ToolBox#none()}. */
    public ThreadRuntimeBuilder<S> tools(ToolBox tools) {
        this.tools = Objects.requireNonNull(tools, "tools");
        return this;
    }

    /**
     * The agent this runtime serves: stamped on every checkpoint it writes, and checked on every thread it
     * reads or steps — a thread another agent wrote is refused with {@code AGENT_MISMATCH}. Default: none
     * (a runtime of one graph outside an application; threads are then not bound).
     */
    public ThreadRuntimeBuilder<S> agent(String name) {
        this.agent = ThreadlineAgent.checkedName(name);
        return this;
    }

    /** Builds the runtime; the same builder may build more than one (each has its own head cache). */
    public ThreadRuntime<S> build() {
        return new ThreadRuntime<>(graph, store == null ? new InMemoryCheckpointStore() : store,
                validator == null ? StandaloneValidation.validator() : validator, codec == null ? new StateCodec() : codec,
                options, memory, chatModel, tools, agent);
    }
}
