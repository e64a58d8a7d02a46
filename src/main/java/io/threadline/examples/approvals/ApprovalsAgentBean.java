package io.threadline.examples.approvals;

import io.quarkus.runtime.annotations.RegisterForReflection;
import io.threadline.effects.ToolBox;
import io.threadline.graph.CompiledGraph;
import io.threadline.runtime.ThreadlineAgent;
import jakarta.inject.Singleton;

/**
 * The approvals example as the application serves it: a {@link ThreadlineAgent} bean named {@value #NAME}
 * in its own package, written as a user writes theirs, touching no Threadline class. Its state, the types
 * nested in it, the interrupt's payload and the tool class are registered for reflection here, for the
 * native image ({@code AgentNativeRegistrationTest} names any that is missing).
 */
@Singleton
@RegisterForReflection(targets = {RefundState.class, RefundRequest.class, PolicyCheck.class, PolicyCheck.Verdict.class,
        Approval.class, Outcome.class, ApprovalQuestion.class, RefundTools.class})
public class ApprovalsAgentBean implements ThreadlineAgent<RefundState> {

    /** The name requests use: {@code "agent": "approvals"}. */
    public static final String NAME = "approvals";

    private final CompiledGraph<RefundState> graph;
    private final ToolBox tools;

    ApprovalsAgentBean(ApprovalsAgentConfig config) {
        this.graph = ApprovalsAgent.graph(new RefundPolicy(config.autoApproveLimitCents(), config.maximumCents(),
                config.frequentRefunds()), config.paymentBackoff());
        this.tools = ToolBox.of(new RefundTools(config.gatewayBusyCalls()));
    }

    @Override
    public String name() {
        return NAME;
    }

    @Override
    public CompiledGraph<RefundState> graph() {
        return graph;
    }

    @Override
    public ToolBox tools() {
        return tools;
    }

    @Override
    public String description() {
        return "refund approvals: a policy check and the customer's history in parallel, a human approves large refunds, "
                + "a flaky payment gateway retried";
    }
}
