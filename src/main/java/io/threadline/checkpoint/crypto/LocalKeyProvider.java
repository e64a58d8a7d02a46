package io.threadline.checkpoint.crypto;

import io.threadline.ErrorCode;
import io.threadline.ThreadlineException;
import io.threadline.checkpoint.ThreadKey;

import java.security.SecureRandom;
import java.util.Base64;
import java.util.Map;

/**
 * Data keys wrapped with one configured 256-bit key ({@code threadline.encryption.local-key}, base64) by
 * AES-GCM, bound to the thread: for laptops, CI and deployments without KMS. Whoever holds the configured key
 * can unwrap every thread's data key — keep it out of the repository, as a secret. Losing it loses every
 * encrypted thread.
 */
public final class LocalKeyProvider implements KeyProvider {

    private final byte[] key;
    private final SecureRandom random;
    private final ThreadCipher cipher;

    public LocalKeyProvider(byte[] key, SecureRandom random) {
        if (key == null || key.length != ThreadCipher.KEY_BYTES) {
            throw new ThreadlineException(ErrorCode.MISCONFIGURED, "threadline.encryption.local-key must be "
                    + ThreadCipher.KEY_BYTES + " bytes in base64 (e.g. the output of `openssl rand -base64 32`)",
                    Map.of("key", "threadline.encryption.local-key"));
        }
        this.key = key.clone();
        this.random = random;
        this.cipher = new ThreadCipher(random);
    }

    /** From the configured base64 text; {@code MISCONFIGURED} naming the key when it is not 32 bytes of base64. */
    public static LocalKeyProvider fromBase64(String base64, SecureRandom random) {
        byte[] raw;
        try {
            raw = base64 == null ? null : Base64.getDecoder().decode(base64.trim());
        } catch (IllegalArgumentException e) {
            raw = null;
        }
        return new LocalKeyProvider(raw, random);
    }

    @Override
    public DataKey generate(ThreadKey thread) {
        byte[] dataKey = new byte[ThreadCipher.KEY_BYTES];
        random.nextBytes(dataKey);
        return new DataKey(dataKey, cipher.encrypt(key, dataKey, ThreadCipher.context(thread, "data-key")));
    }

    @Override
    public byte[] unwrap(ThreadKey thread, byte[] wrapped) {
        return cipher.decrypt(key, wrapped, ThreadCipher.context(thread, "data-key"));
    }
}
