package io.threadline.config;

import dev.langchain4j.model.chat.ChatModel;
import dev.langchain4j.model.embedding.EmbeddingModel;
import io.threadline.models.BedrockModels;
import io.threadline.models.BedrockSettings;
import jakarta.annotation.PreDestroy;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.inject.Instance;
import jakarta.inject.Inject;
import software.amazon.awssdk.services.bedrockruntime.BedrockRuntimeClient;

import java.time.Clock;
import java.util.Optional;

/**
 * Which chat and embedding model the application uses, chosen at run time by {@code threadline.models.*}
 * (README, "Choosing the chat model"): for chat, the offline model or Amazon Bedrock — the application's default
 * ChatModel producer asks {@link #hostedChatModel()} and makes the offline model when it is empty; for embeddings,
 * the build's langchain4j {@code EmbeddingModel} bean or Amazon Bedrock. quarkus-langchain4j's own providers (OpenAI)
 * are chosen at build time and stay so: naming one in {@code quarkus.langchain4j.chat-model.provider} removes the
 * default producer, and the provider's bean takes its place. One Bedrock client serves both models, built when the
 * first of them is.
 */
@ApplicationScoped
public class ModelChoice {

    @Inject
    ModelsConfig models;

    @Inject
    BedrockConfig bedrock;

    @Inject
    Instance<EmbeddingModel> embeddingBeans;

    @Inject
    Clock clock;

    private BedrockRuntimeClient client;
    private ChatModel bedrockChat;
    private EmbeddingModel bedrockEmbeddings;

    /**
     * The hosted chat model {@code threadline.models.chat.provider} names, or empty for {@code local} (the application's
     * default ChatModel producer then makes the offline model). Built once; no request is sent.
     */
    public synchronized Optional<ChatModel> hostedChatModel() {
        String provider = models.chat().provider();
        switch (provider) {
            case "local":
                return Optional.empty();
            case "bedrock":
                if (bedrockChat == null) {
                    bedrockChat = BedrockModels.chatModel(client(), settings());
                }
                return Optional.of(bedrockChat);
            case "openai":
                throw new IllegalStateException("threadline.models.chat.provider=openai needs a build with "
                        + "-Dquarkus.langchain4j.chat-model.provider=openai -Dquarkus.langchain4j.openai.chat-model.enabled=true "
                        + "(quarkus-langchain4j chooses its providers at build time); this build has the local and bedrock chat models");
            default:
                throw new IllegalStateException("threadline.models.chat.provider must be local, bedrock or openai, got '" + provider + "'");
        }
    }

    /**
     * The embedding model {@code threadline.models.embedding.provider} names, or empty when it is {@code default}
     * and the build has no EmbeddingModel bean. Bedrock's is built here on first use (no request is sent).
     */
    public synchronized Optional<EmbeddingModel> embeddingModel() {
        String provider = models.embedding().provider();
        switch (provider) {
            case "default":
                return embeddingBeans.isResolvable() ? Optional.of(embeddingBeans.get()) : Optional.empty();
            case "bedrock":
                if (bedrockEmbeddings == null) {
                    bedrockEmbeddings = BedrockModels.embeddingModel(client(), settings());
                }
                return Optional.of(bedrockEmbeddings);
            default:
                throw new IllegalStateException("threadline.models.embedding.provider must be default or bedrock, got '" + provider + "'");
        }
    }

    /** What the chosen embedding model is, for messages. */
    public String embeddingProvider() {
        return models.embedding().provider();
    }

    private synchronized BedrockRuntimeClient client() {
        if (client == null) {
            client = BedrockModels.client(settings(), clock);
        }
        return client;
    }

    private BedrockSettings settings() {
        return new BedrockSettings(bedrock.chatModelId(), bedrock.embeddingModelId(), bedrock.embeddingDimension(), bedrock.region(),
                bedrock.endpointOverride(), bedrock.timeout(), bedrock.connectTimeout(), bedrock.maxAttempts(), bedrock.chatMaxTokens());
    }

    @PreDestroy
    synchronized void close() {
        if (client != null) {
            client.close();
        }
    }
}
