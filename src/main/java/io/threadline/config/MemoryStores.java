package io.threadline.config;

import dev.langchain4j.model.embedding.EmbeddingModel;
import io.threadline.memory.Embeddings;
import io.threadline.memory.InMemoryMemoryStore;
import io.threadline.memory.MemoryLimits;
import io.threadline.memory.MemoryScoring;
import io.threadline.memory.MemorySettings;
import io.threadline.memory.MemoryStore;
import io.threadline.memory.opensearch.OpenSearchClients;
import io.threadline.memory.opensearch.OpenSearchMemorySettings;
import io.threadline.memory.opensearch.OpenSearchMemoryStore;
import jakarta.enterprise.context.ApplicationScoped;
import org.opensearch.client.opensearch.OpenSearchClient;
import jakarta.enterprise.inject.Instance;
import jakarta.inject.Inject;

import java.util.Optional;

/**
 * The application's long-term memory, chosen by {@code threadline.memory.store}, built on its first
 * call (no client, index check or model loading at start-up, even though the runtime holding it is built then). Embeddings come from the application's langchain4j
 * {@link EmbeddingModel} bean: the in-process MiniLM when its artifact is on the classpath (local runs,
 * tests), or a hosted model configured through {@code quarkus.langchain4j.*} (Lambda).
 */
@ApplicationScoped
public class MemoryStores {

    @Inject
    MemoryConfig config;

    @Inject
    Instance<EmbeddingModel> models;

    @Inject
    java.time.Clock clock;

    private volatile Optional<MemoryStore> store;

    /**
     * The configured store, or empty for {@code none}. Whether there is one, and that it can be built (a
     * known kind, an embedding model in the build), is settled here; the store itself — clients, model,
     * the index check — is built on its first call ({@link LazyMemoryStore}).
     */
    public Optional<MemoryStore> store() {
        Optional<MemoryStore> s = store;
        if (s == null) {
            synchronized (this) {
                if (store == null) {
                    store = choose();
                }
                s = store;
            }
        }
        return s;
    }

    private Optional<MemoryStore> choose() {
        String kind = config.store();
        if ("none".equals(kind)) {
            return Optional.empty();
        }
        if (!"memory".equals(kind) && !"opensearch".equals(kind)) {
            throw new IllegalStateException("threadline.memory.store must be none, memory or opensearch, got '" + kind + "'");
        }
        if (!models.isResolvable()) {
            throw new IllegalStateException("threadline.memory.store=" + kind + " needs an embedding model: build with "
                    + "-Dquarkus.langchain4j.embedding-model.provider=openai (and set QUARKUS_LANGCHAIN4J_OPENAI_API_KEY), or with "
                    + "the in-process MiniLM on the classpath (mvn -Plocal); see README, Long-term memory");
        }
        return Optional.of(new LazyMemoryStore(() -> build(kind)));
    }

    private MemoryStore build(String kind) {
        Embeddings embeddings = new Embeddings(models.get());
        MemoryConfig.Score w = config.score();
        MemorySettings settings = new MemorySettings(config.mergeThreshold(),
                new MemoryScoring(w.similarity(), w.recency(), w.importance(), w.recencyHalfLife()), config.touchAfter(),
                new MemoryLimits(config.maxMetadataKeys(), config.maxMetadataValueBytes(), config.maxTtl()));
        if ("memory".equals(kind)) {
            return new InMemoryMemoryStore(embeddings, settings);
        }
        MemoryConfig.OpenSearch os = config.opensearch();
        OpenSearchClient client = OpenSearchClients.create(os.url(), os.timeout(), os.connectTimeout(), clock);
        try {
            OpenSearchMemoryStore opensearch = new OpenSearchMemoryStore(client, embeddings, settings,
                    new OpenSearchMemorySettings(os.index(), os.engine(), embeddings.dimension(), os.candidates()));
            opensearch.ensureIndex();
            return opensearch;
        } catch (RuntimeException e) {
            // Not kept (the next call builds again): release this attempt's connections.
            try {
                client._transport().close();
            } catch (java.io.IOException | RuntimeException closing) {
                e.addSuppressed(closing);
            }
            throw e;
        }
    }
}
