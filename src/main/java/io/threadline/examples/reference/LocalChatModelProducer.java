package io.threadline.examples.reference;

import dev.langchain4j.model.chat.ChatModel;
import io.quarkus.arc.DefaultBean;
import io.quarkus.arc.properties.IfBuildProperty;
import jakarta.enterprise.inject.Produces;
import jakarta.inject.Singleton;

/**
 * The application's chat model when no provider is chosen: {@link LocalChatModel}, offline and scripted
 * (README, "Choosing the chat model"). It stays when the reference agent is switched off, so any agent
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
    ChatModel localChatModel() {
        return new LocalChatModel();
    }
}
