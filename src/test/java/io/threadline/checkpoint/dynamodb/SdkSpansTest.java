package io.threadline.checkpoint.dynamodb;

import io.threadline.clients.InvocationDeadlineInterceptor;
import org.junit.jupiter.api.Test;
import software.amazon.awssdk.core.client.config.ClientOverrideConfiguration;
import software.amazon.awssdk.core.interceptor.ExecutionInterceptor;

import java.time.Clock;
import java.time.Duration;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * {@code threadline.dynamodb.sdk-spans=false} (the default) takes the AWS SDK's OpenTelemetry interceptor off the
 * checkpoint store's client and keeps every other interceptor, the deadline cut among them.
 */
class SdkSpansTest {

    @Test
    void theSdksTracingInterceptorIsDroppedAndEveryOtherKept() throws Exception {
        ExecutionInterceptor deadline = new InvocationDeadlineInterceptor(Duration.ofSeconds(8), Clock.systemUTC());
        ExecutionInterceptor counting = new ExecutionInterceptor() {
        };
        // The instrumentation (a conditional dependency Quarkus adds at build) is not on this test's classpath: its
        // interceptor is stood in for by a class in its package, which is what the store recognises it by.
        ExecutionInterceptor sdkTracing = (ExecutionInterceptor) Class.forName(
                DynamoDbStoreProducer.SDK_INSTRUMENTATION + "v2_2.internal.StandInTracingInterceptor").getDeclaredConstructor().newInstance();
        ClientOverrideConfiguration base = ClientOverrideConfiguration.builder()
                .addExecutionInterceptor(deadline).addExecutionInterceptor(sdkTracing).addExecutionInterceptor(counting)
                .apiCallTimeout(Duration.ofSeconds(3)).build();

        ClientOverrideConfiguration trimmed = DynamoDbStoreProducer.withoutSdkSpans(base);

        assertThat(trimmed.executionInterceptors()).containsExactly(deadline, counting);
        assertThat(trimmed.apiCallTimeout()).contains(Duration.ofSeconds(3));
        assertThat(base.executionInterceptors()).hasSize(3);
    }
}
