package io.threadline.examples.approvals;

/** Where a refund stands. */
public enum Outcome {
    /** Approved (by the policy or a human), not paid yet. */
    APPROVED,
    /** Rejected (by the policy or a human); nothing is paid. */
    REJECTED,
    /** Paid: the state holds the gateway's reference. */
    REFUNDED
}
