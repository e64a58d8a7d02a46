package io.threadline.checkpoint.dynamodb;

import software.amazon.awssdk.core.interceptor.Context;
import software.amazon.awssdk.core.interceptor.ExecutionAttribute;
import software.amazon.awssdk.core.interceptor.ExecutionAttributes;
import software.amazon.awssdk.core.interceptor.ExecutionInterceptor;
import software.amazon.awssdk.http.AbortableInputStream;
import software.amazon.awssdk.http.ExecutableHttpRequest;
import software.amazon.awssdk.http.HttpExecuteRequest;
import software.amazon.awssdk.http.HttpExecuteResponse;
import software.amazon.awssdk.http.SdkHttpClient;
import software.amazon.awssdk.http.SdkHttpRequest;
import software.amazon.awssdk.http.SdkHttpResponse;
import software.amazon.awssdk.retries.api.BackoffStrategy;
import software.amazon.awssdk.retries.api.RetryStrategy;
import software.amazon.awssdk.services.dynamodb.DynamoDbClient;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Failures injected into a real client talking to DynamoDB Local. {@link FailingHttp} fails attempts
 * before they leave the process (nothing reaches the table); {@link LostResponses} lets the request
 * execute and then replaces DynamoDB's answer, as when a response is lost on the way back.
 */
final class Faults {

    static final int MAX_ATTEMPTS = 4;

    private Faults() {
    }

    /** What DynamoDB answers when it throttles or fails: status, and the JSON error body of its protocol. */
    enum Fault {
        THROTTLING(400, "{\"__type\":\"com.amazonaws.dynamodb.v20120810#ThrottlingException\",\"message\":\"slow down\"}"),
        SERVER_ERROR(500, "{\"__type\":\"com.amazonaws.dynamodb.v20120810#InternalServerError\",\"message\":\"boom\"}"),
        IO(0, ""),
        TRANSACTION_CONFLICT(400, "{\"__type\":\"com.amazonaws.dynamodb.v20120810#TransactionCanceledException\","
                + "\"Message\":\"Transaction cancelled, please refer cancellation reasons for specific reasons "
                + "[TransactionConflict, None]\","
                + "\"CancellationReasons\":[{\"Code\":\"TransactionConflict\",\"Message\":\"Transaction is ongoing for the item\"},"
                + "{\"Code\":\"None\"}]}"),
        TRANSACTION_THROTTLED(400, "{\"__type\":\"com.amazonaws.dynamodb.v20120810#TransactionCanceledException\","
                + "\"Message\":\"Transaction cancelled, please refer cancellation reasons for specific reasons "
                + "[ThrottlingError, None]\","
                + "\"CancellationReasons\":[{\"Code\":\"ThrottlingError\",\"Message\":\"Throughput exceeds the current capacity\"},"
                + "{\"Code\":\"None\"}]}");

        final int status;
        final byte[] body;

        Fault(int status, String body) {
            this.status = status;
            this.body = body.getBytes(StandardCharsets.UTF_8);
        }

        SdkHttpResponse response() {
            return SdkHttpResponse.builder().statusCode(status)
                    .putHeader("Content-Type", "application/x-amz-json-1.0")
                    .putHeader("Content-Length", Integer.toString(body.length))
                    .build();
        }
    }

    /** The production retry policy (standard mode, 4 attempts) with millisecond backoff, for fast tests. */
    static RetryStrategy fastRetry() {
        return DynamoDbStoreProducer.standardRetry(MAX_ATTEMPTS).toBuilder()
                .backoffStrategy(BackoffStrategy.exponentialDelay(Duration.ofMillis(1), Duration.ofMillis(10)))
                .throttlingBackoffStrategy(BackoffStrategy.exponentialDelay(Duration.ofMillis(1), Duration.ofMillis(10)))
                .build();
    }

    static DynamoDbClient client(SdkHttpClient http, ExecutionInterceptor... interceptors) {
        return DynamoDbLocal.get().clientBuilder()
                .httpClient(http)
                .overrideConfiguration(o -> {
                    o.retryStrategy(fastRetry());
                    for (ExecutionInterceptor i : interceptors) {
                        o.addExecutionInterceptor(i);
                    }
                })
                .build();
    }

    static boolean isOperation(SdkHttpRequest request, String operation) {
        return request.firstMatchingHeader("X-Amz-Target").map(t -> t.endsWith("." + operation)).orElse(false);
    }

    /** Fails the next {@code n} attempts of an operation (or of every operation) before they are sent. */
    static final class FailingHttp implements SdkHttpClient {
        private final SdkHttpClient delegate;
        private final AtomicInteger remaining = new AtomicInteger();
        private final AtomicInteger attempts = new AtomicInteger();
        private volatile Fault fault;
        private volatile String operation;

        FailingHttp(SdkHttpClient delegate) {
            this.delegate = delegate;
        }

        /** The next {@code n} attempts of {@code operation} ({@code null}: any) fail with {@code fault}. */
        void failNext(int n, Fault fault, String operation) {
            this.fault = fault;
            this.operation = operation;
            attempts.set(0);
            remaining.set(n);
        }

        /** Attempts of the faulted operation since the last {@link #failNext}. */
        int attempts() {
            return attempts.get();
        }

        @Override
        public ExecutableHttpRequest prepareRequest(HttpExecuteRequest request) {
            boolean targeted = operation == null || isOperation(request.httpRequest(), operation);
            if (targeted) {
                attempts.incrementAndGet();
            }
            if (!targeted || remaining.getAndDecrement() <= 0) {
                return delegate.prepareRequest(request);
            }
            Fault f = fault;
            return new ExecutableHttpRequest() {
                @Override
                public HttpExecuteResponse call() throws IOException {
                    if (f == Fault.IO) {
                        throw new IOException("connection reset (injected)");
                    }
                    return HttpExecuteResponse.builder().response(f.response())
                            .responseBody(AbortableInputStream.create(new ByteArrayInputStream(f.body))).build();
                }

                @Override
                public void abort() {
                }
            };
        }

        @Override
        public void close() {
            delegate.close();
        }
    }

    /** Lets the next {@code n} attempts of an operation execute, then answers them with {@code fault}. */
    static final class LostResponses implements ExecutionInterceptor {
        private static final ExecutionAttribute<Boolean> REPLACED = new ExecutionAttribute<>("threadline.test.replaced");
        private final AtomicInteger remaining = new AtomicInteger();
        private final AtomicInteger attempts = new AtomicInteger();
        private volatile Fault fault;
        private final String operation;

        LostResponses(String operation) {
            this.operation = operation;
        }

        void loseNext(int n, Fault fault) {
            this.fault = fault;
            attempts.set(0);
            remaining.set(n);
        }

        int attempts() {
            return attempts.get();
        }

        @Override
        public SdkHttpResponse modifyHttpResponse(Context.ModifyHttpResponse context, ExecutionAttributes attributes) {
            boolean replace = isOperation(context.httpRequest(), operation) && attempts.incrementAndGet() > 0
                    && remaining.getAndDecrement() > 0;
            attributes.putAttribute(REPLACED, replace);
            return replace ? fault.response() : context.httpResponse();
        }

        @Override
        public Optional<InputStream> modifyHttpResponseContent(Context.ModifyHttpResponse context, ExecutionAttributes attributes) {
            if (Boolean.TRUE.equals(attributes.getAttribute(REPLACED))) {
                return Optional.of(new ByteArrayInputStream(fault.body));
            }
            return context.responseBody();
        }
    }
}
