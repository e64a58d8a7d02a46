package io.threadline.examples.approvals;

import io.threadline.state.Channel;
import io.threadline.state.ListChannel;
import io.threadline.state.SchemaVersion;
import io.threadline.state.ValueChannel;
import jakarta.validation.Valid;
import jakarta.validation.constraints.Max;
import jakarta.validation.constraints.NotNull;
import jakarta.validation.constraints.PositiveOrZero;
import jakarta.validation.constraints.Size;

import java.util.List;

/**
 * The approvals agent's state: the refund asked for (the caller's input), what the policy and the
 * customer's history say, the decision, and what was paid. {@code paymentRetries} is bounded by the
 * payment node's retry policy (3 attempts: at most 2 retries); {@code log} says what each node did.
 */
@SchemaVersion(1)
public record RefundState(
        @NotNull(message = "must not be null: send the refund as input.request") @Valid RefundRequest request,
        @Valid PolicyCheck policy,
        @PositiveOrZero @Max(10_000) int priorRefunds,
        @Valid Approval approval,
        Outcome outcome,
        @Size(max = 64) String paymentReference,
        @PositiveOrZero @Max(2) int paymentRetries,
        @NotNull @Size(max = 1_000) List<@NotNull @Size(max = 2_000) String> log) {

    public static final ValueChannel<RefundState, RefundRequest> REQUEST = Channel.overwriting("request");
    public static final ValueChannel<RefundState, PolicyCheck> POLICY = Channel.overwriting("policy");
    public static final ValueChannel<RefundState, Integer> PRIOR_REFUNDS = Channel.overwriting("priorRefunds");
    public static final ValueChannel<RefundState, Approval> APPROVAL = Channel.overwriting("approval");
    public static final ValueChannel<RefundState, Outcome> OUTCOME = Channel.overwriting("outcome");
    public static final ValueChannel<RefundState, String> PAYMENT_REFERENCE = Channel.overwriting("paymentReference");
    public static final ValueChannel<RefundState, Integer> PAYMENT_RETRIES = Channel.overwriting("paymentRetries");
    /** Appended to by every node: the two branches of the fan-out both write it in one step. */
    public static final ListChannel<RefundState, String> LOG = Channel.appending("log");
}
