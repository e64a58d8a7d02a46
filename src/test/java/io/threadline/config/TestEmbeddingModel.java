package io.threadline.config;

import dev.langchain4j.model.embedding.EmbeddingModel;
import io.threadline.memory.WordEmbeddingModel;
import io.quarkus.arc.properties.UnlessBuildProperty;
import jakarta.annotation.Priority;
import jakarta.enterprise.inject.Alternative;
import jakarta.enterprise.inject.Produces;
import jakarta.inject.Singleton;

/**
 * In the Quarkus tests the application embeds with the deterministic {@link WordEmbeddingModel}
 * instead of the in-process MiniLM: MiniLM's native tokenizer library can be loaded by one class
 * loader per JVM only, and each Quarkus test application has its own. (MiniLM itself is tested
 * outside Quarkus, in MemorySemanticRecallTest.)
 */
public class TestEmbeddingModel {

    @Produces
    @Singleton
    @UnlessBuildProperty(name = "quarkus.langchain4j.embedding-model.provider", stringValue = "openai", enableIfMissing = true)
    @Alternative
    @Priority(1)
    EmbeddingModel wordModel() {
        return new WordEmbeddingModel();
    }
}
