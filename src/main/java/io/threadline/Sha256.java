package io.threadline;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;

/**
 * SHA-256, which every JVM has: the one place that turns the impossible {@link NoSuchAlgorithmException} into an
 * error, for the digests that name things (graph fingerprints, long idempotency keys, data-key fingerprints, run
 * ids and queue group ids). Not for secrets' integrity: that is AES-GCM's job in the sealed payloads.
 */
public final class Sha256 {

    private Sha256() {
    }

    /** The 32-byte digest of {@code bytes}. */
    public static byte[] of(byte[] bytes) {
        try {
            return MessageDigest.getInstance("SHA-256").digest(bytes);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 is missing from this JVM", e);
        }
    }

    /** The digest of {@code text}'s UTF-8 bytes in lower-case hex (64 characters). */
    public static String hex(String text) {
        return HexFormat.of().formatHex(of(text.getBytes(StandardCharsets.UTF_8)));
    }
}
