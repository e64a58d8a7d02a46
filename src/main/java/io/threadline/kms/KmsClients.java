package io.threadline.kms;

import io.threadline.clients.InvocationDeadlineInterceptor;
import software.amazon.awssdk.auth.credentials.DefaultCredentialsProvider;
import software.amazon.awssdk.core.client.config.ClientOverrideConfiguration;
import software.amazon.awssdk.http.urlconnection.UrlConnectionHttpClient;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.services.kms.KmsClient;
import software.amazon.awssdk.services.kms.KmsClientBuilder;

import java.net.URI;
import java.time.Clock;
import java.time.Duration;
import java.util.Optional;

/**
 * The KMS client of {@link KmsKeyProvider}: the SDK's, on the URL-connection HTTP client the other AWS clients use
 * (no second HTTP stack in the native image), with the default credentials chain (the function's role), the SDK's
 * standard retry, and each call cut at {@code timeout} — in Lambda also at the invocation's deadline. Building it
 * sends nothing.
 */
public final class KmsClients {

    private KmsClients() {
    }

    /**
     * @param region   the region of the key; absent: the SDK's region chain ({@code AWS_REGION} in Lambda)
     * @param endpoint another endpoint than KMS's own (a VPC endpoint; a local server in tests)
     */
    public static KmsClient client(Optional<String> region, Optional<URI> endpoint, Duration timeout, int maxAttempts, Clock clock) {
        KmsClientBuilder builder = KmsClient.builder()
                .credentialsProvider(DefaultCredentialsProvider.builder().build())
                .httpClientBuilder(UrlConnectionHttpClient.builder().socketTimeout(timeout))
                .overrideConfiguration(ClientOverrideConfiguration.builder()
                        .apiCallTimeout(timeout)
                        .retryStrategy(r -> r.maxAttempts(maxAttempts))
                        .addExecutionInterceptor(new InvocationDeadlineInterceptor(timeout, clock))
                        .build());
        region.map(Region::of).ifPresent(builder::region);
        endpoint.ifPresent(builder::endpointOverride);
        return builder.build();
    }
}
