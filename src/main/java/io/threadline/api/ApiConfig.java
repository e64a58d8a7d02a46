package io.threadline.api;

import io.smallrye.config.ConfigMapping;
import io.smallrye.config.WithDefault;

import java.time.Duration;
import java.util.List;
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

    /**
     * Hosts the local HTTP server answers besides its loopback names ({@code localhost}, {@code 127.0.0.1},
     * {@code [::1]} on its own port): {@code name} (on the server's port) or {@code name:port}. Any other
     * {@code Host}, and any {@code Origin} that is not the request's own host, is refused (DNS rebinding,
     * cross-site requests from a browser).
     */
    Optional<List<String>> localAllowedHosts();

    /** Largest accepted {@code input}, in bytes of JSON. */
    @WithDefault("262144")
    int maxInputBytes();

    /**
     * Largest answer of {@code history} and {@code export}, in bytes as {@link ResponseSize} counts them:
     * the JSON once more escaped, as it travels inside API Gateway's proxy response. Lambda refuses a
     * synchronous answer over 6 MB (6,291,456 bytes) with no useful error; 5 MiB leaves room for the proxy
     * envelope and the reply's own fields. Larger histories and exports are answered in pages (a cursor).
     */
    @WithDefault("5242880")
    int maxResponseBytes();

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

    /**
     * Default and largest {@code maxThreads} of one {@code migration-dry-run} call: threads read before it answers with
     * a cursor to go on from (it also stops at the invocation's deadline). Each thread costs a head read and a GetItem.
     */
    @WithDefault("5000")
    int migrationDryRunMaxThreads();

    /** Thread heads a {@code migration-dry-run} reads per store page (1-1000): the memory it holds at once. */
    @WithDefault("200")
    int migrationDryRunPageSize();
}
