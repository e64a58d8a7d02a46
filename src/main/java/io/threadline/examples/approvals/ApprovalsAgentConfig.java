package io.threadline.examples.approvals;

import io.smallrye.config.ConfigMapping;
import io.smallrye.config.WithDefault;

import java.time.Duration;

/** The approvals example's own settings: {@code threadline.approvals-agent.*} (README, "The approvals example"). */
@ConfigMapping(prefix = "threadline.approvals-agent")
public interface ApprovalsAgentConfig {

    /** Refunds up to this many cents are paid without asking a human. */
    @WithDefault("10000")
    long autoApproveLimitCents();

    /** Refunds over this many cents are rejected without asking. */
    @WithDefault("500000")
    long maximumCents();

    /** Customers with this many refunds paid before need a human's approval for any amount. */
    @WithDefault("3")
    int frequentRefunds();

    /** Calls of the simulated payment gateway that fail, busy, for each refund before one pays (0: never busy). */
    @WithDefault("1")
    int gatewayBusyCalls();

    /** The wait before the second payment attempt (doubling after, up to four times this). */
    @WithDefault("PT0.05S")
    Duration paymentBackoff();
}
