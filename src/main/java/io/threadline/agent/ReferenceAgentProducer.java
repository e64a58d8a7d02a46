package io.threadline.agent;

import dev.langchain4j.model.chat.ChatModel;
import io.quarkus.arc.DefaultBean;
import io.quarkus.arc.properties.IfBuildProperty;
import io.threadline.checkpoint.CheckpointStore;
import io.threadline.config.MemoryStores;
import io.threadline.runtime.RuntimeOptions;
import io.threadline.runtime.ThreadRuntime;
import io.threadline.state.StateCodec;
import jakarta.enterprise.inject.Produces;
import jakarta.inject.Singleton;
import jakarta.validation.Validator;

/**
 * The reference agent's runtime as a bean, on the checkpoint store, long-term memory and chat model
 * the application wires. The chat model is the application's langchain4j {@code ChatModel} bean:
 * {@link LocalChatModel} unless a provider is chosen (README, "Choosing the chat model").
 */
public class ReferenceAgentProducer {

    @Produces
    @Singleton
    ThreadRuntime<AgentState> referenceAgentRuntime(CheckpointStore store, Validator validator, StateCodec codec,
                                                    RuntimeOptions options, MemoryStores memory, ChatModel chatModel,
                                                    io.threadline.config.ThreadlineConfig config) {
        return ThreadRuntime.builder(ReferenceAgent.graph(config.agent().approveTools())).store(store).validator(validator)
                .codec(codec).options(options).memory(memory.store().orElse(null)).chatModel(chatModel)
                .tools(ReferenceAgent.tools()).build();
    }

    /**
     * The offline model, when no provider is chosen. Both conditions are needed: a provider
     * extension's ChatModel bean (OpenAI, Bedrock) is itself a default bean, so two default beans
     * would be ambiguous — naming the provider in {@code quarkus.langchain4j.chat-model.provider}
     * removes this one at build time; an application's own ChatModel producer wins over it either way.
     */
    @Produces
    @Singleton
    @DefaultBean
    @IfBuildProperty(name = "quarkus.langchain4j.chat-model.provider", stringValue = LocalChatModel.MODEL_NAME, enableIfMissing = true)
    ChatModel localChatModel() {
        return new LocalChatModel();
    }
}
