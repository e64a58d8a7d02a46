package io.threadline.checkpoint.crypto;

import io.threadline.ErrorCode;
import io.threadline.ThreadlineException;
import io.threadline.checkpoint.ThreadKey;
import org.junit.jupiter.api.Test;

import java.util.Arrays;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** What every {@link KeyProvider} does, against its real key service; implementations extend it. */
public abstract class KeyProviderContract {

    protected abstract KeyProvider provider();

    private final ThreadKey thread = ThreadKey.of("acme", "th-1");

    @Test
    void aGeneratedKeyUnwrapsToItsPlaintextForItsThread() {
        DataKey key = provider().generate(thread);
        assertThat(key.plaintext()).hasSize(ThreadCipher.KEY_BYTES);
        assertThat(provider().unwrap(thread, key.wrapped())).isEqualTo(key.plaintext());
        assertThat(indexOf(key.wrapped(), key.plaintext())).as("the wrapped key does not hold the plaintext").isEqualTo(-1);
    }

    @Test
    void everyThreadGetsAKeyOfItsOwn() {
        assertThat(provider().generate(thread).plaintext()).isNotEqualTo(provider().generate(thread).plaintext());
    }

    @Test
    void aWrappedKeyDoesNotUnwrapForAnotherThreadOrTenant() {
        DataKey key = provider().generate(thread);
        for (ThreadKey other : new ThreadKey[]{ThreadKey.of("acme", "th-2"), ThreadKey.of("globex", "th-1")}) {
            assertThatThrownBy(() -> provider().unwrap(other, key.wrapped())).isInstanceOfSatisfying(ThreadlineException.class,
                    e -> assertThat(e.code()).isEqualTo(ErrorCode.INTERNAL));
        }
        byte[] altered = key.wrapped().clone();
        altered[altered.length - 1] ^= 1;
        assertThatThrownBy(() -> provider().unwrap(thread, altered)).isInstanceOfSatisfying(ThreadlineException.class,
                e -> assertThat(e.code()).isEqualTo(ErrorCode.INTERNAL));
    }

    static int indexOf(byte[] haystack, byte[] needle) {
        for (int i = 0; i + needle.length <= haystack.length; i++) {
            if (Arrays.equals(haystack, i, i + needle.length, needle, 0, needle.length)) {
                return i;
            }
        }
        return -1;
    }
}
