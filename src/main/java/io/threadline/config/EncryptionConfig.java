package io.threadline.config;

import io.smallrye.config.ConfigMapping;
import io.smallrye.config.WithDefault;

import java.net.URI;
import java.time.Duration;
import java.util.Optional;

/**
 * The {@code threadline.encryption.*} keys (README "Encryption at rest"): whether and with which key the
 * checkpoint store's thread data is sealed ({@code io.threadline.checkpoint.crypto.EncryptingCheckpointStore}).
 */
@ConfigMapping(prefix = "threadline.encryption")
public interface EncryptionConfig {

    /**
     * Where threads' data keys come from: {@code none} (stored in clear; the default of local runs and tests),
     * {@code local} (wrapped with {@link #localKey()}) or {@code kms} (AWS KMS, the key {@link #kmsKeyId()};
     * template.yaml).
     */
    @WithDefault("none")
    String keys();

    /** {@code keys=local}: the 256-bit wrapping key in base64 ({@code openssl rand -base64 32}); a secret. */
    Optional<String> localKey();

    /** {@code keys=kms}: the KMS key — id, ARN, alias ({@code alias/threadline}) or alias ARN. */
    Optional<String> kmsKeyId();

    /** The KMS key's region; without it the SDK's region chain ({@code AWS_REGION} in Lambda). */
    Optional<String> kmsRegion();

    /** Another endpoint than KMS's own (a VPC endpoint; a local server in tests). */
    Optional<URI> kmsEndpointOverride();

    /** Longest KMS call, all attempts together (in Lambda also cut at the invocation's end). */
    @WithDefault("PT5S")
    Duration kmsTimeout();

    /** Attempts per KMS call (the SDK's standard retry), then DEPENDENCY_UNAVAILABLE. */
    @WithDefault("3")
    int kmsMaxAttempts();

    /**
     * The DynamoDB table of wrapped data keys, when {@code threadline.store=dynamodb}: a table of its own without
     * point-in-time recovery, so a deleted key is gone from every backup of the checkpoints.
     */
    @WithDefault("threadline-datakeys")
    String dataKeyTable();

    /** Threads whose plaintext data key a process keeps in memory (0: read and unwrap the key on every use). */
    @WithDefault("1024")
    int keyCacheThreads();

    /**
     * How long a process serves a thread's key from its cache: after a delete in another process, that process can
     * read copies of the thread for at most this long; also how long a plaintext key stays in a warm process.
     */
    @WithDefault("PT5M")
    Duration keyCacheLifetime();
}
