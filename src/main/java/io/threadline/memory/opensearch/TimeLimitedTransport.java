package io.threadline.memory.opensearch;

import io.threadline.InvocationDeadline;
import org.apache.hc.client5.http.config.RequestConfig;
import org.apache.hc.core5.util.Timeout;
import org.opensearch.client.transport.Endpoint;
import org.opensearch.client.transport.OpenSearchTransport;
import org.opensearch.client.transport.TransportOptions;
import org.opensearch.client.transport.httpclient5.ApacheHttpClient5Options;

import java.io.IOException;
import java.io.InterruptedIOException;
import java.net.SocketTimeoutException;
import java.time.Clock;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * A transport whose requests cannot outlast their time: one store call ({@link #withinOneCall}) — a search, or a
 * write made of a read, a k-NN query, a create and a reconciling query — gets {@code timeout} in all, and less
 * when the invocation ends sooner ({@link InvocationDeadline}). Each request gets what is left of it twice over:
 * as the HTTP client's response and connection-lease timeouts, so the client gives the connection up, and as a
 * hard limit on the wait for the answer, so no phase the client does not bound (a lease queue, a request body
 * a stopped node does not read) can hold the caller longer. A request out of time fails with a
 * {@link SocketTimeoutException}, which the store reports as DEPENDENCY_UNAVAILABLE.
 *
 * <p>Requests the caller does not wait for ({@link #performRequestAsync}: access-time touches) keep the client's
 * own timeouts.
 */
final class TimeLimitedTransport extends ForwardingTransport {

    /** Less than this left: the request is not sent. */
    private static final Duration TOO_SHORT = Duration.ofMillis(10);

    /** The end of the store call running on this thread, in {@link System#nanoTime()} terms; null outside one. */
    private static final ThreadLocal<Long> CALL_END = new ThreadLocal<>();

    private final Duration timeout;
    private final Clock clock;
    /** The same endpoint on the calling thread, for searches (unsigned endpoints only); null when there is none. */
    private final BlockingHttp blocking;

    TimeLimitedTransport(OpenSearchTransport delegate, Duration timeout, Clock clock) {
        this(delegate, timeout, clock, null);
    }

    TimeLimitedTransport(OpenSearchTransport delegate, Duration timeout, Clock clock, BlockingHttp blocking) {
        super(delegate);
        this.timeout = timeout;
        this.clock = clock;
        this.blocking = blocking;
    }

    /** The blocking client of the same endpoint, or null (a signed endpoint: its requests go through the signer). */
    BlockingHttp blocking() {
        return blocking;
    }

    /** Work made of requests. */
    @FunctionalInterface
    interface Requests<T> {
        T run() throws IOException;
    }

    /** Runs one store call: all its requests share {@code timeout}; a call inside another keeps the outer one's end. */
    <T> T withinOneCall(Requests<T> body) throws IOException {
        if (CALL_END.get() != null) {
            return body.run();
        }
        CALL_END.set(System.nanoTime() + timeout.toNanos());
        try {
            return body.run();
        } finally {
            CALL_END.remove();
        }
    }

    /** What the next request may take: the rest of the store call (or {@code timeout}), capped by the invocation. */
    private Duration left() {
        Long end = CALL_END.get();
        Duration call = end == null ? timeout : Duration.ofNanos(end - System.nanoTime());
        return InvocationDeadline.cap(call, clock.instant());
    }

    /** What the next request may take, as {@link #left()}; a request with too little left is not sent. */
    Duration forNextRequest() throws SocketTimeoutException {
        Duration left = left();
        if (left.compareTo(TOO_SHORT) < 0) {
            throw new SocketTimeoutException("no time left for the request (" + Math.max(0, left.toMillis()) + " ms): the store "
                    + "call's limit (threadline.memory.opensearch.timeout " + timeout + ") or the invocation's deadline was reached");
        }
        return left;
    }

    @Override
    public <RequestT, ResponseT, ErrorT> ResponseT performRequest(RequestT request, Endpoint<RequestT, ResponseT, ErrorT> endpoint,
                                                                TransportOptions options) throws IOException {
        Duration left = forNextRequest();
        CompletableFuture<ResponseT> answer = delegate.performRequestAsync(request, endpoint, limited(options, left));
        try {
            return answer.get(left.toNanos(), TimeUnit.NANOSECONDS);
        } catch (TimeoutException e) {
            answer.cancel(true);
            SocketTimeoutException timedOut = new SocketTimeoutException("no answer within " + left.toMillis() + " ms");
            timedOut.initCause(e);
            throw timedOut;
        } catch (InterruptedException e) {
            answer.cancel(true);
            Thread.currentThread().interrupt();
            throw new InterruptedIOException("interrupted while waiting for OpenSearch");
        } catch (ExecutionException e) {
            throw unwrap(e.getCause());
        }
    }

    /** The transport's answers come wrapped; give the store what the synchronous transport would have thrown. */
    private static IOException unwrap(Throwable cause) {
        if (cause instanceof IOException io) {
            return io;
        }
        if (cause instanceof RuntimeException runtime) {
            throw runtime;
        }
        if (cause instanceof Error error) {
            throw error;
        }
        return new IOException(cause);
    }

    @Override
    public void close() throws IOException {
        try {
            super.close();
        } finally {
            if (blocking != null) {
                blocking.close();
            }
        }
    }

    /** {@code options} with the client's response and lease timeouts cut to {@code left}. */
    private TransportOptions limited(TransportOptions options, Duration left) {
        TransportOptions base = options != null ? options : delegate.options();
        if (!(base instanceof ApacheHttpClient5Options apache)) {
            return options; // not this transport's options: the hard limit above still applies
        }
        RequestConfig config = RequestConfig.copy(apache.getRequestConfig() != null ? apache.getRequestConfig() : RequestConfig.DEFAULT)
                .setResponseTimeout(Timeout.of(left))
                .setConnectionRequestTimeout(Timeout.of(left))
                .build();
        return apache.toBuilder().setRequestConfig(config).build();
    }
}
