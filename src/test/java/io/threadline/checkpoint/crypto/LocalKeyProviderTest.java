package io.threadline.checkpoint.crypto;

import io.threadline.ErrorCode;
import io.threadline.ThreadlineException;
import io.threadline.checkpoint.ThreadKey;
import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.security.SecureRandom;
import java.util.Base64;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class LocalKeyProviderTest extends KeyProviderContract {

    private static final String KEY = Base64.getEncoder().encodeToString(new byte[32]).replace('A', 'B');
    private final LocalKeyProvider provider = LocalKeyProvider.fromBase64(KEY, new SecureRandom());

    @Override
    protected KeyProvider provider() {
        return provider;
    }

    @Test
    void aConfiguredKeyThatIsNot32BytesOfBase64IsMisconfigured() {
        for (String bad : new String[]{null, "", "not base64!", Base64.getEncoder().encodeToString(new byte[16])}) {
            assertThatThrownBy(() -> LocalKeyProvider.fromBase64(bad, new SecureRandom()))
                    .isInstanceOfSatisfying(ThreadlineException.class, e -> {
                        assertThat(e.code()).isEqualTo(ErrorCode.MISCONFIGURED);
                        assertThat(e.getMessage()).contains("threadline.encryption.local-key");
                    });
        }
    }

    @Test
    void anotherConfiguredKeyCannotUnwrap() {
        ThreadKey thread = ThreadKey.of("acme", "th-1");
        DataKey key = provider.generate(thread);
        LocalKeyProvider other = new LocalKeyProvider(new SecureRandom().generateSeed(32), new SecureRandom());
        assertThatThrownBy(() -> other.unwrap(thread, key.wrapped())).isInstanceOfSatisfying(ThreadlineException.class,
                e -> assertThat(e.code()).isEqualTo(ErrorCode.INTERNAL));
    }

    @Test
    void theCipherSealsWithItsContextAndHidesThePlaintext() {
        ThreadCipher cipher = new ThreadCipher(new SecureRandom());
        ThreadKey thread = ThreadKey.of("acme", "th-1");
        byte[] key = provider.generate(thread).plaintext();
        byte[] secret = "{\"apiToken\":\"sk-live-123456\"}".getBytes(StandardCharsets.UTF_8);
        byte[] sealed = cipher.encrypt(key, secret, ThreadCipher.context(thread, "checkpoint"));

        assertThat(KeyProviderContract.indexOf(sealed, "sk-live".getBytes(StandardCharsets.UTF_8))).isEqualTo(-1);
        assertThat(cipher.decrypt(key, sealed, ThreadCipher.context(thread, "checkpoint"))).isEqualTo(secret);
        assertThat(cipher.encrypt(key, secret, ThreadCipher.context(thread, "checkpoint"))).as("a fresh nonce each time").isNotEqualTo(sealed);
        assertThatThrownBy(() -> cipher.decrypt(key, sealed, ThreadCipher.context(thread, "pending-effect")))
                .isInstanceOfSatisfying(ThreadlineException.class, e -> assertThat(e.code()).isEqualTo(ErrorCode.INTERNAL));
        assertThatThrownBy(() -> cipher.decrypt(key, new byte[]{9, 9}, ThreadCipher.context(thread, "checkpoint")))
                .isInstanceOfSatisfying(ThreadlineException.class, e -> assertThat(e.code()).isEqualTo(ErrorCode.INTERNAL));
    }
}
