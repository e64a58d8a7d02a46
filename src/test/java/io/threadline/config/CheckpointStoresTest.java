package io.threadline.config;

import io.threadline.ErrorCode;
import io.threadline.ThreadlineException;
import io.threadline.checkpoint.CheckpointStore;
import io.threadline.checkpoint.InMemoryCheckpointStore;
import io.threadline.checkpoint.crypto.EncryptingCheckpointStore;
import io.threadline.checkpoint.crypto.InMemoryDataKeyStore;
import io.threadline.checkpoint.crypto.LocalKeyProvider;
import org.junit.jupiter.api.Test;

import java.net.URI;
import java.security.SecureRandom;
import java.time.Clock;
import java.time.Duration;
import java.util.Base64;
import java.util.Optional;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * How {@code threadline.encryption.*} picks the store: none is the plain store, local and kms the encrypting one, and
 * a setting that cannot work stops the start with MISCONFIGURED naming its key (never a store writing in clear).
 */
class CheckpointStoresTest {

    private record Settings(String keys, Optional<String> localKey, Optional<String> kmsKeyId, int keyCacheThreads,
                            Duration keyCacheLifetime) implements EncryptionConfig {
        @Override
        public Optional<String> kmsRegion() {
            return Optional.empty();
        }

        @Override
        public Optional<URI> kmsEndpointOverride() {
            return Optional.empty();
        }

        @Override
        public Duration kmsTimeout() {
            return Duration.ofSeconds(5);
        }

        @Override
        public int kmsMaxAttempts() {
            return 3;
        }

        @Override
        public String dataKeyTable() {
            return "keys";
        }
    }

    private static final String KEY = Base64.getEncoder().encodeToString(new SecureRandom().generateSeed(32));
    private final CheckpointStore plain = new InMemoryCheckpointStore();

    private CheckpointStore wired(Settings settings) {
        return CheckpointStores.encrypted(plain, settings, table -> new InMemoryDataKeyStore(),
                s -> LocalKeyProvider.fromBase64(s.localKey().orElse(null), new SecureRandom()), Clock.systemUTC());
    }

    @Test
    void noneIsThePlainStoreAndLocalEncrypts() {
        assertThat(wired(new Settings("none", Optional.empty(), Optional.empty(), 10, Duration.ofMinutes(5)))).isSameAs(plain);
        assertThat(wired(new Settings("local", Optional.of(KEY), Optional.empty(), 10, Duration.ofMinutes(5))))
                .isInstanceOf(EncryptingCheckpointStore.class);
    }

    @Test
    void settingsThatCannotWorkStopTheStartNamingTheirKey() {
        assertMisconfigured(new Settings("aes", Optional.empty(), Optional.empty(), 10, Duration.ZERO), "threadline.encryption.keys");
        assertMisconfigured(new Settings("local", Optional.empty(), Optional.empty(), 10, Duration.ZERO), "threadline.encryption.local-key");
        assertMisconfigured(new Settings("local", Optional.of("c2hvcnQ="), Optional.empty(), 10, Duration.ZERO), "threadline.encryption.local-key");
        assertMisconfigured(new Settings("local", Optional.of(KEY), Optional.empty(), -1, Duration.ZERO), "threadline.encryption.key-cache-threads");
        // kms without a key id: the application's own provider factory refuses it before building a client.
        CheckpointStores stores = new CheckpointStores();
        assertThatThrownBy(() -> CheckpointStores.encrypted(plain, new Settings("kms", Optional.empty(), Optional.empty(), 10, Duration.ZERO),
                table -> new InMemoryDataKeyStore(), s -> stores.keyProviderFor(s), Clock.systemUTC()))
                .isInstanceOfSatisfying(ThreadlineException.class, e -> {
                    assertThat(e.code()).isEqualTo(ErrorCode.MISCONFIGURED);
                    assertThat(e.details()).containsEntry("key", "threadline.encryption.kms-key-id");
                });
    }

    private void assertMisconfigured(Settings settings, String key) {
        assertThatThrownBy(() -> wired(settings)).isInstanceOfSatisfying(ThreadlineException.class, e -> {
            assertThat(e.code()).isEqualTo(ErrorCode.MISCONFIGURED);
            assertThat(e.details()).containsEntry("key", key);
        });
    }
}
