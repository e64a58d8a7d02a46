package io.threadline.config;

import io.smallrye.config.ConfigMapping;
import io.smallrye.config.WithDefault;

/** The {@code threadline.models.*} keys (documented in README.md): which chat and embedding model, read at run time. */
@ConfigMapping(prefix = "threadline.models")
public interface ModelsConfig {

    Chat chat();

    Embedding embedding();

    /** The reference agent's chat model. */
    interface Chat {
        /**
         * {@code local} (the offline LocalChatModel), {@code bedrock} (Amazon Bedrock's Converse API) or
         * {@code openai} — OpenAI is quarkus-langchain4j's, chosen at build time
         * ({@code quarkus.langchain4j.chat-model.provider=openai}); this key only confirms it.
         */
        @WithDefault("local")
        String provider();
    }

    /** The embedding model of long-term memory. */
    interface Embedding {
        /**
         * {@code default} (the build's langchain4j EmbeddingModel bean: the in-process MiniLM, or OpenAI when
         * built with its provider) or {@code bedrock} (Titan or Cohere on Amazon Bedrock).
         */
        @WithDefault("default")
        String provider();
    }
}
