package io.threadline.config;

import io.smallrye.config.ConfigMapping;
import io.smallrye.config.WithDefault;

import java.net.URI;
import java.time.Duration;
import java.util.Optional;
import java.util.OptionalInt;

/** The {@code threadline.bedrock.*} keys (documented in README.md): the Amazon Bedrock models, when chosen. */
@ConfigMapping(prefix = "threadline.bedrock")
public interface BedrockConfig {

    /** The Converse model (one with tool use), or an inference profile id such as {@code us.amazon.nova-lite-v1:0}. */
    @WithDefault("amazon.nova-lite-v1:0")
    String chatModelId();

    /** {@code amazon.titan-embed-text-v2:0} (256, 512 or 1024 dimensions), {@code amazon.titan-embed-text-v1} (1536) or {@code cohere.embed-*-v3} (1024). */
    @WithDefault("amazon.titan-embed-text-v2:0")
    String embeddingModelId();

    /** The vectors' dimension, and so the memory index's. */
    @WithDefault("1024")
    int embeddingDimension();

    /** The AWS region; without it the SDK's region chain ({@code AWS_REGION} in Lambda). */
    Optional<String> region();

    /** Another endpoint than Bedrock's own (a VPC endpoint; a local server in tests). */
    Optional<URI> endpointOverride();

    /** Longest model call, all attempts together. */
    @WithDefault("PT20S")
    Duration timeout();

    /** Longest TCP connect. */
    @WithDefault("PT2S")
    Duration connectTimeout();

    /** Attempts per call (the SDK's standard retry: throttling and 5xx are retried with backoff). */
    @WithDefault("3")
    int maxAttempts();

    /** Most tokens of one chat answer; the model's own default without it. */
    OptionalInt chatMaxTokens();
}
