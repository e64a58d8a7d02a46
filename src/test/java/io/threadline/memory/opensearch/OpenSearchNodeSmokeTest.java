package io.threadline.memory.opensearch;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The OpenSearch test node does what the memory store will ask of it: a lucene-engine k-NN field, and
 * efficient filtering (a term filter inside the knn clause) that keeps one tenant's documents only, still
 * ranked by similarity. Plain HTTP, so it checks the node and not a client library.
 */
class OpenSearchNodeSmokeTest {

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final HttpClient HTTP = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();

    private static URI endpoint;
    private static String index;

    @BeforeAll
    static void createIndex() throws Exception {
        endpoint = OpenSearchNode.get().endpoint();
        index = "smoke-" + UUID.randomUUID().toString().substring(0, 8);
        // faiss, the default engine, would need native libraries these zips lack (and kills the node).
        send("PUT", "/" + index, """
                {"settings": {"index": {"knn": true, "number_of_shards": 1, "number_of_replicas": 0}},
                 "mappings": {"properties": {
                   "tenant": {"type": "keyword"},
                   "embedding": {"type": "knn_vector", "dimension": 3,
                                 "method": {"name": "hnsw", "engine": "lucene", "space_type": "cosinesimil"}}}}}
                """);
        // Against the query [1, 0, 0]: b-exact is the nearest of all, then a-near, then a-far.
        send("PUT", "/" + index + "/_doc/b-exact", "{\"tenant\": \"b\", \"embedding\": [1.0, 0.0, 0.0]}");
        send("PUT", "/" + index + "/_doc/a-near", "{\"tenant\": \"a\", \"embedding\": [0.8, 0.6, 0.0]}");
        send("PUT", "/" + index + "/_doc/a-far", "{\"tenant\": \"a\", \"embedding\": [0.0, 0.6, 0.8]}");
        send("POST", "/" + index + "/_refresh", null);
    }

    @AfterAll
    static void deleteIndex() throws Exception {
        if (index != null) {
            send("DELETE", "/" + index, null);
        }
    }

    @Test
    void theFilterInsideTheKnnClauseKeepsOneTenantRankedBySimilarity() throws Exception {
        JsonNode hits = search("""
                {"size": 10, "query": {"knn": {"embedding": {"vector": [1.0, 0.0, 0.0], "k": 10,
                  "filter": {"term": {"tenant": "a"}}}}}}
                """);

        assertThat(ids(hits)).containsExactly("a-near", "a-far");
        assertThat(hits.get(0).get("_score").asDouble()).isGreaterThan(hits.get(1).get("_score").asDouble());
    }

    @Test
    void withoutTheFilterTheOtherTenantsNearestDocumentComesFirst() throws Exception {
        // The control: what the filter removed above was there to be found.
        JsonNode hits = search("""
                {"size": 10, "query": {"knn": {"embedding": {"vector": [1.0, 0.0, 0.0], "k": 10}}}}
                """);

        assertThat(ids(hits)).containsExactly("b-exact", "a-near", "a-far");
    }

    private static JsonNode search(String body) throws Exception {
        return JSON.readTree(send("POST", "/" + index + "/_search", body)).path("hits").path("hits");
    }

    private static List<String> ids(JsonNode hits) {
        List<String> ids = new ArrayList<>();
        hits.forEach(hit -> ids.add(hit.get("_id").asText()));
        return ids;
    }

    private static String send(String method, String path, String json) throws IOException, InterruptedException {
        HttpRequest.Builder request = HttpRequest.newBuilder(endpoint.resolve(path)).timeout(Duration.ofSeconds(30));
        if (json == null) {
            request.method(method, HttpRequest.BodyPublishers.noBody());
        } else {
            request.method(method, HttpRequest.BodyPublishers.ofString(json)).header("Content-Type", "application/json");
        }
        HttpResponse<String> response = HTTP.send(request.build(), HttpResponse.BodyHandlers.ofString());
        assertThat(response.statusCode()).as("%s %s answered %s", method, path, response.body()).isBetween(200, 299);
        return response.body();
    }
}
