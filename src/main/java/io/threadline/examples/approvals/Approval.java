package io.threadline.examples.approvals;

import jakarta.validation.constraints.NotBlank;
import jakarta.validation.constraints.Size;

/**
 * A decision on a refund: the resume value a human answers the approval interrupt with
 * ({@code {"approved": true, "approver": "dana", "comment": "loyal customer"}}), or the policy's own
 * decision ({@code approver} {@value #POLICY}).
 */
public record Approval(boolean approved, @NotBlank @Size(max = 200) String approver, @Size(max = 2_000) String comment) {

    /** The approver of the decisions the policy takes alone. */
    public static final String POLICY = "policy";
}
