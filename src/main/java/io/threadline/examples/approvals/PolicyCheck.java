package io.threadline.examples.approvals;

import jakarta.validation.constraints.NotNull;
import jakarta.validation.constraints.Size;

/** What the refund policy says of a request, and why. */
public record PolicyCheck(@NotNull Verdict verdict, @NotNull @Size(max = 500) String note) {

    /** The policy's verdict. */
    public enum Verdict {
        /** At or under the auto-approve limit: paid without asking anyone. */
        WITHIN_LIMIT,
        /** Over the auto-approve limit: a human decides. */
        NEEDS_APPROVAL,
        /** Over the most the policy refunds at all: rejected without asking. */
        OVER_MAXIMUM
    }
}
