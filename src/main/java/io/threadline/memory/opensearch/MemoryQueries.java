package io.threadline.memory.opensearch;

import io.threadline.memory.MemoryRecord;
import org.opensearch.client.json.JsonData;
import org.opensearch.client.opensearch.OpenSearchClient;
import org.opensearch.client.opensearch._types.FieldValue;
import org.opensearch.client.opensearch._types.query_dsl.Query;
import org.opensearch.client.opensearch.core.SearchResponse;
import org.opensearch.client.opensearch.core.search.Hit;

import java.io.IOException;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/** The filters every memory query carries: always the tenant, never an expired memory; metadata as exact terms. */
final class MemoryQueries {

    /** Enough for one tenant's memories to be pruned in one read; larger tenants prune in several runs. */
    private static final int PRUNE_PAGE = 10_000;

    private MemoryQueries() {
    }

    /**
     * @param namespacePrefix whole-segment prefix, or null
     * @param namespace       exact namespace, or null
     */
    static Query filter(String tenant, String namespacePrefix, String namespace, Map<String, String> metadata, Instant now) {
        return Query.of(q -> q.bool(b -> {
            b.filter(f -> f.term(t -> t.field("tenant").value(FieldValue.of(tenant))));
            if (namespace != null) {
                b.filter(f -> f.term(t -> t.field("namespace").value(FieldValue.of(namespace))));
            }
            if (namespacePrefix != null) {
                b.filter(f -> f.bool(nb -> nb.minimumShouldMatch("1")
                        .should(s -> s.term(t -> t.field("namespace").value(FieldValue.of(namespacePrefix))))
                        .should(s -> s.prefix(p -> p.field("namespace").value(namespacePrefix + "/")))));
            }
            metadata.forEach((k, v) -> b.filter(f -> f.term(t -> t.field(MemoryIndex.METADATA_TERMS)
                    .value(FieldValue.of(MemoryDocument.term(k, v))))));
            b.filter(f -> f.bool(eb -> eb.minimumShouldMatch("1")
                    .should(s -> s.bool(nb -> nb.mustNot(m -> m.exists(e -> e.field("expiresAt")))))
                    .should(s -> s.range(r -> r.field("expiresAt").gt(JsonData.of(now.toString()))))));
            return b;
        }));
    }

    static List<MemoryRecord> allOf(OpenSearchClient client, String index, String tenant) throws IOException {
        SearchResponse<MemoryDocument> response = client.search(s -> s.index(index).size(PRUNE_PAGE)
                .query(q -> q.term(t -> t.field("tenant").value(FieldValue.of(tenant)))), MemoryDocument.class);
        List<MemoryRecord> out = new ArrayList<>();
        for (Hit<MemoryDocument> hit : response.hits().hits()) {
            out.add(hit.source().toRecord());
        }
        return out;
    }
}
