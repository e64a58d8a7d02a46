package io.threadline.memory.opensearch;

/**
 * Where and how memories are indexed.
 *
 * @param index     the index name ({@code threadline.memory.opensearch.index})
 * @param engine    the k-NN engine: {@code lucene} (works everywhere, including a local node from
 *                  Maven Central) or {@code faiss} (Amazon OpenSearch Service)
 * @param dimension the embedding model's dimension
 * @param candidates how many nearest neighbours to fetch per hit asked for, before re-ranking by the
 *                  hybrid score (similarity alone picks the candidates)
 */
public record OpenSearchMemorySettings(String index, String engine, int dimension, int candidates) {

    public OpenSearchMemorySettings {
        if (index == null || !index.matches("[a-z0-9][a-z0-9._-]{0,200}")) {
            throw new IllegalArgumentException("index name must be lowercase letters, digits, '.', '_' or '-', got " + index);
        }
        if (!"lucene".equals(engine) && !"faiss".equals(engine)) {
            throw new IllegalArgumentException("engine must be lucene or faiss, got " + engine);
        }
        if (dimension < 1 || candidates < 1) {
            throw new IllegalArgumentException("dimension and candidates must be positive");
        }
    }
}
