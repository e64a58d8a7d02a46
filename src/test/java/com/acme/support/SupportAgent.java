package com.acme.support;

import io.quarkus.runtime.annotations.RegisterForReflection;
import io.threadline.graph.CompiledGraph;
import io.threadline.graph.Route;
import io.threadline.graph.StateGraph;
import io.threadline.runtime.ThreadlineAgent;
import io.threadline.state.Channel;
import io.threadline.state.ListChannel;
import io.threadline.state.Update;
import io.threadline.state.ValueChannel;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.validation.constraints.NotNull;
import jakarta.validation.constraints.Size;

import java.util.List;
import java.util.Map;

/** A support desk: files each ticket in a queue, with the reason, and tells the customer. */
@ApplicationScoped
@RegisterForReflection(targets = SupportAgent.Ticket.class)   // the state, for the native image
public class SupportAgent implements ThreadlineAgent<SupportAgent.Ticket> {

    public record Ticket(@NotNull @Size(max = 100) List<@NotNull @Size(max = 4000) String> messages, String queue) {
        public static final ListChannel<Ticket, String> MESSAGES = Channel.appending("messages");
        public static final ValueChannel<Ticket, String> QUEUE = Channel.overwriting("queue");
    }

    enum Queue { BILLING, TECH }

    private static final CompiledGraph<Ticket> GRAPH = StateGraph.of(Ticket.class)
            .node("triage", (t, ctx) -> Update.none())
            .node("billing", (t, ctx) -> Update.of(Ticket.QUEUE.set("billing")))
            .node("tech", (t, ctx) -> Update.of(Ticket.QUEUE.set("tech")))
            .node("reply", (t, ctx) -> Update.of(Ticket.MESSAGES.append("Filed with " + t.queue() + "; we answer within a day.")))
            .edge(StateGraph.START, "triage")
            .route("triage", Queue.class, t -> latest(t).contains("invoice")
                            ? Route.to(Queue.BILLING, "mentions an invoice")
                            : Route.to(Queue.TECH, "no billing words"),
                    Map.of(Queue.BILLING, "billing", Queue.TECH, "tech"))
            .edge("billing", "reply")
            .chain("tech", "reply", StateGraph.END)
            .compile();

    @Override
    public String name() {
        return "support";
    }

    @Override
    public CompiledGraph<Ticket> graph() {
        return GRAPH;
    }

    private static String latest(Ticket t) {
        return t.messages().isEmpty() ? "" : t.messages().get(t.messages().size() - 1).toLowerCase();
    }
}
