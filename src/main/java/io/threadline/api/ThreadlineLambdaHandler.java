package io.threadline.api;

import com.amazonaws.services.lambda.runtime.Context;
import io.quarkus.funqy.lambda.FunqyStreamHandler;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;

/**
 * The handler of the JVM Lambda functions (template.yaml): Funqy's stream handler, plus the
 * invocation's {@link Context} made available to {@code run}, which budgets its steps by the
 * invocation's remaining time.
 */
public class ThreadlineLambdaHandler extends FunqyStreamHandler {

    @Override
    public void handleRequest(InputStream input, OutputStream output, Context context) throws IOException {
        LambdaInvocation.with(context, () -> super.handleRequest(input, output, context));
    }
}
