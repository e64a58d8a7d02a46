package io.threadline.memory.opensearch;

import org.opensearch.client.opensearch.OpenSearchClient;
import org.opensearch.client.opensearch._types.OpenSearchException;
import org.opensearch.client.opensearch._types.mapping.DynamicTemplate;
import org.opensearch.client.opensearch._types.mapping.Property;

import java.io.IOException;
import java.util.Map;

/** The memory index's mapping: keyword filters, dates, a cosine {@code knn_vector}, metadata as keywords. */
final class MemoryIndex {

    static final String EMBEDDING = "embedding";

    private MemoryIndex() {
    }

    static void createIfMissing(OpenSearchClient client, OpenSearchMemorySettings settings) throws IOException {
        if (client.indices().exists(e -> e.index(settings.index())).value()) {
            return;
        }
        Property keyword = Property.of(p -> p.keyword(k -> k));
        Property date = Property.of(p -> p.date(d -> d));
        try {
            client.indices().create(c -> c.index(settings.index())
                    .settings(s -> s.knn(true).numberOfShards(1))
                    .mappings(m -> m
                            .dynamicTemplates(Map.of("metadata_as_keywords",
                                    DynamicTemplate.of(t -> t.pathMatch("metadata.*").mapping(keyword))))
                            .properties("tenant", keyword)
                            .properties("namespace", keyword)
                            .properties("id", keyword)
                            .properties("kind", keyword)
                            .properties("sourceThread", keyword)
                            .properties("sourceCheckpoint", keyword)
                            .properties("contentHash", keyword)
                            .properties("content", Property.of(p -> p.text(t -> t)))
                            .properties("importance", Property.of(p -> p.double_(d -> d)))
                            .properties("createdAt", date)
                            .properties("accessedAt", date)
                            .properties("expiresAt", date)
                            .properties(EMBEDDING, Property.of(p -> p.knnVector(v -> v.dimension(settings.dimension())
                                    .method(mm -> mm.name("hnsw").engine(settings.engine()).spaceType("cosinesimil")))))));
        } catch (OpenSearchException e) {
            // Another instance created it first: fine.
            if (!"resource_already_exists_exception".equals(e.error().type())) {
                throw e;
            }
        }
    }
}
