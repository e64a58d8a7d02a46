package io.threadline.testing;

import dev.langchain4j.agent.tool.Tool;
import io.threadline.effects.ToolBox;
import io.threadline.examples.approvals.ApprovalsAgentBean;
import io.threadline.examples.approvals.RefundState;
import io.threadline.examples.approvals.RefundTools;
import io.threadline.examples.reference.AgentState;
import io.threadline.graph.StateGraph;
import io.threadline.runtime.ThreadlineAgent;
import io.threadline.state.Update;
import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

import static org.assertj.core.api.Assertions.assertThat;

/** The check behind {@code AgentNativeRegistrationTest}, on fixture agents: it finds what is missing, and names it. */
class NativeRegistrationCheckTest {

    /** A fixture state: what the check must walk into. */
    record Ticket(Customer customer, List<Line> lines, Map<String, Priority> priorities, Note[] notes, Optional<Tag> tag,
                  Payload payload, int count, String title) {}

    record Customer(String name) {}

    record Line(String sku) {}

    enum Priority { LOW, HIGH }

    record Note(String text) {}

    record Tag(String value) {}

    sealed interface Payload permits Refund, Replacement {}

    record Refund(long cents) implements Payload {}

    record Replacement(Line line) implements Payload {}

    /** A fixture tool class. */
    static final class TicketTools {
        @Tool("says hello")
        public String hello() {
            return "hello";
        }
    }

    private static ThreadlineAgent<Ticket> agent() {
        return ThreadlineAgent.of("tickets", StateGraph.of(Ticket.class).node("a", (s, ctx) -> Update.none())
                .chain(StateGraph.START, "a", StateGraph.END).compile(), ToolBox.of(new TicketTools()));
    }

    @Test
    void theStateClosureAndToolClassesAreWhatANativeImageNeeds() {
        assertThat(NativeRegistrationCheck.needed(agent()).keySet()).containsExactlyInAnyOrder(Ticket.class, Customer.class,
                Line.class, Priority.class, Note.class, Tag.class, Payload.class, Refund.class, Replacement.class, TicketTools.class);
    }

    @Test
    void anUnregisteredNestedRecordIsNamedWithWhereItIs() {
        Set<Class<?>> registered = Set.of(Ticket.class, Customer.class, Line.class, Priority.class, Note.class, Tag.class,
                Payload.class, Refund.class, TicketTools.class);

        String report = NativeRegistrationCheck.report(List.of(agent()), registered);

        assertThat(report).contains("agent 'tickets'", "@RegisterForReflection(targets",
                Replacement.class.getName() + " (a permitted subtype of " + Payload.class.getName() + ")");
        assertThat(NativeRegistrationCheck.missing(agent(), registered)).hasSize(1);
    }

    @Test
    void anUnregisteredToolClassAndStateAreNamed() {
        List<String> missing = NativeRegistrationCheck.missing(agent(), Set.of());

        assertThat(missing).contains(Ticket.class.getName() + " (the state)", TicketTools.class.getName() + " (a tool class)",
                Customer.class.getName() + " (in " + Ticket.class.getName() + ".customer)");
        assertThat(NativeRegistrationCheck.report(List.of(agent()), NativeRegistrationCheck.needed(agent()).keySet())).isEmpty();
    }

    @Test
    void theScanFindsTheTargetsOfTheExampleAgentsBeans() {
        Set<Class<?>> registered = NativeRegistrationCheck.registeredIn(NativeRegistrationCheck.classesOf(ApprovalsAgentBean.class));

        assertThat(registered).contains(RefundState.class, RefundTools.class, AgentState.class)
                .doesNotContain(ApprovalsAgentBean.class);
    }
}
