package io.threadline.config;

import dev.langchain4j.model.chat.ChatModel;
import io.quarkus.arc.All;
import io.threadline.ErrorCode;
import io.threadline.ThreadlineException;
import io.threadline.checkpoint.CheckpointStore;
import io.threadline.effects.ToolBox;
import io.threadline.runtime.RuntimeOptions;
import io.threadline.runtime.ThreadRuntime;
import io.threadline.runtime.ThreadlineAgent;
import io.threadline.state.StateCodec;
import jakarta.enterprise.inject.Instance;
import jakarta.inject.Inject;
import jakarta.inject.Singleton;
import jakarta.validation.Validator;
import org.jboss.logging.Logger;

import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;
import java.util.function.Function;

/**
 * The agents this deployment serves, each with its runtime: every {@link ThreadlineAgent} bean of the
 * application, less those {@code threadline.agents.disabled} switches off, on the one checkpoint store,
 * memory, codec, validator and options the application configures. A request names its agent, or goes to
 * the default one ({@code threadline.agents.default}, or the only agent served).
 *
 * <p>Built at start: two agents with one name, a bad name, a default that is not served, or a disabled
 * agent that does not exist stop the application with a message saying which — a misspelt setting
 * must not silently serve the wrong agent.
 */
@Singleton
public class Agents {

    private static final Logger LOG = Logger.getLogger(Agents.class);

    private final Map<String, ThreadRuntime<?>> runtimes;
    private final Map<String, String> descriptions;
    private final String defaultAgent;

    @Inject
    Agents(@All List<ThreadlineAgent<?>> agents, ThreadlineConfig config, CheckpointStore store, Validator validator,
           StateCodec codec, RuntimeOptions options, MemoryStores memory, Instance<ChatModel> chatModels) {
        // An application without a ChatModel bean (the offline one lives with the reference agent) still serves
        // agents that need no model; StepContext.chat is then unavailable to them.
        this(agents, config.agents().defaultAgent(), config.agents().disabled().orElse(List.of()),
                agent -> runtime(agent, store, validator, codec, options, memory, chatModels.isResolvable() ? chatModels.get() : null));
        LOG.infof("serving agents %s (default: %s)", names(), defaultAgent == null ? "none; requests name theirs" : defaultAgent);
    }

    /**
     * The agents of {@code agents} less {@code disabled}, each with the runtime {@code build} makes of it;
     * {@code defaultAgent} unset: the only agent served, if there is exactly one.
     */
    Agents(List<ThreadlineAgent<?>> agents, Optional<String> defaultAgent, List<String> disabled,
           Function<ThreadlineAgent<?>, ThreadRuntime<?>> build) {
        Map<String, ThreadlineAgent<?>> byName = new TreeMap<>();
        for (ThreadlineAgent<?> agent : agents) {
            String name = agent.name();
            try {
                ThreadlineAgent.checkedName(name);
            } catch (IllegalArgumentException e) {
                throw new IllegalStateException(e.getMessage() + " (" + agent.getClass().getName() + ")", e);
            }
            ThreadlineAgent<?> other = byName.put(name, agent);
            if (other != null) {
                throw new IllegalStateException("two agents are named '" + name + "': " + other.getClass().getName()
                        + " and " + agent.getClass().getName() + "; each agent needs its own name");
            }
        }
        for (String name : disabled) {
            if (!byName.containsKey(name)) {
                throw new IllegalStateException("threadline.agents.disabled names '" + name + "', but the agents are "
                        + byName.keySet());
            }
        }
        Map<String, ThreadRuntime<?>> built = new LinkedHashMap<>();
        Map<String, String> described = new LinkedHashMap<>();
        byName.forEach((name, agent) -> {
            if (!disabled.contains(name)) {
                built.put(name, build.apply(agent));
                described.put(name, agent.description());
            }
        });
        if (built.isEmpty()) {
            throw new IllegalStateException("no agent to serve: the application has " + (byName.isEmpty()
                    ? "no ThreadlineAgent bean (README, \"Add your agent\")" : "only " + byName.keySet() + ", all in threadline.agents.disabled"));
        }
        this.runtimes = Collections.unmodifiableMap(built);
        this.descriptions = Collections.unmodifiableMap(described);
        this.defaultAgent = defaultAgent.orElse(built.size() == 1 ? built.keySet().iterator().next() : null);
        if (this.defaultAgent != null && !built.containsKey(this.defaultAgent)) {
            throw new IllegalStateException("threadline.agents.default is '" + this.defaultAgent + "', but the agents served are "
                    + built.keySet());
        }
    }

    private static <S> ThreadRuntime<S> runtime(ThreadlineAgent<S> agent, CheckpointStore store, Validator validator,
                                                StateCodec codec, RuntimeOptions options, MemoryStores memory,
                                                ChatModel chatModel) {
        return ThreadRuntime.builder(agent).store(store).validator(validator).codec(codec).options(options)
                .memory(memory.store().orElse(null)).chatModel(agent.chatModel().orElse(chatModel)).build();
    }

    /**
     * The runtime of the agent a request names; {@code requested} {@code null} for the default agent.
     * Refuses an agent that is not served ({@code AGENT_NOT_FOUND}), and a request naming none where
     * there is no default ({@code INVALID_INPUT}, field {@code agent}).
     */
    public ThreadRuntime<?> runtime(String requested) {
        if (requested == null) {
            if (defaultAgent == null) {
                throw new ThreadlineException(ErrorCode.INVALID_INPUT, "this deployment serves the agents " + runtimes.keySet()
                        + " and has no default (threadline.agents.default): name one in \"agent\"", Map.of("field", "agent"));
            }
            return runtimes.get(defaultAgent);
        }
        if (!ThreadlineAgent.NAME.matcher(requested).matches()) {
            throw new ThreadlineException(ErrorCode.INVALID_INPUT, "agent must be 1-48 lower-case letters, digits and '-', "
                    + "starting with a letter; the agents served are " + runtimes.keySet(), Map.of("field", "agent"));
        }
        ThreadRuntime<?> runtime = runtimes.get(requested);
        if (runtime == null) {
            throw new ThreadlineException(ErrorCode.AGENT_NOT_FOUND, "no agent '" + requested + "' here; the agents served are "
                    + runtimes.keySet(), Map.of("agent", requested));
        }
        return runtime;
    }

    /**
     * The runtime of agent {@code name}, typed by its state: for application code that steps threads itself
     * (a scheduled job, an endpoint of its own). {@code AGENT_NOT_FOUND} if it is not served; an
     * {@link IllegalArgumentException} if its state is not {@code stateType} (a defect in the caller).
     */
    @SuppressWarnings("unchecked")
    public <S> ThreadRuntime<S> runtime(String name, Class<S> stateType) {
        ThreadRuntime<?> runtime = runtime(Objects.requireNonNull(name, "name"));
        Class<?> actual = runtime.graph().schema().type();
        if (!actual.equals(stateType)) {
            throw new IllegalArgumentException("agent '" + name + "' holds " + actual.getName() + ", not " + stateType.getName());
        }
        return (ThreadRuntime<S>) runtime;
    }

    /**
     * The agents of {@code runtimes} (each built with an agent name), outside an application: tests, and
     * code that wires Threadline by hand. {@code defaultAgent} may be {@code null}.
     */
    public static Agents of(String defaultAgent, ThreadRuntime<?>... runtimes) {
        List<ThreadlineAgent<?>> agents = new ArrayList<>();
        Map<String, ThreadRuntime<?>> byName = new HashMap<>();
        for (ThreadRuntime<?> runtime : runtimes) {
            String name = runtime.agent().orElseThrow(() -> new IllegalArgumentException("a runtime without an agent name"));
            agents.add(ThreadlineAgent.of(name, runtime.graph(), ToolBox.none()));
            byName.put(name, runtime);
        }
        return new Agents(agents, Optional.ofNullable(defaultAgent), List.of(), agent -> byName.get(agent.name()));
    }

    /** The names of the agents served, in name order. */
    public Set<String> names() {
        return runtimes.keySet();
    }

    /** What an agent says it does ({@link ThreadlineAgent#description()}), by name. */
    public Map<String, String> descriptions() {
        return descriptions;
    }

    /** The agent a request that names none goes to, if there is one. */
    public Optional<String> defaultAgent() {
        return Optional.ofNullable(defaultAgent);
    }
}
