package io.threadline.memory.opensearch;

import org.opensearch.client.opensearch.OpenSearchClient;
import org.opensearch.client.opensearch._types.FieldValue;
import org.opensearch.client.opensearch._types.SortOrder;
import org.opensearch.client.opensearch._types.aggregations.CompositeAggregate;
import org.opensearch.client.opensearch._types.aggregations.CompositeAggregationSource;
import org.opensearch.client.opensearch._types.aggregations.CompositeBucket;
import org.opensearch.client.opensearch._types.query_dsl.Query;
import org.opensearch.client.opensearch._types.SortOptions;
import org.opensearch.client.opensearch.core.BulkResponse;
import org.opensearch.client.opensearch.core.SearchResponse;
import org.opensearch.client.opensearch.core.bulk.BulkOperation;
import org.opensearch.client.opensearch.core.bulk.BulkResponseItem;
import org.opensearch.client.opensearch.core.search.Hit;

import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * Deletions over a whole tenant, however many memories it holds: the matching memories are read a page at a time
 * ({@code search_after} on a total sort, ids only — no source, no vectors) and each page is deleted with one bulk
 * request. Where {@code prune} used to read at most 10,000 memories of a tenant and so never reached the rest,
 * this walks them all while holding one page in memory.
 */
final class TenantSweeps {

    /** Memories read and deleted per request. */
    static final int PAGE = 1_000;
    /** Namespaces per page of the composite aggregation that finds those over their cap. */
    private static final int NAMESPACE_PAGE = 500;

    /**
     * Runs one page's requests as one store call: each page gets the store's time limit of its own, so a sweep over a
     * large tenant is bounded per page, not cut short in the middle by a limit meant for one search.
     */
    @FunctionalInterface
    interface Pages {
        <T> T run(TimeLimitedTransport.Requests<T> page);
    }

    private final OpenSearchClient client;
    private final String index;
    private final Pages pages;
    private final int pageSize;

    TenantSweeps(OpenSearchClient client, String index, Pages pages) {
        this(client, index, pages, PAGE);
    }

    /** With pages of {@code pageSize} memories (tests walk many pages of a few memories). */
    TenantSweeps(OpenSearchClient client, String index, Pages pages, int pageSize) {
        this.client = client;
        this.index = index;
        this.pages = pages;
        this.pageSize = pageSize;
    }

    /** Deletes every memory of {@code tenant} matching {@code query} (which must include the tenant); returns their ids. */
    List<String> deleteAll(String tenant, Query query) {
        return sweep(tenant, query, List.of(sort("id", SortOrder.Asc)), 0);
    }

    /**
     * Per namespace of the tenant's live memories ({@code live} includes the tenant), deletes those beyond {@code max},
     * least important first, then least recently accessed, then by id — the order of
     * {@link io.threadline.memory.MemoryMerge#overCap}; returns their ids.
     */
    List<String> deleteOverCap(String tenant, Query live, int max) {
        List<String> over = new ArrayList<>();
        for (String namespace : namespacesOver(live, max)) {
            Query inNamespace = Query.of(q -> q.bool(b -> b.filter(live).filter(f -> f.term(t -> t.field("namespace")
                    .value(FieldValue.of(namespace))))));
            over.addAll(sweep(tenant, inNamespace, List.of(sort("importance", SortOrder.Desc), sort("accessedAt", SortOrder.Desc),
                    sort("id", SortOrder.Asc)), max));
        }
        return over;
    }

    /** The namespaces with more than {@code max} memories matching {@code live}, paged through a composite aggregation. */
    private List<String> namespacesOver(Query live, int max) {
        List<String> out = new ArrayList<>();
        Map<String, FieldValue> after = null;
        while (true) {
            Map<String, FieldValue> from = after;
            SearchResponse<Void> r = pages.run(() -> client.search(s -> s.index(index).size(0).query(live)
                    .aggregations("ns", a -> a.composite(c -> {
                        c.size(NAMESPACE_PAGE).sources(List.of(Map.of("ns", CompositeAggregationSource.of(cs -> cs.terms(t -> t
                                .field("namespace"))))));
                        if (from != null) {
                            c.after(from);
                        }
                        return c;
                    })), Void.class));
            CompositeAggregate page = r.aggregations().get("ns").composite();
            List<CompositeBucket> buckets = page.buckets().array();
            for (CompositeBucket bucket : buckets) {
                if (bucket.docCount() > max) {
                    out.add(bucket.key().get("ns").stringValue());
                }
            }
            if (buckets.size() < NAMESPACE_PAGE || page.afterKey() == null || page.afterKey().isEmpty()) {
                return out;
            }
            after = page.afterKey();
        }
    }

    /**
     * Walks the memories matching {@code query} in {@code order} (total: it ends with the id), keeps the first
     * {@code keep} and deletes the rest, a page at a time. Deleted pages are not refreshed away before the next read:
     * {@code search_after} resumes after the last sort values read, so nothing is read twice and nothing skipped.
     */
    private List<String> sweep(String tenant, Query query, List<SortOptions> order, int keep) {
        List<String> deleted = new ArrayList<>();
        List<FieldValue> after = null;
        long seen = 0;
        try {
            while (true) {
                List<FieldValue> from = after;
                SearchResponse<Void> page = pages.run(() -> client.search(s -> {
                    s.index(index).size(pageSize).source(src -> src.fetch(false)).query(query).sort(order).trackTotalHits(t -> t.enabled(false));
                    if (from != null) {
                        s.searchAfter(from);
                    }
                    return s;
                }, Void.class));
                List<Hit<Void>> hits = page.hits().hits();
                List<String> doomed = new ArrayList<>();
                for (Hit<Void> hit : hits) {
                    if (seen++ >= keep) {
                        doomed.add(hit.id());
                    }
                }
                pages.run(() -> delete(doomed));
                for (String docId : doomed) {
                    deleted.add(docId.substring(tenant.length() + 1));
                }
                if (hits.size() < pageSize) {
                    return deleted;
                }
                after = hits.get(hits.size() - 1).sort();
            }
        } finally {
            if (!deleted.isEmpty()) {
                pages.run(() -> client.indices().refresh(r -> r.index(index)));
            }
        }
    }

    private Void delete(List<String> docIds) throws IOException {
        if (docIds.isEmpty()) {
            return null;
        }
        List<BulkOperation> ops = new ArrayList<>(docIds.size());
        for (String id : docIds) {
            ops.add(BulkOperation.of(o -> o.delete(d -> d.index(index).id(id))));
        }
        BulkResponse response = client.bulk(b -> b.operations(ops));
        if (response.errors()) {
            for (BulkResponseItem item : response.items()) {
                // 404: deleted meanwhile, which is what was wanted.
                if (item.error() != null && item.status() != 404) {
                    throw new IOException("OpenSearch did not delete memory " + item.id() + ": " + item.error().reason());
                }
            }
        }
        return null;
    }

    private static SortOptions sort(String field, SortOrder order) {
        return SortOptions.of(o -> o.field(f -> f.field(field).order(order)));
    }
}
