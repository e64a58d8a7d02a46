package io.threadline.checkpoint.crypto;

import io.threadline.checkpoint.ThreadKey;

/**
 * Where a thread's data key comes from: envelope encryption. Each thread has its own data key; what is
 * stored is the key <em>wrapped</em> by a key the provider holds (a KMS key in AWS, a configured key locally),
 * bound to the thread (tenant and id) so a wrapped key copied to another thread does not unwrap. Deleting a
 * thread's wrapped key makes every remaining copy of what it encrypted — a backup, a restored table —
 * unreadable: crypto-shredding.
 *
 * <p>Implementations: {@link LocalKeyProvider} (a configured 256-bit key, AES-GCM key wrapping) and
 * {@code io.threadline.kms.KmsKeyProvider} (AWS KMS {@code GenerateDataKey}/{@code Decrypt}).
 * Errors are {@link io.threadline.ThreadlineException}s: {@code DEPENDENCY_UNAVAILABLE} when the key service
 * does not answer (safe to retry), {@code INTERNAL} when a wrapped key does not unwrap (it belongs to another
 * thread or key), {@code MISCONFIGURED} when the provider's own key is missing or refused.
 */
public interface KeyProvider {

    /** A new data key for {@code thread}: the plaintext (keep it in memory only) and its wrapped form (store it). */
    DataKey generate(ThreadKey thread);

    /** The plaintext of a data key {@link #generate} wrapped for {@code thread}. */
    byte[] unwrap(ThreadKey thread, byte[] wrapped);
}
