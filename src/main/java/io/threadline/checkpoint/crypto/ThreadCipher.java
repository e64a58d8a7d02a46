package io.threadline.checkpoint.crypto;

import io.threadline.ErrorCode;
import io.threadline.ThreadlineException;
import io.threadline.checkpoint.ThreadKey;

import javax.crypto.AEADBadTagException;
import javax.crypto.Cipher;
import javax.crypto.spec.GCMParameterSpec;
import javax.crypto.spec.SecretKeySpec;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.SecureRandom;
import java.util.Map;

/**
 * AES-256-GCM with a random 96-bit nonce per message: {@code version (1) | nonce (12) | ciphertext + tag (16)}.
 * The associated data binds a ciphertext to its thread and purpose, so bytes moved to another thread or field
 * fail to decrypt instead of decrypting to the wrong place. GCM's limit of 2^32 random nonces per key is far
 * above what one thread's data key encrypts.
 */
public final class ThreadCipher {

    /** AES-256. */
    public static final int KEY_BYTES = 32;
    private static final byte VERSION = 1;
    private static final int NONCE_BYTES = 12;
    private static final int TAG_BITS = 128;

    private final SecureRandom random;

    public ThreadCipher(SecureRandom random) {
        this.random = random;
    }

    /** The associated data of {@code purpose} (e.g. {@code checkpoint}, {@code data-key}) for {@code thread}. */
    public static byte[] context(ThreadKey thread, String purpose) {
        return ("threadline/" + purpose + "/" + thread.tenant() + "/" + thread.threadId()).getBytes(StandardCharsets.UTF_8);
    }

    public byte[] encrypt(byte[] key, byte[] plaintext, byte[] associatedData) {
        byte[] nonce = new byte[NONCE_BYTES];
        random.nextBytes(nonce);
        try {
            Cipher cipher = Cipher.getInstance("AES/GCM/NoPadding");
            cipher.init(Cipher.ENCRYPT_MODE, new SecretKeySpec(key, "AES"), new GCMParameterSpec(TAG_BITS, nonce));
            cipher.updateAAD(associatedData);
            byte[] sealed = cipher.doFinal(plaintext);
            return ByteBuffer.allocate(1 + NONCE_BYTES + sealed.length).put(VERSION).put(nonce).put(sealed).array();
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("AES-GCM is missing from this JVM", e);
        }
    }

    /** @throws ThreadlineException {@code INTERNAL} when the bytes were not sealed with this key and context */
    public byte[] decrypt(byte[] key, byte[] sealed, byte[] associatedData) {
        if (sealed.length < 1 + NONCE_BYTES + TAG_BITS / 8 || sealed[0] != VERSION) {
            throw unreadable("not a sealed payload of version " + VERSION);
        }
        try {
            Cipher cipher = Cipher.getInstance("AES/GCM/NoPadding");
            cipher.init(Cipher.DECRYPT_MODE, new SecretKeySpec(key, "AES"), new GCMParameterSpec(TAG_BITS, sealed, 1, NONCE_BYTES));
            cipher.updateAAD(associatedData);
            return cipher.doFinal(sealed, 1 + NONCE_BYTES, sealed.length - 1 - NONCE_BYTES);
        } catch (AEADBadTagException e) {
            throw unreadable("the key or the context does not match (another thread's, or altered bytes)");
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("AES-GCM is missing from this JVM", e);
        }
    }

    private static ThreadlineException unreadable(String why) {
        return new ThreadlineException(ErrorCode.INTERNAL, "an encrypted payload does not decrypt: " + why, Map.of());
    }
}
