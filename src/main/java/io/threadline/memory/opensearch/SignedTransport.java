package io.threadline.memory.opensearch;

import org.opensearch.client.json.JsonpMapper;
import org.opensearch.client.transport.Endpoint;
import org.opensearch.client.transport.TransportOptions;
import org.opensearch.client.transport.aws.AwsSdk2Transport;
import org.opensearch.client.transport.aws.AwsSdk2TransportOptions;
import software.amazon.awssdk.auth.credentials.DefaultCredentialsProvider;
import software.amazon.awssdk.http.ExecutableHttpRequest;
import software.amazon.awssdk.http.HttpExecuteRequest;
import software.amazon.awssdk.http.SdkHttpClient;
import software.amazon.awssdk.http.urlconnection.UrlConnectionHttpClient;
import software.amazon.awssdk.regions.Region;

import java.io.IOException;
import java.net.URI;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * opensearch-java's {@link AwsSdk2Transport}: every request SigV4-signed ({@link AwsSigning}), sent by the AWS SDK's
 * URL-connection HTTP client (the one the DynamoDB client uses: no second HTTP stack), with a connect timeout and
 * a socket timeout. Two things it lacks, added here:
 * <ul>
 *   <li>it writes every URL as {@code https://host}; an {@code http://} endpoint (a local signing proxy, the tests'
 *       recording proxy) keeps its scheme — SigV4 signs the host, path, query, headers and body, not the scheme;</li>
 *   <li>with a synchronous HTTP client its "asynchronous" requests run on the caller's thread; here they run on
 *       a small daemon pool, so {@link TimeLimitedTransport} can cut a wait and a search does not wait for its
 *       access-time touches.</li>
 * </ul>
 */
final class SignedTransport extends ForwardingTransport {

    private static final AtomicInteger THREADS = new AtomicInteger();

    private final SdkHttpClient http;
    private final ExecutorService background = Executors.newCachedThreadPool(r -> {
        Thread t = new Thread(r, "opensearch-signed-" + THREADS.incrementAndGet());
        t.setDaemon(true);
        return t;
    });

    private SignedTransport(AwsSdk2Transport delegate, SdkHttpClient http) {
        super(delegate);
        this.http = http;
    }

    static SignedTransport create(URI endpoint, Duration timeout, Duration connectTimeout, AwsSigning signing, JsonpMapper mapper) {
        SdkHttpClient http = UrlConnectionHttpClient.builder().connectionTimeout(connectTimeout).socketTimeout(timeout).build();
        String host = endpoint.getPort() < 0 ? endpoint.getHost() : endpoint.getHost() + ":" + endpoint.getPort();
        SdkHttpClient sending = "http".equals(endpoint.getScheme()) ? new KeepHttp(http, endpoint.getPort() < 0 ? 80 : endpoint.getPort()) : http;
        AwsSdk2TransportOptions options = AwsSdk2TransportOptions.builder()
                .setMapper(mapper)
                .setCredentials(DefaultCredentialsProvider.builder().build())
                .build();
        return new SignedTransport(new AwsSdk2Transport(sending, host, signing.service(), Region.of(signing.region()), options), http);
    }

    @Override
    public <RequestT, ResponseT, ErrorT> CompletableFuture<ResponseT> performRequestAsync(
            RequestT request, Endpoint<RequestT, ResponseT, ErrorT> endpoint, TransportOptions options) {
        return CompletableFuture.supplyAsync(() -> {
            try {
                return delegate.performRequest(request, endpoint, options);
            } catch (IOException e) {
                throw new CompletionException(e);
            }
        }, background);
    }

    @Override
    public void close() {
        background.shutdownNow();
        http.close();
    }

    /** Sends the signed request over plain HTTP to the endpoint's port (AwsSdk2Transport wrote https). */
    private record KeepHttp(SdkHttpClient http, int port) implements SdkHttpClient {

        @Override
        public ExecutableHttpRequest prepareRequest(HttpExecuteRequest request) {
            HttpExecuteRequest.Builder plain = HttpExecuteRequest.builder()
                    .request(request.httpRequest().toBuilder().protocol("http").port(port).build());
            request.contentStreamProvider().ifPresent(plain::contentStreamProvider);
            return http.prepareRequest(plain.build());
        }

        @Override
        public String clientName() {
            return http.clientName();
        }

        @Override
        public void close() {
            http.close();
        }
    }

}
