package io.threadline.memory.opensearch;

import io.threadline.ErrorCode;
import io.threadline.ThreadlineException;
import jakarta.json.JsonString;
import jakarta.json.JsonValue;
import org.opensearch.client.json.JsonData;
import org.opensearch.client.opensearch.OpenSearchClient;
import org.opensearch.client.opensearch._types.OpenSearchException;
import org.opensearch.client.opensearch._types.mapping.DynamicMapping;
import org.opensearch.client.opensearch._types.mapping.Property;
import org.opensearch.client.opensearch._types.mapping.TypeMapping;
import org.opensearch.client.opensearch.indices.get_mapping.IndexMappingRecord;

import java.io.IOException;
import java.util.Map;

/**
 * The memory index's mapping: keyword filters, dates, a cosine {@code knn_vector}, and metadata that never
 * grows the mapping. The mapping is {@code dynamic: strict} — a document with a field it does not name is
 * refused — and metadata is two fields fixed in advance: {@code metadata}, an object stored in the source but
 * not indexed ({@code enabled: false}: its keys are not fields), and {@code metadataTerms}, a keyword array of
 * {@code key=value} terms that the metadata filters match exactly. So any number of distinct keys, from any
 * number of tenants, costs the index no field (before, each key was a field of the shared mapping, and
 * after ~1,000 of them every write of every tenant failed with "Limit of total fields [1000] has been
 * exceeded").
 *
 * <p>The mapping carries its version in {@code _meta}; an index created by an earlier Threadline (without it)
 * is refused with a clear error rather than written with documents its mapping would misindex.
 */
final class MemoryIndex {

    static final String EMBEDDING = "embedding";
    static final String METADATA_TERMS = "metadataTerms";
    /** Epoch milliseconds of expiry, {@link MemoryDocument#NEVER} for none: present in every document (version 3). */
    static final String EXPIRY = "expiry";
    /** {@code _meta} key of the mapping's version, and this code's version. */
    static final String MAPPING_KEY = "threadline-memory-mapping";
    static final String MAPPING_VERSION = "4";
    /** Epoch milliseconds of supersession, {@link MemoryDocument#NEVER} while current (version 4). */
    static final String SUPERSEDED_AT = "supersededAt";
    /** Epoch milliseconds from which the fact holds, {@link MemoryDocument#ALWAYS} for always (version 4). */
    static final String VALID_FROM = "validFrom";
    /** Epoch milliseconds until which the fact holds (exclusive), {@link MemoryDocument#NEVER} for open (version 4). */
    static final String VALID_TO = "validTo";

    private MemoryIndex() {
    }

    /** Checks the index's mapping, creating the index if there is none: one request when it exists. */
    static void createIfMissing(OpenSearchClient client, OpenSearchMemorySettings settings) throws IOException {
        try {
            checkMapping(client, settings);
            return;
        } catch (OpenSearchException e) {
            if (!"index_not_found_exception".equals(e.error().type())) {
                throw e;
            }
        }
        try {
            client.indices().create(c -> c.index(settings.index())
                    .settings(s -> s.knn(true).numberOfShards(1))
                    .mappings(mapping(settings)));
        } catch (OpenSearchException e) {
            // Another instance created it first: fine, if it is ours.
            if (!"resource_already_exists_exception".equals(e.error().type())) {
                throw e;
            }
            checkMapping(client, settings);
        }
    }

    static TypeMapping mapping(OpenSearchMemorySettings settings) {
        Property keyword = Property.of(p -> p.keyword(k -> k));
        Property date = Property.of(p -> p.date(d -> d));
        return TypeMapping.of(m -> m
                .dynamic(DynamicMapping.Strict)
                .meta(MAPPING_KEY, JsonData.of(MAPPING_VERSION))
                .properties("tenant", keyword)
                .properties("namespace", keyword)
                .properties("id", keyword)
                .properties("kind", keyword)
                .properties("sourceThread", keyword)
                .properties("sourceCheckpoint", keyword)
                .properties("sourceStep", Property.of(p -> p.long_(l -> l)))
                .properties("sourceNode", keyword)
                .properties("derivedFrom", keyword)
                .properties("contentHash", keyword)
                .properties("content", Property.of(p -> p.text(t -> t)))
                .properties("importance", Property.of(p -> p.double_(d -> d)))
                .properties("createdAt", date)
                .properties("accessedAt", date)
                .properties("expiresAt", date)
                .properties(EXPIRY, Property.of(p -> p.long_(l -> l)))
                .properties("metadata", Property.of(p -> p.object(o -> o.enabled(false))))
                .properties(METADATA_TERMS, keyword)
                .properties(SUPERSEDED_AT, Property.of(p -> p.long_(l -> l)))
                .properties("supersededBy", keyword)
                .properties("supersedes", keyword)
                .properties(VALID_FROM, Property.of(p -> p.long_(l -> l)))
                .properties(VALID_TO, Property.of(p -> p.long_(l -> l)))
                .properties(EMBEDDING, Property.of(p -> p.knnVector(v -> v.dimension(settings.dimension())
                        .method(mm -> mm.name("hnsw").engine(settings.engine()).spaceType("cosinesimil")
                                .parameters("m", JsonData.of(settings.m()))
                                .parameters("ef_construction", JsonData.of(settings.efConstruction())))))));
    }

    /**
     * Refuses an index whose mapping is not this version's (an index created by an earlier Threadline), or whose
     * vectors have another dimension than the embedding model's (an index created for another model): every write
     * would fail on it, and its searches compare vectors of different models.
     */
    private static void checkMapping(OpenSearchClient client, OpenSearchMemorySettings settings) throws IOException {
        String index = settings.index();
        for (Map.Entry<String, IndexMappingRecord> e : client.indices().getMapping(g -> g.index(index)).result().entrySet()) {
            TypeMapping mapping = e.getValue().mappings();
            String version = mapping == null ? null : version(mapping.meta().get(MAPPING_KEY));
            if (!MAPPING_VERSION.equals(version)) {
                throw new ThreadlineException(ErrorCode.INTERNAL, "the memory index " + e.getKey() + " has mapping version "
                        + (version == null ? "1 (no " + MAPPING_KEY + " in its _meta: created by an earlier Threadline, whose metadata "
                        + "keys grow its mapping)" : version) + ", and this Threadline needs version " + MAPPING_VERSION
                        + ". Set threadline.memory.opensearch.index to a new index name (it is created on first use) and reindex "
                        + "the old memories into it as README.md (Long-term memory, \"Upgrading an index\") shows.",
                        Map.of("index", e.getKey(), "mappingVersion", version == null ? "1" : version));
            }
            Property embedding = mapping.properties().get(EMBEDDING);
            Integer dimension = embedding != null && embedding.isKnnVector() ? embedding.knnVector().dimension() : null;
            if (dimension == null || dimension != settings.dimension()) {
                throw new ThreadlineException(ErrorCode.MISCONFIGURED, "the memory index " + e.getKey() + " holds " + dimension
                        + "-dimension vectors, and the embedding model gives " + settings.dimension() + ": it was created for "
                        + "another embedding model. Set threadline.memory.opensearch.index to a new index name (it is created on "
                        + "first use), or go back to the model the index was made with (threadline.models.embedding.provider, "
                        + "threadline.bedrock.embedding-model-id and .embedding-dimension); README, Long-term memory.",
                        Map.of("index", e.getKey(), "indexDimension", String.valueOf(dimension), "modelDimension", settings.dimension()));
            }
        }
    }

    private static String version(JsonData data) {
        if (data == null) {
            return null;
        }
        JsonValue v = data.toJson();
        return v instanceof JsonString s ? s.getString() : v.toString();
    }
}
