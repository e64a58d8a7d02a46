package io.threadline.models;

import java.net.URI;
import java.time.Duration;
import java.util.Objects;
import java.util.Optional;
import java.util.OptionalInt;

/**
 * How to reach Amazon Bedrock and which models to use ({@code threadline.bedrock.*}).
 *
 * @param chatModelId        the Converse model or inference profile
 * @param embeddingModelId   a Titan or Cohere embedding model
 * @param embeddingDimension the vectors' dimension (Titan v2: 256, 512 or 1024; Titan v1: 1536; Cohere v3: 1024)
 * @param region             the AWS region, or empty for the SDK's region chain
 * @param endpointOverride   another endpoint than Bedrock's own, or empty
 * @param timeout            longest call, all attempts together
 * @param connectTimeout     longest TCP connect
 * @param maxAttempts        attempts per call (SDK standard retry)
 * @param chatMaxTokens      most tokens of one chat answer, or empty for the model's default
 */
public record BedrockSettings(String chatModelId, String embeddingModelId, int embeddingDimension, Optional<String> region,
                              Optional<URI> endpointOverride, Duration timeout, Duration connectTimeout, int maxAttempts,
                              OptionalInt chatMaxTokens) {

    public BedrockSettings {
        Objects.requireNonNull(chatModelId, "chatModelId");
        Objects.requireNonNull(embeddingModelId, "embeddingModelId");
        if (embeddingDimension < 1) {
            throw new IllegalArgumentException("threadline.bedrock.embedding-dimension must be positive, got " + embeddingDimension);
        }
        if (timeout.isNegative() || timeout.isZero() || connectTimeout.isNegative() || connectTimeout.isZero()) {
            throw new IllegalArgumentException("threadline.bedrock.timeout and .connect-timeout must be positive, got " + timeout
                    + " and " + connectTimeout);
        }
        if (maxAttempts < 1) {
            throw new IllegalArgumentException("threadline.bedrock.max-attempts must be at least 1, got " + maxAttempts);
        }
    }
}
