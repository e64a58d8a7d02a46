package io.threadline.memory.opensearch;

import com.fasterxml.jackson.core.StreamReadFeature;
import com.fasterxml.jackson.core.StreamWriteFeature;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.json.JsonMapper;
import org.apache.hc.core5.http.HttpHost;
import org.apache.hc.core5.util.Timeout;
import org.opensearch.client.json.jackson.JacksonJsonpMapper;
import org.opensearch.client.opensearch.OpenSearchClient;
import org.opensearch.client.transport.OpenSearchTransport;
import org.opensearch.client.transport.httpclient5.ApacheHttpClient5TransportBuilder;

import java.net.URI;
import java.time.Clock;
import java.time.Duration;

/**
 * Builds an {@link OpenSearchClient}: Apache HttpClient 5 transport, Jackson JSON-P mapper, and bounded time,
 * so a slow or stopped node turns into {@code DEPENDENCY_UNAVAILABLE} within a step's budget instead of holding
 * the invocation: a connect timeout, {@code timeout} as the response, connection-lease and socket timeouts of
 * every request, and {@code timeout} as the total of one store call, however many requests it makes, cut
 * shorter at the invocation's deadline ({@link TimeLimitedTransport}). The HTTP client's automatic retries stay
 * off (the transport's default), so no request is sent twice behind the store's back. An unsigned client's searches
 * go through a blocking client of the same endpoint with the same limits ({@link BlockingHttp}), answered on the
 * calling thread.
 */
public final class OpenSearchClients {

    /** The default total of one store call ({@code threadline.memory.opensearch.timeout}). */
    public static final Duration DEFAULT_TIMEOUT = Duration.ofSeconds(5);
    /** The default connect timeout ({@code threadline.memory.opensearch.connect-timeout}). */
    public static final Duration DEFAULT_CONNECT_TIMEOUT = Duration.ofSeconds(1);

    private OpenSearchClients() {
    }

    public static OpenSearchClient create(URI endpoint) {
        return create(endpoint, DEFAULT_TIMEOUT);
    }

    public static OpenSearchClient create(URI endpoint, Duration timeout) {
        return create(endpoint, timeout, DEFAULT_CONNECT_TIMEOUT.compareTo(timeout) < 0 ? DEFAULT_CONNECT_TIMEOUT : timeout,
                Clock.systemUTC());
    }

    /**
     * @param timeout        total of one store call, and each request's response, lease and socket timeout
     * @param connectTimeout longest TCP connect
     * @param clock          compared with the invocation's deadline
     */
    public static OpenSearchClient create(URI endpoint, Duration timeout, Duration connectTimeout, Clock clock) {
        validate(timeout, connectTimeout);
        HttpHost host = new HttpHost(endpoint.getScheme(), endpoint.getHost(), endpoint.getPort());
        OpenSearchTransport transport = ApacheHttpClient5TransportBuilder.builder(host)
                .setMapper(mapper())
                .setConnectionConfigCallback(config -> config
                        .setConnectTimeout(Timeout.of(connectTimeout))
                        .setSocketTimeout(Timeout.of(timeout)))
                .setRequestConfigCallback(config -> config
                        .setConnectionRequestTimeout(Timeout.of(timeout))
                        .setResponseTimeout(Timeout.of(timeout)))
                .build();
        // The searches' own client of the same endpoint (BlockingHttp): answered on the calling thread.
        return new OpenSearchClient(new TimeLimitedTransport(transport, timeout, clock, new BlockingHttp(endpoint, timeout, connectTimeout)));
    }

    /**
     * A client whose every request is SigV4-signed ({@link SignedTransport}: opensearch-java's AWS SDK transport), for
     * Amazon OpenSearch Service or Serverless, with the same time limits as {@link #create(URI, Duration, Duration, Clock)}.
     * The endpoint's scheme is kept ({@code https} in AWS).
     */
    public static OpenSearchClient createSigned(URI endpoint, Duration timeout, Duration connectTimeout, Clock clock, AwsSigning signing) {
        validate(timeout, connectTimeout);
        return new OpenSearchClient(new TimeLimitedTransport(SignedTransport.create(endpoint, timeout, connectTimeout, signing, mapper()),
                timeout, clock));
    }

    private static JacksonJsonpMapper mapper() {
        return new JacksonJsonpMapper(objectMapper());
    }

    /**
     * The mapper of every request and answer. Floats are written and read with Jackson's fast algorithms
     * (Schubfach, FastDoubleParser) instead of the JDK's {@code Float.toString}/{@code parseFloat}: a memory's
     * document and a k-NN query carry hundreds of them, and the JDK 17 ones were a large part of writing a bulk
     * request (bench/README.md, "W2 indexing"). Both read back as the same float.
     */
    static ObjectMapper objectMapper() {
        return JsonMapper.builder()
                .disable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES)
                .enable(StreamWriteFeature.USE_FAST_DOUBLE_WRITER)
                .enable(StreamReadFeature.USE_FAST_DOUBLE_PARSER)
                .build();
    }

    private static void validate(Duration timeout, Duration connectTimeout) {
        if (timeout.isNegative() || timeout.isZero() || connectTimeout.isNegative() || connectTimeout.isZero()) {
            throw new IllegalArgumentException("threadline.memory.opensearch.timeout and .connect-timeout must be positive, got "
                    + timeout + " and " + connectTimeout);
        }
    }
}
