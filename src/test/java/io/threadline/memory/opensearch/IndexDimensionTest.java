package io.threadline.memory.opensearch;

import io.threadline.ErrorCode;
import io.threadline.ThreadlineException;
import io.threadline.memory.Embeddings;
import io.threadline.memory.MemorySettings;
import io.threadline.memory.MemoryWrite;
import io.threadline.memory.WordEmbeddingModel;
import org.junit.jupiter.api.Test;
import org.opensearch.client.opensearch.OpenSearchClient;

import java.time.Instant;
import java.util.UUID;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * The index's dimension follows the embedding model: a store whose model gives vectors of another dimension than
 * an existing index holds (the model was changed, e.g. MiniLM's 384 to Titan's 1024) is refused at its index check —
 * the first memory call of the application — with MISCONFIGURED naming both dimensions, and the index is left as it was.
 * On the real local node.
 */
class IndexDimensionTest {

    @Test
    void anIndexOfAnotherDimensionIsAClearErrorAndIsLeftAlone() throws Exception {
        OpenSearchClient client = OpenSearchClients.create(OpenSearchNode.get().endpoint());
        String index = "dimension-" + UUID.randomUUID();
        Embeddings words = new Embeddings(new WordEmbeddingModel());
        OpenSearchMemoryStore first = new OpenSearchMemoryStore(client, words, MemorySettings.DEFAULT,
                new OpenSearchMemorySettings(index, "lucene", WordEmbeddingModel.DIMENSION, 4));
        first.ensureIndex();
        first.put(MemoryWrite.of("acme", "users/7", "prefers green tea"), Instant.now());

        int other = WordEmbeddingModel.DIMENSION * 2;
        OpenSearchMemoryStore second = new OpenSearchMemoryStore(client, words, MemorySettings.DEFAULT,
                new OpenSearchMemorySettings(index, "lucene", other, 4));

        assertThatThrownBy(second::ensureIndex).isInstanceOfSatisfying(ThreadlineException.class, e -> {
            assertThat(e.code()).isEqualTo(ErrorCode.MISCONFIGURED);
            assertThat(e.getMessage()).contains(index).contains(WordEmbeddingModel.DIMENSION + "-dimension vectors")
                    .contains("gives " + other).contains("threadline.memory.opensearch.index");
            assertThat(e.details()).containsEntry("index", index)
                    .containsEntry("indexDimension", String.valueOf(WordEmbeddingModel.DIMENSION))
                    .containsEntry("modelDimension", other);
        });
        // Nothing changed: the same mapping, the same memory.
        assertThat(client.indices().getMapping(g -> g.index(index)).result().get(index).mappings().properties()
                .get(MemoryIndex.EMBEDDING).knnVector().dimension()).isEqualTo(WordEmbeddingModel.DIMENSION);
        client.indices().refresh(r -> r.index(index));
        assertThat(client.count(c -> c.index(index).query(q -> q.exists(e -> e.field("tenant")))).count()).as("memories (writer marks have no tenant)").isEqualTo(1);
        first.ensureIndex(); // the index's own model still passes
        client.indices().delete(d -> d.index(index));
    }
}
