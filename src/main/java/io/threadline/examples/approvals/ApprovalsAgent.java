package io.threadline.examples.approvals;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.langchain4j.agent.tool.ToolExecutionRequest;
import io.threadline.ErrorCode;
import io.threadline.ThreadlineException;
import io.threadline.graph.CompiledGraph;
import io.threadline.graph.NodePolicy;
import io.threadline.graph.RetryPolicy;
import io.threadline.graph.Route;
import io.threadline.graph.StateGraph;
import io.threadline.graph.StepContext;
import io.threadline.state.Update;

import java.time.Duration;
import java.util.Locale;
import java.util.Map;

import static io.threadline.examples.approvals.RefundState.APPROVAL;
import static io.threadline.examples.approvals.RefundState.LOG;
import static io.threadline.examples.approvals.RefundState.OUTCOME;
import static io.threadline.examples.approvals.RefundState.PAYMENT_REFERENCE;
import static io.threadline.examples.approvals.RefundState.PAYMENT_RETRIES;
import static io.threadline.examples.approvals.RefundState.POLICY;
import static io.threadline.examples.approvals.RefundState.PRIOR_REFUNDS;
import static io.threadline.graph.StateGraph.END;
import static io.threadline.graph.StateGraph.START;

/**
 * A refund approval workflow, one node (or two) per step, no chat model:
 *
 * <pre>
 * intake ─┬─ policy ──┬─ review ─(APPROVED)─ pay ─ notify
 *         └─ history ─┘        └─(REJECTED)──────── notify
 * </pre>
 *
 * <ul>
 *   <li>{@code intake} takes the request (the caller's input) and clears what a previous refund on the thread left.</li>
 *   <li>{@code policy} and {@code history} fan out: both run in the same step on the same state, one
 *       judging the amount against the {@link RefundPolicy}, the other asking the payment provider how
 *       often the customer was refunded before ({@code prior_refunds}); both append to {@code log}
 *       (an appending channel, so their updates merge).</li>
 *   <li>{@code review} decides: the policy alone for amounts within the limit (and not a frequent customer)
 *       or over the maximum; otherwise it interrupts with an {@link ApprovalQuestion}, and the thread waits,
 *       INTERRUPTED, until resumed with an {@link Approval}.</li>
 *   <li>{@code pay} calls {@code issue_refund}, which the gateway may refuse while busy: retried
 *       ({@value #PAYMENT_ATTEMPTS} attempts on {@link GatewayBusyException}), the retries written to {@code paymentRetries}.</li>
 *   <li>{@code notify} writes what the customer is told.</li>
 * </ul>
 */
public final class ApprovalsAgent {

    /** Attempts of {@code pay} in one step; {@code RefundState.paymentRetries} is bounded by this less one. */
    static final int PAYMENT_ATTEMPTS = 3;

    private static final ObjectMapper JSON = new ObjectMapper();

    /** What {@code review} routes on. */
    enum Next { PAY, NOTIFY }

    private ApprovalsAgent() {
    }

    /** The graph, applying {@code policy}; {@code paymentBackoff} is the wait before the second payment attempt. */
    public static CompiledGraph<RefundState> graph(RefundPolicy policy, Duration paymentBackoff) {
        return StateGraph.of(RefundState.class)
                .node("intake", ApprovalsAgent::intake)
                .node("policy", (state, ctx) -> checkPolicy(state, policy))
                .node("history", ApprovalsAgent::history)
                .node("review", (state, ctx) -> review(state, ctx, policy))
                .node("pay", ApprovalsAgent::pay, NodePolicy.retry(RetryPolicy.<RefundState>attempts(PAYMENT_ATTEMPTS)
                        .backoff(paymentBackoff, 2, paymentBackoff.multipliedBy(4))
                        .retryOn(GatewayBusyException.class).countRetriesIn(PAYMENT_RETRIES)))
                .node("notify", ApprovalsAgent::notifyCustomer)
                .edge(START, "intake")
                // Fan-out: two plain edges from one node schedule both targets in the next step.
                .edge("intake", "policy")
                .edge("intake", "history")
                // Fan-in: both branches lead to review, which runs once, in the step after them.
                .edge("policy", "review")
                .edge("history", "review")
                .route("review", Next.class, ApprovalsAgent::afterReview, Map.of(Next.PAY, "pay", Next.NOTIFY, "notify"))
                .chain("pay", "notify", END)
                .compile();
    }

    static Update<RefundState> intake(RefundState state, StepContext ctx) {
        RefundRequest r = state.request();
        if (r == null) {
            // Nothing to do: the step's state has no request, and the validator refuses it (VALIDATION_FAILED on
            // 'request'), so nothing is stored.
            return Update.none();
        }
        return Update.of(POLICY.set(null), PRIOR_REFUNDS.set(0), APPROVAL.set(null), OUTCOME.set(null),
                PAYMENT_REFERENCE.set(null), PAYMENT_RETRIES.set(0),
                LOG.append("step " + ctx.step() + ": refund " + r.id() + " of " + cents(r.amountCents()) + " for " + r.customer()));
    }

    static Update<RefundState> checkPolicy(RefundState state, RefundPolicy policy) {
        long amount = state.request().amountCents();
        PolicyCheck check = amount > policy.maximumCents()
                ? new PolicyCheck(PolicyCheck.Verdict.OVER_MAXIMUM, cents(amount) + " is over the maximum refund of " + cents(policy.maximumCents()))
                : amount > policy.autoApproveLimitCents()
                ? new PolicyCheck(PolicyCheck.Verdict.NEEDS_APPROVAL, cents(amount) + " is over the auto-approve limit of "
                        + cents(policy.autoApproveLimitCents()))
                : new PolicyCheck(PolicyCheck.Verdict.WITHIN_LIMIT, cents(amount) + " is within the auto-approve limit of "
                        + cents(policy.autoApproveLimitCents()));
        return Update.of(POLICY.set(check), LOG.append("policy: " + check.note()));
    }

    static Update<RefundState> history(RefundState state, StepContext ctx) {
        ObjectNode arguments = JSON.createObjectNode().put("customer", state.request().customer());
        String answer = ctx.executeTool(ToolExecutionRequest.builder().id(ctx.newId()).name("prior_refunds")
                .arguments(arguments.toString()).build());
        int prior = Integer.parseInt(answer.trim());
        return Update.of(PRIOR_REFUNDS.set(prior), LOG.append("history: " + prior + " refund(s) paid to " + state.request().customer() + " before"));
    }

    static Update<RefundState> review(RefundState state, StepContext ctx, RefundPolicy policy) {
        PolicyCheck check = state.policy();
        Approval approval;
        if (check.verdict() == PolicyCheck.Verdict.OVER_MAXIMUM) {
            approval = new Approval(false, Approval.POLICY, check.note());
        } else if (check.verdict() == PolicyCheck.Verdict.WITHIN_LIMIT && state.priorRefunds() < policy.frequentRefunds()) {
            approval = new Approval(true, Approval.POLICY, check.note());
        } else {
            String why = check.verdict() == PolicyCheck.Verdict.NEEDS_APPROVAL ? check.note()
                    : state.request().customer() + " was refunded " + state.priorRefunds() + " times before";
            // The thread stops here, INTERRUPTED with the question; a resume runs this node again, and then
            // interrupt() answers the resume value instead of stopping.
            JsonNode answer = ctx.interrupt(new ApprovalQuestion("Approve this refund? " + why, state.request(),
                    state.priorRefunds(), check.note(), "{\"approved\": true|false, \"approver\": \"<who>\", \"comment\": \"<why>\"}"));
            approval = decision(answer);
        }
        return Update.of(APPROVAL.set(approval), OUTCOME.set(approval.approved() ? Outcome.APPROVED : Outcome.REJECTED),
                LOG.append((approval.approved() ? "approved" : "rejected") + " by " + approval.approver()
                        + (approval.comment() == null ? "" : ": " + approval.comment())));
    }

    /**
     * The human's answer as an {@link Approval}. An answer of another shape is refused with
     * {@code INVALID_INPUT} (a Threadline error: the step stops, nothing is stored, the thread still waits);
     * the approval's own constraints (a named approver) are checked with the state ({@code VALIDATION_FAILED}).
     */
    static Approval decision(JsonNode answer) {
        if (answer == null || !answer.isObject() || !answer.path("approved").isBoolean()) {
            throw new ThreadlineException(ErrorCode.INVALID_INPUT, "resume a refund approval with {\"approved\": true|false, "
                    + "\"approver\": \"<who>\", \"comment\": \"<why>\"}, not " + answer, Map.of("field", "value"));
        }
        try {
            return JSON.treeToValue(answer, Approval.class);
        } catch (JsonProcessingException e) {
            throw new ThreadlineException(ErrorCode.INVALID_INPUT, "a refund approval is {\"approved\": true|false, "
                    + "\"approver\": \"<who>\", \"comment\": \"<why>\"}: " + e.getOriginalMessage(), Map.of("field", "value"));
        }
    }

    static Route afterReview(RefundState state) {
        return state.outcome() == Outcome.APPROVED
                ? Route.to(Next.PAY, "approved by " + state.approval().approver())
                : Route.to(Next.NOTIFY, "rejected by " + state.approval().approver());
    }

    /** A busy gateway fails the call (a CallFailure standing for GatewayBusyException), and the policy tries again. */
    static Update<RefundState> pay(RefundState state, StepContext ctx) {
        RefundRequest r = state.request();
        ObjectNode arguments = JSON.createObjectNode().put("refundId", r.id()).put("customer", r.customer()).put("amountCents", r.amountCents());
        String reference = ctx.executeTool(ToolExecutionRequest.builder().id(ctx.newId()).name("issue_refund")
                .arguments(arguments.toString()).build());
        return Update.of(PAYMENT_REFERENCE.set(reference), OUTCOME.set(Outcome.REFUNDED), LOG.append("paid: " + reference));
    }

    static Update<RefundState> notifyCustomer(RefundState state, StepContext ctx) {
        RefundRequest r = state.request();
        String message = state.outcome() == Outcome.REFUNDED
                ? "told " + r.customer() + ": " + cents(r.amountCents()) + " refunded (" + state.paymentReference() + ")"
                : "told " + r.customer() + ": refund " + r.id() + " declined (" + state.approval().comment() + ")";
        return Update.of(LOG.append(message));
    }

    private static String cents(long amount) {
        return String.format(Locale.ROOT, "%d.%02d", amount / 100, amount % 100);
    }
}
