package io.threadline.models;

import dev.langchain4j.model.bedrock.BedrockChatModel;
import dev.langchain4j.model.bedrock.BedrockCohereEmbeddingModel;
import dev.langchain4j.model.bedrock.BedrockTitanEmbeddingModel;
import dev.langchain4j.model.chat.ChatModel;
import dev.langchain4j.model.chat.request.ChatRequestParameters;
import dev.langchain4j.model.embedding.EmbeddingModel;
import io.threadline.clients.InvocationDeadlineInterceptor;
import software.amazon.awssdk.auth.credentials.DefaultCredentialsProvider;
import software.amazon.awssdk.core.client.config.ClientOverrideConfiguration;
import software.amazon.awssdk.core.exception.SdkClientException;
import software.amazon.awssdk.core.retry.RetryMode;
import software.amazon.awssdk.http.urlconnection.UrlConnectionHttpClient;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.regions.providers.DefaultAwsRegionProviderChain;
import software.amazon.awssdk.services.bedrockruntime.BedrockRuntimeClient;
import software.amazon.awssdk.services.bedrockruntime.BedrockRuntimeClientBuilder;

import java.time.Clock;
import java.util.Set;

/**
 * langchain4j's own Amazon Bedrock models (langchain4j-bedrock) on one {@link BedrockRuntimeClient}: the Converse
 * chat model, tool calls included, and the Titan or Cohere embedding model. The client is the AWS SDK's, on the
 * URL-connection HTTP client the DynamoDB client uses too, with the default credentials chain (the Lambda
 * function's role) and the SDK's standard retry; each call is cut at {@code timeout}, all attempts together, and
 * in Lambda at the invocation's deadline.
 * langchain4j's own retry is off, so attempts are not multiplied.
 */
public final class BedrockModels {

    /** Titan Text Embeddings v2 takes one of these dimensions. */
    private static final Set<Integer> TITAN_V2_DIMENSIONS = Set.of(256, 512, 1024);

    private BedrockModels() {
    }

    /**
     * The SDK client; no request is sent until a model is called. {@code clock} is compared with the invocation's
     * deadline: in Lambda a call is also cut where the invocation ends, less {@code threadline.api.dependency-reserve}.
     */
    public static BedrockRuntimeClient client(BedrockSettings settings, Clock clock) {
        BedrockRuntimeClientBuilder builder = BedrockRuntimeClient.builder()
                .region(region(settings))
                .credentialsProvider(DefaultCredentialsProvider.builder().build())
                .httpClientBuilder(UrlConnectionHttpClient.builder()
                        .connectionTimeout(settings.connectTimeout())
                        .socketTimeout(settings.timeout()))
                // The same cut as DynamoDB's: the call's own timeout, shortened to what the invocation has left.
                .overrideConfiguration(InvocationDeadlineInterceptor.limit(ClientOverrideConfiguration.builder()
                        .retryStrategy(RetryMode.STANDARD)
                        .retryStrategy(b -> b.maxAttempts(settings.maxAttempts())), settings.timeout(), clock)
                        .build());
        settings.endpointOverride().ifPresent(builder::endpointOverride);
        return builder.build();
    }

    /** The Converse chat model; throttling and other passing failures surface as DEPENDENCY_UNAVAILABLE. */
    public static ChatModel chatModel(BedrockRuntimeClient client, BedrockSettings settings) {
        BedrockChatModel.Builder builder = BedrockChatModel.builder()
                .client(client)
                .modelId(settings.chatModelId())
                .maxRetries(0);
        settings.chatMaxTokens().ifPresent(n -> builder.defaultRequestParameters(ChatRequestParameters.builder().maxOutputTokens(n).build()));
        return new ModelFailures.Chat(builder.build(), "Amazon Bedrock (" + settings.chatModelId() + ")");
    }

    /**
     * The embedding model {@code embeddingModelId} names: Cohere for {@code cohere.*}, else Titan. Its dimension is
     * the configured one, checked against what the model can give.
     */
    public static EmbeddingModel embeddingModel(BedrockRuntimeClient client, BedrockSettings settings) {
        String id = settings.embeddingModelId();
        int dimension = settings.embeddingDimension();
        if (id.startsWith("cohere.")) {
            requireDimension(id, dimension, 1024);
            // One vector per text serves both sides (a memory's, a search's) and the writes' near-duplicate check, which
            // compares memories with memories: all are embedded as documents. Content past Cohere's input limit is cut.
            return BedrockCohereEmbeddingModel.builder().client(client).model(id)
                    .inputType(BedrockCohereEmbeddingModel.InputType.SEARCH_DOCUMENT)
                    .truncate(BedrockCohereEmbeddingModel.Truncate.END).maxRetries(0).build();
        }
        if (!id.startsWith("amazon.titan-embed")) {
            throw new IllegalArgumentException("threadline.bedrock.embedding-model-id must be a Titan (amazon.titan-embed-…) or Cohere "
                    + "(cohere.embed-…) embedding model, got " + id);
        }
        if (id.startsWith("amazon.titan-embed-text-v1") || id.startsWith("amazon.titan-embed-g1")) {
            // v1 has one dimension and refuses the dimensions/normalize fields.
            requireDimension(id, dimension, 1536);
            return BedrockTitanEmbeddingModel.builder().client(client).model(id).maxRetries(0).build();
        }
        if (!TITAN_V2_DIMENSIONS.contains(dimension)) {
            throw new IllegalArgumentException("threadline.bedrock.embedding-dimension must be 256, 512 or 1024 for " + id + ", got " + dimension);
        }
        return BedrockTitanEmbeddingModel.builder().client(client).model(id).dimensions(dimension).normalize(true).maxRetries(0).build();
    }

    private static void requireDimension(String id, int configured, int model) {
        if (configured != model) {
            throw new IllegalArgumentException(id + " gives " + model + "-dimension vectors: set threadline.bedrock.embedding-dimension="
                    + model + " (it is " + configured + ")");
        }
    }

    private static Region region(BedrockSettings settings) {
        if (settings.region().isPresent()) {
            return Region.of(settings.region().get());
        }
        try {
            return DefaultAwsRegionProviderChain.builder().build().getRegion();
        } catch (SdkClientException e) {
            throw new IllegalStateException("no AWS region for Bedrock: set threadline.bedrock.region or AWS_REGION", e);
        }
    }
}
