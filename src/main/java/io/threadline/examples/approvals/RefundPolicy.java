package io.threadline.examples.approvals;

/**
 * The refund policy the agent applies ({@code threadline.approvals-agent.*}).
 *
 * @param autoApproveLimitCents refunds up to this amount are paid without asking, unless the customer is frequent
 * @param maximumCents          refunds over this amount are rejected without asking
 * @param frequentRefunds       a customer with this many refunds paid before needs a human's approval for any amount
 */
public record RefundPolicy(long autoApproveLimitCents, long maximumCents, int frequentRefunds) {

    public RefundPolicy {
        if (autoApproveLimitCents < 0 || maximumCents < autoApproveLimitCents || frequentRefunds < 1) {
            throw new IllegalArgumentException("refund policy needs 0 <= auto-approve-limit <= maximum and frequent-refunds >= 1: "
                    + autoApproveLimitCents + ", " + maximumCents + ", " + frequentRefunds);
        }
    }
}
