package io.threadline.config;

import dev.langchain4j.model.embedding.EmbeddingModel;
import io.threadline.memory.Embeddings;
import io.threadline.memory.InMemoryMemoryStore;
import io.threadline.memory.MemoryScoring;
import io.threadline.memory.MemorySettings;
import io.threadline.memory.MemoryStore;
import io.threadline.memory.opensearch.OpenSearchClients;
import io.threadline.memory.opensearch.OpenSearchMemorySettings;
import io.threadline.memory.opensearch.OpenSearchMemoryStore;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.inject.Instance;
import jakarta.inject.Inject;

import java.util.Optional;

/**
 * The application's long-term memory, chosen by {@code threadline.memory.store}, built on first use
 * (no index creation or model loading at start-up). Embeddings come from the application's langchain4j
 * {@link EmbeddingModel} bean: the in-process MiniLM when its artifact is on the classpath (local runs,
 * tests), or a hosted model configured through {@code quarkus.langchain4j.*} (Lambda).
 */
@ApplicationScoped
public class MemoryStores {

    @Inject
    MemoryConfig config;

    @Inject
    Instance<EmbeddingModel> models;

    private volatile Optional<MemoryStore> store;

    public Optional<MemoryStore> store() {
        Optional<MemoryStore> s = store;
        if (s == null) {
            synchronized (this) {
                if (store == null) {
                    store = build();
                }
                s = store;
            }
        }
        return s;
    }

    private Optional<MemoryStore> build() {
        if ("none".equals(config.store())) {
            return Optional.empty();
        }
        if (!models.isResolvable()) {
            throw new IllegalStateException("threadline.memory.store=" + config.store() + " needs an embedding model: build with "
                    + "-Dquarkus.langchain4j.embedding-model.provider=openai (and set QUARKUS_LANGCHAIN4J_OPENAI_API_KEY), or with "
                    + "the in-process MiniLM on the classpath (mvn -Plocal); see README, Long-term memory");
        }
        Embeddings embeddings = new Embeddings(models.get());
        MemoryConfig.Score w = config.score();
        MemorySettings settings = new MemorySettings(config.mergeThreshold(),
                new MemoryScoring(w.similarity(), w.recency(), w.importance(), w.recencyHalfLife()), config.touchAfter());
        return switch (config.store()) {
            case "memory" -> Optional.of(new InMemoryMemoryStore(embeddings, settings));
            case "opensearch" -> {
                MemoryConfig.OpenSearch os = config.opensearch();
                OpenSearchMemoryStore opensearch = new OpenSearchMemoryStore(OpenSearchClients.create(os.url(), os.timeout()),
                        embeddings, settings, new OpenSearchMemorySettings(os.index(), os.engine(), embeddings.dimension(),
                        os.candidates()));
                opensearch.ensureIndex();
                yield Optional.of(opensearch);
            }
            default -> throw new IllegalStateException(
                    "threadline.memory.store must be none, memory or opensearch, got '" + config.store() + "'");
        };
    }
}
