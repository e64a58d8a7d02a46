package io.threadline.api;

import com.amazonaws.services.lambda.runtime.Context;
import io.quarkus.funqy.lambda.FunqyStreamHandler;
import io.threadline.InvocationDeadline;
import org.eclipse.microprofile.config.ConfigProvider;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.time.Duration;
import java.time.Instant;

/**
 * The handler of the JVM Lambda functions (template.yaml): Funqy's stream handler, plus the
 * invocation's {@link Context} made available to {@code run}, which budgets its steps by the
 * invocation's remaining time, and the invocation's end (less {@code threadline.api.dependency-reserve})
 * as the {@link InvocationDeadline} every DynamoDB and OpenSearch call is cut at.
 */
public class ThreadlineLambdaHandler extends FunqyStreamHandler {

    static final String DEPENDENCY_RESERVE = "threadline.api.dependency-reserve";
    /** The default of {@code threadline.api.dependency-reserve} (ApiConfig). */
    static final Duration DEFAULT_DEPENDENCY_RESERVE = Duration.ofMillis(500);

    @Override
    public void handleRequest(InputStream input, OutputStream output, Context context) throws IOException {
        // Read at each invocation, not in a constructor: Quarkus has started by then (FunqyStreamHandler's init).
        Duration reserve = ConfigProvider.getConfig().getOptionalValue(DEPENDENCY_RESERVE, Duration.class)
                .orElse(DEFAULT_DEPENDENCY_RESERVE);
        Instant deadline = dependencyDeadline(Instant.now(), context, reserve);
        LambdaInvocation.with(context, () -> InvocationDeadline.within(deadline, () -> {
            super.handleRequest(input, output, context);
            return null;
        }));
    }

    /** When dependency calls must have ended: the invocation's end less the time kept to write the answer. */
    static Instant dependencyDeadline(Instant now, Context context, Duration reserve) {
        return now.plusMillis(context.getRemainingTimeInMillis()).minus(reserve);
    }
}
