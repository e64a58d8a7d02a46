package io.threadline.examples.reference;

import dev.langchain4j.model.chat.ChatModel;
import io.quarkus.arc.DefaultBean;
import io.quarkus.arc.properties.IfBuildProperty;
import io.threadline.config.ModelChoice;
import jakarta.enterprise.inject.Produces;
import jakarta.inject.Singleton;

/**
 * The application's chat model when no quarkus-langchain4j provider is chosen at build time: the hosted model
 * {@code threadline.models.chat.provider} names at run time ({@link ModelChoice}: Bedrock), else
 * {@link LocalChatModel}, offline and scripted (README, "Choosing the chat model"). It stays when the reference agent is switched off, so any agent
 * runs offline in local runs and tests.
 */
public class LocalChatModelProducer {

    /**
     * Both conditions are needed: a provider extension's ChatModel bean (OpenAI, Bedrock) is itself a
     * default bean, so two default beans would be ambiguous — naming the provider in
     * {@code quarkus.langchain4j.chat-model.provider} removes this one at build time; an application's own
     * ChatModel producer wins over it either way.
     */
    @Produces
    @Singleton
    @DefaultBean
    @IfBuildProperty(name = "quarkus.langchain4j.chat-model.provider", stringValue = LocalChatModel.MODEL_NAME, enableIfMissing = true)
    ChatModel localChatModel(ModelChoice models) {
        // threadline.models.chat.provider, read at run time: a hosted model (Bedrock), else the offline one.
        return models.hostedChatModel().orElseGet(LocalChatModel::new);
    }
}
