/**
 * Envelope encryption of what the checkpoint store keeps: a data key per thread ({@link
 * io.threadline.checkpoint.crypto.KeyProvider}), AES-256-GCM payloads bound to their thread
 * ({@link io.threadline.checkpoint.crypto.ThreadCipher}). javax.crypto only; the AWS KMS provider is an adapter
 * ({@code io.threadline.kms}).
 */
package io.threadline.checkpoint.crypto;
