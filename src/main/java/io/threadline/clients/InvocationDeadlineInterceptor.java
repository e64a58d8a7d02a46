package io.threadline.clients;

import io.threadline.InvocationDeadline;
import software.amazon.awssdk.awscore.AwsRequest;
import software.amazon.awssdk.awscore.AwsRequestOverrideConfiguration;
import software.amazon.awssdk.core.SdkRequest;
import software.amazon.awssdk.core.client.config.ClientOverrideConfiguration;
import software.amazon.awssdk.core.exception.ApiCallTimeoutException;
import software.amazon.awssdk.core.interceptor.Context;
import software.amazon.awssdk.core.interceptor.ExecutionAttributes;
import software.amazon.awssdk.core.interceptor.ExecutionInterceptor;

import java.time.Clock;
import java.time.Duration;

/**
 * Cuts every call of an AWS SDK client (DynamoDB, Bedrock) at the {@link InvocationDeadline} of the invocation
 * making it: when less time is left than the client's configured total ({@code threadline.dynamodb.call-timeout},
 * {@code threadline.bedrock.timeout}), the request gets that much as
 * its own {@code apiCallTimeout} — all its attempts and backoff included — and when none is left it is not sent.
 * The SDK then throws an {@link ApiCallTimeoutException}, which the store or model reports as
 * DEPENDENCY_UNAVAILABLE.
 */
public final class InvocationDeadlineInterceptor implements ExecutionInterceptor {

    /** Below this the call would only be sent to be cut: fail it at once instead. */
    private static final Duration TOO_SHORT = Duration.ofMillis(10);

    private final Duration callTimeout;
    private final Clock clock;

    public InvocationDeadlineInterceptor(Duration callTimeout, Clock clock) {
        this.callTimeout = callTimeout;
        this.clock = clock;
    }

    /**
     * {@code overrides} with the limit every SDK client of Threadline's takes: {@code callTimeout} for a whole call
     * (the SDK's {@code apiCallTimeout}), cut shorter where the invocation ends.
     */
    public static ClientOverrideConfiguration.Builder limit(ClientOverrideConfiguration.Builder overrides, Duration callTimeout,
                                                            Clock clock) {
        return overrides.apiCallTimeout(callTimeout).addExecutionInterceptor(new InvocationDeadlineInterceptor(callTimeout, clock));
    }

    @Override
    public SdkRequest modifyRequest(Context.ModifyRequest context, ExecutionAttributes executionAttributes) {
        SdkRequest request = context.request();
        Duration left = InvocationDeadline.cap(callTimeout, clock.instant());
        if (left.compareTo(callTimeout) >= 0 || !(request instanceof AwsRequest aws)) {
            return request;
        }
        if (left.compareTo(TOO_SHORT) < 0) {
            throw ApiCallTimeoutException.builder()
                    .message("the invocation's deadline has passed (" + left.toMillis() + " ms left): the call was not sent")
                    .build();
        }
        AwsRequestOverrideConfiguration.Builder override = aws.overrideConfiguration()
                .map(AwsRequestOverrideConfiguration::toBuilder)
                .orElseGet(AwsRequestOverrideConfiguration::builder);
        return aws.toBuilder().overrideConfiguration(override.apiCallTimeout(left).build()).build();
    }
}
