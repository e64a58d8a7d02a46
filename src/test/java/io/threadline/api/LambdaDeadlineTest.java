package io.threadline.api;

import com.amazonaws.services.lambda.runtime.ClientContext;
import com.amazonaws.services.lambda.runtime.CognitoIdentity;
import com.amazonaws.services.lambda.runtime.Context;
import com.amazonaws.services.lambda.runtime.LambdaLogger;
import io.quarkus.test.junit.QuarkusTest;
import jakarta.inject.Inject;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.time.Instant;
import java.util.concurrent.atomic.AtomicReference;

import static org.assertj.core.api.Assertions.assertThat;

/** A run's deadline comes from the Lambda context's remaining time, less the safety margin. */
@QuarkusTest
class LambdaDeadlineTest {

    @Inject
    Callers callers;

    @Test
    void deadlineIsRemainingTimeLessTheMargin() {
        AtomicReference<Caller> seen = new AtomicReference<>();
        Instant before = Instant.now();
        LambdaInvocation.with(remaining(30_000), () -> seen.set(callers.direct("acme")));
        Duration left = Duration.between(before, seen.get().deadline());
        // 30 s remaining − 2 s margin (application.properties default).
        assertThat(left).isBetween(Duration.ofMillis(27_500), Duration.ofMillis(28_100));
        assertThat(LambdaInvocation.current()).isNull();
    }

    @Test
    void withoutALambdaContextTheConfiguredBudgetApplies() {
        Instant before = Instant.now();
        Duration left = Duration.between(before, callers.direct("acme").deadline());
        assertThat(left).isBetween(Duration.ofMillis(9_500), Duration.ofMillis(10_100));
    }

    private static Context remaining(int millis) {
        return new Context() {
            public String getAwsRequestId() { return "req-1"; }
            public String getLogGroupName() { return "group"; }
            public String getLogStreamName() { return "stream"; }
            public String getFunctionName() { return "threadline-run"; }
            public String getFunctionVersion() { return "1"; }
            public String getInvokedFunctionArn() { return "arn:aws:lambda:us-east-1:123456789012:function:threadline-run"; }
            public CognitoIdentity getIdentity() { return null; }
            public ClientContext getClientContext() { return null; }
            public int getRemainingTimeInMillis() { return millis; }
            public int getMemoryLimitInMB() { return 1024; }
            public LambdaLogger getLogger() { return null; }
        };
    }
}
