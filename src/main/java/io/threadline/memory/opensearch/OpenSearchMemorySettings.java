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
 * @param efSearch  the HNSW search's candidate list per query ({@code method_parameters.ef_search}): larger finds the true
 *                  nearest neighbours more often (recall) for more work on the node; 0 = the engine's default (k)
 * @param m         HNSW links per vector, for an index created from now on (an existing index keeps its own)
 * @param efConstruction HNSW candidate list while indexing, for an index created from now on
 * @param bulkSize  writes per bulk request of a batch ({@code putAll})
 * @param sweepPage memories read and deleted per page when prune or forget walks a tenant
 */
public record OpenSearchMemorySettings(String index, String engine, int dimension, int candidates, int efSearch, int m,
                                       int efConstruction, int bulkSize, int sweepPage) {

    /** {@code threadline.memory.opensearch.bulk-size}'s default. */
    public static final int DEFAULT_BULK_SIZE = 500;
    /** {@code threadline.memory.opensearch.sweep-page}'s default. */
    public static final int DEFAULT_SWEEP_PAGE = 1000;

    /** With the default bulk size and sweep page. */
    public OpenSearchMemorySettings(String index, String engine, int dimension, int candidates, int efSearch, int m, int efConstruction) {
        this(index, engine, dimension, candidates, efSearch, m, efConstruction, DEFAULT_BULK_SIZE, DEFAULT_SWEEP_PAGE);
    }

    /** The engine's HNSW defaults (m 16, ef_construction 100), ef_search 0: the settings of an index made before they were knobs. */
    public OpenSearchMemorySettings(String index, String engine, int dimension, int candidates) {
        this(index, engine, dimension, candidates, 0, 16, 100);
    }

    public OpenSearchMemorySettings {
        if (bulkSize < 1 || sweepPage < 1) {
            throw new IllegalArgumentException("bulk-size and sweep-page must be positive");
        }
        if (efSearch < 0 || m < 2 || m > 100 || efConstruction < 2) {
            throw new IllegalArgumentException("ef-search must be 0 or more, m between 2 and 100, ef-construction 2 or more");
        }
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
