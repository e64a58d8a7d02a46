package io.threadline.config;

import io.threadline.ErrorCode;
import io.threadline.ThreadlineException;
import io.threadline.effects.ToolBox;
import io.threadline.graph.CompiledGraph;
import io.threadline.graph.StateGraph;
import io.threadline.runtime.ThreadRuntime;
import io.threadline.runtime.ThreadlineAgent;
import io.threadline.state.Update;
import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.Optional;

import static io.threadline.graph.StateGraph.END;
import static io.threadline.graph.StateGraph.START;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * Which agent a request reaches, and the deployments that must not start: a misspelt setting or two
 * agents with one name would otherwise serve the wrong agent quietly.
 */
class AgentsTest {

    public record Empty(String note) {}

    public record Other(int count) {}

    private static final CompiledGraph<Empty> GRAPH = StateGraph.of(Empty.class)
            .node("noop", (s, ctx) -> Update.none()).chain(START, "noop", END).compile();

    private static ThreadlineAgent<?> agent(String name) {
        return ThreadlineAgent.of(name, GRAPH, ToolBox.none());
    }

    private static Agents agents(Optional<String> defaultAgent, List<String> disabled, ThreadlineAgent<?>... agents) {
        return new Agents(List.of(agents), defaultAgent, disabled, a -> ThreadRuntime.builder(GRAPH).agent(a.name()).build());
    }

    private static void refused(Runnable call, ErrorCode code, String text) {
        assertThatThrownBy(call::run).isInstanceOfSatisfying(ThreadlineException.class, e -> {
            assertThat(e.code()).isEqualTo(code);
            assertThat(e.getMessage()).contains(text);
        });
    }

    @Test
    void aRequestReachesTheAgentItNamesOrTheDefault() {
        Agents agents = agents(Optional.of("support"), List.of(), agent("support"), agent("billing"));

        assertThat(agents.names()).containsExactly("billing", "support");
        assertThat(agents.runtime("billing").agent()).contains("billing");
        assertThat(agents.runtime(null).agent()).contains("support");
        assertThat(agents.runtime("billing", Empty.class).agent()).contains("billing");
        assertThatThrownBy(() -> agents.runtime("billing", Other.class)).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("holds " + Empty.class.getName());
    }

    @Test
    void theOnlyAgentServedIsTheDefault() {
        Agents agents = agents(Optional.empty(), List.of("billing"), agent("support"), agent("billing"));

        assertThat(agents.names()).containsExactly("support");
        assertThat(agents.defaultAgent()).contains("support");
        refused(() -> agents.runtime("billing"), ErrorCode.AGENT_NOT_FOUND, "the agents served are [support]");
    }

    @Test
    void withSeveralAgentsAndNoDefaultARequestMustNameOne() {
        Agents agents = agents(Optional.empty(), List.of(), agent("support"), agent("billing"));

        assertThat(agents.defaultAgent()).isEmpty();
        assertThatThrownBy(() -> agents.runtime(null)).isInstanceOfSatisfying(ThreadlineException.class, e -> {
            assertThat(e.code()).isEqualTo(ErrorCode.INVALID_INPUT);
            assertThat(e.details()).containsEntry("field", "agent");
        });
        refused(() -> agents.runtime("nobody"), ErrorCode.AGENT_NOT_FOUND, "no agent 'nobody'");
        refused(() -> agents.runtime("Not A Name" + "x".repeat(100)), ErrorCode.INVALID_INPUT, "lower-case letters");
    }

    @Test
    void aDeploymentThatWouldServeTheWrongAgentDoesNotStart() {
        assertThatThrownBy(() -> agents(Optional.empty(), List.of(), agent("support"), agent("support")))
                .hasMessageContaining("two agents are named 'support'");
        assertThatThrownBy(() -> agents(Optional.of("suport"), List.of(), agent("support"), agent("billing")))
                .hasMessageContaining("threadline.agents.default is 'suport'");
        assertThatThrownBy(() -> agents(Optional.of("billing"), List.of("billing"), agent("support"), agent("billing")))
                .as("the default switched off").hasMessageContaining("threadline.agents.default is 'billing'");
        assertThatThrownBy(() -> agents(Optional.empty(), List.of("refrence"), agent("reference")))
                .hasMessageContaining("threadline.agents.disabled names 'refrence'");
        assertThatThrownBy(() -> agents(Optional.empty(), List.of("reference"), agent("reference")))
                .hasMessageContaining("no agent to serve");
        assertThatThrownBy(() -> agents(Optional.empty(), List.of()))
                .hasMessageContaining("no ThreadlineAgent bean");
        ThreadlineAgent<Empty> badlyNamed = new ThreadlineAgent<>() {
            @Override
            public String name() {
                return "Support Bot";
            }

            @Override
            public CompiledGraph<Empty> graph() {
                return GRAPH;
            }
        };
        assertThatThrownBy(() -> agents(Optional.empty(), List.of(), badlyNamed))
                .hasMessageContaining("'Support Bot'").hasMessageContaining(AgentsTest.class.getName());
    }
}
