package io.threadline.memory.opensearch;

import org.apache.hc.client5.http.classic.methods.HttpPost;
import org.apache.hc.client5.http.config.ConnectionConfig;
import org.apache.hc.client5.http.config.RequestConfig;
import org.apache.hc.client5.http.impl.classic.CloseableHttpClient;
import org.apache.hc.client5.http.impl.classic.HttpClients;
import org.apache.hc.client5.http.impl.io.ManagedHttpClientConnectionFactory;
import org.apache.hc.client5.http.impl.io.PoolingHttpClientConnectionManagerBuilder;
import org.apache.hc.client5.http.ssl.DefaultClientTlsStrategy;
import org.apache.hc.core5.http.ContentType;
import org.apache.hc.core5.http.HttpEntity;
import org.apache.hc.core5.http.config.Http1Config;
import org.apache.hc.core5.http.io.entity.ByteArrayEntity;
import org.apache.hc.core5.io.CloseMode;
import org.apache.hc.core5.util.Timeout;
import org.opensearch.client.transport.httpclient5.ApacheHttpClient5TransportBuilder;

import java.io.Closeable;
import java.io.IOException;
import java.io.InputStream;
import java.net.SocketTimeoutException;
import java.net.URI;
import java.security.NoSuchAlgorithmException;
import java.time.Duration;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import javax.net.ssl.SSLContext;

/**
 * Requests sent and answered on the calling thread (Apache HttpClient 5's classic, blocking client), for the store's
 * searches on an unsigned endpoint. The client's own transport is asynchronous: a request is handed to its I/O thread
 * and the answer handed back, two thread wake-ups per search, and it asks for gzip answers: together ~1.1 ms of a
 * tenant-only search whose node time is ~2 ms (bench/README.md, "Session 36"). Same host, connect timeout, TLS context
 * and pool size as that transport (a second pool: up to twice as many connections to a node); no retries, no
 * compression, cookies, redirects or auth state (none of which the store's requests use).
 *
 * <p>Time: each request gets what is left of its store call as the lease and read timeouts, and as a hard limit: a
 * timer aborts a request still running when that is over — a read that trickles, or a body a stopped node does not
 * read, which no socket timeout bounds — and the request then fails with a {@link SocketTimeoutException}, as the
 * transport's do.
 */
final class BlockingHttp implements Closeable {

    /** Reads an answer: its HTTP status and body. */
    @FunctionalInterface
    interface Answer<T> {
        T read(int status, InputStream body) throws IOException;
    }

    private static final int ANSWER_BUFFER = 64 * 1024;

    /** {@code scheme://host:port}: like the transport's host, the endpoint without its path. */
    private final String origin;
    private final CloseableHttpClient client;
    private final ScheduledThreadPoolExecutor timer;
    private final Duration connectTimeout;

    BlockingHttp(URI endpoint, Duration timeout, Duration connectTimeout) {
        this.origin = endpoint.getScheme() + "://" + endpoint.getHost() + (endpoint.getPort() < 0 ? "" : ":" + endpoint.getPort());
        // The minimal client: a connection manager and nothing else — no retries, redirects, cookies, auth or content
        // decompression. Not HttpClients.custom(): its builder reaches the compression codecs, which name
        // commons-compress, absent from the native image (infra/native/check stops on it).
        this.connectTimeout = connectTimeout;
        this.client = HttpClients.createMinimal(PoolingHttpClientConnectionManagerBuilder.create()
                // The JVM's default TLS context, as the transport's (javax.net.ssl.keyStore / trustStore): an endpoint
                // that asks for a client certificate gets it from searches too, not only from writes.
                .setTlsSocketStrategy(new DefaultClientTlsStrategy(defaultTls()))
                // A search's answer (~25 KB for 40 hits) in one read instead of the default 8 KB's four.
                .setConnectionFactory(ManagedHttpClientConnectionFactory.builder()
                        .http1Config(Http1Config.custom().setBufferSize(ANSWER_BUFFER).build())
                        .build())
                .setMaxConnPerRoute(ApacheHttpClient5TransportBuilder.DEFAULT_MAX_CONN_PER_ROUTE)
                .setMaxConnTotal(ApacheHttpClient5TransportBuilder.DEFAULT_MAX_CONN_TOTAL)
                .setDefaultConnectionConfig(ConnectionConfig.custom()
                        .setConnectTimeout(Timeout.of(connectTimeout))
                        .setSocketTimeout(Timeout.of(timeout))
                        .build())
                .build());
        this.timer = new ScheduledThreadPoolExecutor(1, r -> {
            Thread t = new Thread(r, "opensearch-request-limits");
            t.setDaemon(true);
            return t;
        });
        // A request answered in time takes its cut off the queue at once, not when the cut would have come.
        timer.setRemoveOnCancelPolicy(true);
    }

    /** POSTs {@code body} to {@code path} on the endpoint's host and reads the answer within {@code left}. */
    @SuppressWarnings("deprecation") // RequestConfig's connect timeout: the only per-request one, and still honoured
    <T> T post(String path, byte[] body, String contentType, Duration left, Answer<T> answer) throws IOException {
        HttpPost post = new HttpPost(URI.create(origin + path));
        post.setEntity(new ByteArrayEntity(body, ContentType.create(contentType)));
        post.setConfig(RequestConfig.custom()
                .setConnectionRequestTimeout(Timeout.of(left))
                // Each address of the host gets at most what is left: a cut during a connect moves the client on to
                // the host's next address rather than ending the request, so without this a host of n unreachable
                // addresses would hold the caller n connect timeouts (with it, at most n times what is left).
                .setConnectTimeout(Timeout.of(left.compareTo(connectTimeout) < 0 ? left : connectTimeout))
                .setResponseTimeout(Timeout.of(left))
                .build());
        AtomicBoolean cut = new AtomicBoolean();
        ScheduledFuture<?> limit = timer.schedule(() -> {
            cut.set(true);
            post.cancel();
        }, left.toNanos(), TimeUnit.NANOSECONDS);
        try {
            return client.execute(post, response -> {
                HttpEntity entity = response.getEntity();
                return answer.read(response.getCode(), entity == null ? InputStream.nullInputStream() : entity.getContent());
            });
        } catch (IOException | RuntimeException e) {
            // Cut at any step — waiting for a connection, connecting, sending, reading — the client fails as that step
            // does, an IOException or an IllegalStateException ("Endpoint not acquired / already released"): all one
            // timeout to the store.
            if (cut.get()) {
                SocketTimeoutException timedOut = new SocketTimeoutException("no answer within " + left.toMillis() + " ms");
                timedOut.initCause(e);
                throw timedOut;
            }
            throw e;
        } finally {
            limit.cancel(false);
        }
    }

    private static SSLContext defaultTls() {
        try {
            return SSLContext.getDefault();
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("the JVM has no default TLS context", e);
        }
    }

    @Override
    public void close() {
        timer.shutdownNow();
        client.close(CloseMode.GRACEFUL);
    }
}
