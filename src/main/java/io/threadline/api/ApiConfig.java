package io.threadline.api;

import io.smallrye.config.ConfigMapping;
import io.smallrye.config.WithDefault;

import java.time.Duration;
import java.util.Optional;

/** The {@code threadline.api.*} keys (documented in README.md). */
@ConfigMapping(prefix = "threadline.api")
public interface ApiConfig {

    /** The JWT claim (from API Gateway's authorizer) that names the caller's tenant. */
    @WithDefault("tenant")
    String tenantClaim();

    /**
     * The tenant of HTTP calls that carry no token, for local runs only (the local profile sets it).
     * Unset in production: a call without a verified claim is refused.
     */
    Optional<String> localTenant();

    /** Largest accepted {@code input}, in bytes of JSON. */
    @WithDefault("262144")
    int maxInputBytes();

    /** Default and largest {@code maxSteps} of a run. */
    @WithDefault("25")
    int runMaxSteps();

    /** Time left unused at the end of a Lambda invocation, so the last step can commit and answer. */
    @WithDefault("PT2S")
    Duration runSafetyMargin();

    /**
     * Time kept at the end of a Lambda invocation after the last moment a DynamoDB or OpenSearch call may end,
     * to answer {@code DEPENDENCY_UNAVAILABLE} before Lambda's own timeout (ThreadlineLambdaHandler). Shorter
     * than {@link #runSafetyMargin()}: a step started just before a run's deadline still has time for its calls.
     */
    @WithDefault("PT0.5S")
    Duration dependencyReserve();

    /** A run's time budget when the invocation's remaining time is not known (no Lambda context). */
    @WithDefault("PT10S")
    Duration runDefaultBudget();
}
