package io.threadline.checkpoint.crypto;

import java.util.Objects;

/**
 * A thread's data key: {@code plaintext} (32 bytes, AES-256) encrypts, {@code wrapped} is what may be stored.
 * The arrays are the caller's; {@link #toString} shows neither.
 */
public record DataKey(byte[] plaintext, byte[] wrapped) {

    public DataKey {
        Objects.requireNonNull(plaintext, "plaintext");
        Objects.requireNonNull(wrapped, "wrapped");
        if (plaintext.length != ThreadCipher.KEY_BYTES) {
            throw new IllegalArgumentException("a data key is " + ThreadCipher.KEY_BYTES + " bytes, not " + plaintext.length);
        }
    }

    @Override
    public String toString() {
        return "DataKey[" + wrapped.length + " bytes wrapped]";
    }
}
