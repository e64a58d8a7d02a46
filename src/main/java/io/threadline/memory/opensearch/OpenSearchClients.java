package io.threadline.memory.opensearch;

import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.json.JsonMapper;
import org.apache.hc.core5.http.HttpHost;
import org.apache.hc.core5.util.Timeout;
import org.opensearch.client.json.jackson.JacksonJsonpMapper;
import org.opensearch.client.opensearch.OpenSearchClient;
import org.opensearch.client.transport.httpclient5.ApacheHttpClient5TransportBuilder;

import java.net.URI;
import java.time.Duration;

/**
 * Builds an {@link OpenSearchClient}: Apache HttpClient 5 transport, Jackson JSON-P mapper, and a
 * response timeout, so a slow node turns into {@code DEPENDENCY_UNAVAILABLE} within a step's budget
 * instead of holding the invocation.
 */
public final class OpenSearchClients {

    /** The default response timeout ({@code threadline.memory.opensearch.timeout}). */
    public static final Duration DEFAULT_TIMEOUT = Duration.ofSeconds(5);

    private OpenSearchClients() {
    }

    public static OpenSearchClient create(URI endpoint) {
        return create(endpoint, DEFAULT_TIMEOUT);
    }

    public static OpenSearchClient create(URI endpoint, Duration timeout) {
        ObjectMapper mapper = JsonMapper.builder().disable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES).build();
        HttpHost host = new HttpHost(endpoint.getScheme(), endpoint.getHost(), endpoint.getPort());
        return new OpenSearchClient(ApacheHttpClient5TransportBuilder.builder(host)
                .setMapper(new JacksonJsonpMapper(mapper))
                .setRequestConfigCallback(config -> config
                        .setConnectionRequestTimeout(Timeout.of(timeout))
                        .setResponseTimeout(Timeout.of(timeout)))
                .build());
    }
}
