package io.threadline.kms;

import io.threadline.ErrorCode;
import io.threadline.ThreadlineException;
import io.threadline.checkpoint.ThreadKey;
import io.threadline.checkpoint.crypto.KeyProvider;
import io.threadline.checkpoint.crypto.KeyProviderContract;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import software.amazon.awssdk.auth.credentials.AwsBasicCredentials;
import software.amazon.awssdk.auth.credentials.StaticCredentialsProvider;
import software.amazon.awssdk.http.urlconnection.UrlConnectionHttpClient;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.services.kms.KmsClient;

import java.io.IOException;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** The real SDK KMS client against {@link FakeKms}, a server speaking KMS's JSON protocol. */
class KmsKeyProviderTest extends KeyProviderContract {

    private static FakeKms kms;
    private static KmsClient client;
    private static KmsKeyProvider provider;
    private static String keyId;

    @BeforeAll
    static void start() throws IOException {
        kms = new FakeKms();
        keyId = kms.createKey();
        client = KmsClient.builder().endpointOverride(kms.endpoint()).region(Region.of(FakeKms.REGION))
                .credentialsProvider(StaticCredentialsProvider.create(AwsBasicCredentials.create("test", "test")))
                .httpClient(UrlConnectionHttpClient.create())
                .overrideConfiguration(o -> o.retryStrategy(r -> r.maxAttempts(2)))
                .build();
        provider = new KmsKeyProvider(client, FakeKms.arn(keyId));
    }

    @AfterAll
    static void stop() {
        client.close();
        kms.close();
    }

    @Override
    protected KeyProvider provider() {
        return provider;
    }

    private final ThreadKey thread = ThreadKey.of("acme", "th-1");

    @Test
    void anUnknownKeyIsMisconfigured() {
        KmsKeyProvider unknown = new KmsKeyProvider(client, "no-such-key");
        assertThatThrownBy(() -> unknown.generate(thread)).isInstanceOfSatisfying(ThreadlineException.class, e -> {
            assertThat(e.code()).isEqualTo(ErrorCode.MISCONFIGURED);
            assertThat(e.details()).containsEntry("awsErrorCode", "NotFoundException");
        });
        assertThatThrownBy(() -> new KmsKeyProvider(client, " ")).isInstanceOfSatisfying(ThreadlineException.class,
                e -> assertThat(e.code()).isEqualTo(ErrorCode.MISCONFIGURED));
    }

    @Test
    void aWrappedKeyOfAnotherKmsKeyIsRefused() {
        KmsKeyProvider other = new KmsKeyProvider(client, kms.createKey());
        byte[] wrapped = other.generate(thread).wrapped();
        assertThatThrownBy(() -> provider.unwrap(thread, wrapped)).isInstanceOfSatisfying(ThreadlineException.class, e -> {
            assertThat(e.code()).isEqualTo(ErrorCode.INTERNAL);
            assertThat(e.details()).containsEntry("awsErrorCode", "IncorrectKeyException");
        });
    }

    @Test
    void kmsFailingIsDependencyUnavailableAndARetryCures() {
        kms.failNext.set(10);
        assertThatThrownBy(() -> provider.generate(thread)).isInstanceOfSatisfying(ThreadlineException.class,
                e -> assertThat(e.code()).isEqualTo(ErrorCode.DEPENDENCY_UNAVAILABLE));
        kms.failNext.set(0);
        assertThat(provider.generate(thread).plaintext()).hasSize(32);
        assertThat(kms.calls("GenerateDataKey")).isGreaterThan(1);
    }
}
