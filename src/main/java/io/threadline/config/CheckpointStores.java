package io.threadline.config;

import io.threadline.ErrorCode;
import io.threadline.ThreadlineException;
import io.threadline.checkpoint.CheckpointStore;
import io.threadline.checkpoint.crypto.DataKeyStore;
import io.threadline.checkpoint.crypto.EncryptingCheckpointStore;
import io.threadline.checkpoint.crypto.KeyProvider;
import io.threadline.checkpoint.crypto.LocalKeyProvider;
import io.threadline.checkpoint.dynamodb.DynamoDbStoreProducer;
import io.threadline.kms.KmsClients;
import io.threadline.kms.KmsKeyProvider;
import jakarta.annotation.PreDestroy;
import jakarta.enterprise.inject.Produces;
import jakarta.inject.Singleton;
import software.amazon.awssdk.services.kms.KmsClient;

import java.security.SecureRandom;
import java.time.Clock;
import java.util.Map;
import java.util.function.Function;

/**
 * Produces the application's {@link CheckpointStore}: the one {@code threadline.store} names, wrapped in an
 * {@link EncryptingCheckpointStore} when {@code threadline.encryption.keys} is {@code local} or {@code kms}.
 * A setting that cannot work ({@code kms} without a key id, {@code local} without a 32-byte key, an unknown
 * value) stops the application at start with {@code MISCONFIGURED} naming the key — never a store that silently
 * writes in clear. The KMS client is built only for {@code kms}, and sends nothing until a thread needs a key.
 */
@Singleton
public class CheckpointStores {

    static final String NONE = "none";
    static final String LOCAL = "local";
    static final String KMS = "kms";

    private KmsClient kms;

    @Produces
    @Singleton
    CheckpointStore checkpointStore(DynamoDbStoreProducer stores, EncryptionConfig config, Clock clock) {
        return encrypted(stores.checkpointStore(), config, stores::dataKeyStore, this::keyProviderFor, clock);
    }

    /** {@code plain}, sealed as {@code config} says; {@code plain} itself for {@code keys=none}. */
    static CheckpointStore encrypted(CheckpointStore plain, EncryptionConfig config, Function<String, DataKeyStore> keyStores,
                                     Function<EncryptionConfig, KeyProvider> providers, Clock clock) {
        if (NONE.equals(config.keys())) {
            return plain;
        }
        if (!LOCAL.equals(config.keys()) && !KMS.equals(config.keys())) {
            throw misconfigured("threadline.encryption.keys must be '" + NONE + "', '" + LOCAL + "' or '" + KMS + "', got '"
                    + config.keys() + "'", "threadline.encryption.keys");
        }
        if (config.keyCacheThreads() < 0 || config.keyCacheLifetime().isNegative()) {
            throw misconfigured("threadline.encryption.key-cache-threads and key-cache-lifetime cannot be negative",
                    "threadline.encryption.key-cache-threads");
        }
        KeyProvider provider = providers.apply(config);
        return new EncryptingCheckpointStore(plain, provider, keyStores.apply(config.dataKeyTable()), new SecureRandom(),
                config.keyCacheThreads(), clock, config.keyCacheLifetime());
    }

    synchronized KeyProvider keyProviderFor(EncryptionConfig config) {
        if (LOCAL.equals(config.keys())) {
            return LocalKeyProvider.fromBase64(config.localKey().orElse(null), new SecureRandom());
        }
        String keyId = config.kmsKeyId().orElseThrow(() -> misconfigured(
                "threadline.encryption.keys=kms needs threadline.encryption.kms-key-id (a key id, ARN or alias)",
                "threadline.encryption.kms-key-id"));
        if (kms == null) {
            kms = KmsClients.client(config.kmsRegion(), config.kmsEndpointOverride(), config.kmsTimeout(), config.kmsMaxAttempts(),
                    Clock.systemUTC());
        }
        return new KmsKeyProvider(kms, keyId);
    }

    private static ThreadlineException misconfigured(String message, String key) {
        return new ThreadlineException(ErrorCode.MISCONFIGURED, message, Map.of("key", key));
    }

    @PreDestroy
    synchronized void close() {
        if (kms != null) {
            kms.close();
        }
    }
}
