package io.threadline.checkpoint.dynamodb;

import io.threadline.clients.InvocationDeadlineInterceptor;
import software.amazon.awssdk.core.client.config.ClientOverrideConfiguration;

import java.time.Clock;
import java.time.Duration;

/**
 * How long one DynamoDB call may take: each attempt at most {@code attemptTimeout}, at most {@code maxAttempts}
 * attempts (the SDK's standard retry mode: throttling, 5xx, I/O errors and attempt timeouts, jittered backoff),
 * and all of them, backoff included, at most {@code callTimeout} — or less, when the invocation making the call
 * ends sooner ({@link io.threadline.InvocationDeadline}). A call cut by any of these is DEPENDENCY_UNAVAILABLE.
 * The HTTP client's own connect and read timeouts ({@code quarkus.dynamodb.sync-client.*}) bound the phases
 * inside an attempt. Public for clients built outside CDI (the benchmarks), which should carry the same limits.
 */
public record DynamoDbCallLimits(int maxAttempts, Duration attemptTimeout, Duration callTimeout) {

    public DynamoDbCallLimits {
        DynamoDbStoreProducer.standardRetry(maxAttempts); // checks maxAttempts
        if (attemptTimeout.isNegative() || attemptTimeout.isZero() || callTimeout.compareTo(attemptTimeout) < 0) {
            throw new IllegalArgumentException("threadline.dynamodb.attempt-timeout must be positive and at most "
                    + "threadline.dynamodb.call-timeout, got " + attemptTimeout + " and " + callTimeout);
        }
    }

    static DynamoDbCallLimits of(DynamoDbStoreConfig config) {
        return new DynamoDbCallLimits(config.maxAttempts(), config.attemptTimeout(), config.callTimeout());
    }

    /** {@code base} with these limits: retry strategy, attempt and call timeouts, and the cut at the invocation's deadline. */
    public ClientOverrideConfiguration applyTo(ClientOverrideConfiguration base, Clock clock) {
        return InvocationDeadlineInterceptor.limit(base.toBuilder()
                .retryStrategy(DynamoDbStoreProducer.standardRetry(maxAttempts))
                .apiCallAttemptTimeout(attemptTimeout), callTimeout, clock)
                .build();
    }
}
