package io.threadline.api;

import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.QuarkusTestProfile;
import io.quarkus.test.junit.TestProfile;
import jakarta.inject.Inject;
import org.eclipse.microprofile.config.ConfigProvider;
import org.junit.jupiter.api.Test;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.stream.IntStream;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The local HTTP server answers requests side by side: while one call is stuck in a dependency (a
 * memory search on a frozen OpenSearch, here a store that waits for the test), other calls are answered.
 * The server ran operations as Vert.x "ordered" blocking handlers, one at a time per event loop, so
 * every request that landed on the stuck call's loop waited for it. Two event loops and eight requests
 * on their own connections make sure some land there; the stuck call is released only after all of
 * them have been answered, so the order is what is asserted, not how long anything took.
 */
@QuarkusTest
@TestProfile(LocalHttpConcurrencyTest.GatedMemory.class)
class LocalHttpConcurrencyTest {

    /** The gated memory store, and few event loops so that requests share the stuck one's. */
    public static class GatedMemory implements QuarkusTestProfile {
        @Override
        public Set<Class<?>> getEnabledAlternatives() {
            return Set.of(GatedMemoryStores.class);
        }

        @Override
        public Map<String, String> getConfigOverrides() {
            return Map.of("quarkus.vertx.event-loops-pool-size", "2");
        }
    }

    @Inject
    GatedMemoryStores memory;

    private static HttpRequest post(String path, String json) {
        int port = ConfigProvider.getConfig().getOptionalValue("quarkus.http.test-port", Integer.class)
                .orElse(8081);
        return HttpRequest.newBuilder(URI.create("http://localhost:" + port + path))
                .header("content-type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString(json)).build();
    }

    @Test
    void aStuckCallDoesNotHoldUpOtherCalls() throws Exception {
        HttpClient client = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();
        CompletableFuture<HttpResponse<String>> stuck = client.sendAsync(post("/memory-search", "{\"query\":\"anything\"}"),
                HttpResponse.BodyHandlers.ofString());
        try {
            assertThat(memory.awaitSearch(30, TimeUnit.SECONDS)).as("the search reached the store").isTrue();
            List<CompletableFuture<HttpResponse<String>>> others = IntStream.range(0, 8)
                    .mapToObj(i -> client.sendAsync(post("/state", "{\"threadId\":\"beside-" + i + "\"}"),
                            HttpResponse.BodyHandlers.ofString()))
                    .toList();
            // Before the fix, those behind the stuck call never finish while it is held: this times out.
            CompletableFuture.allOf(others.toArray(CompletableFuture[]::new)).get(30, TimeUnit.SECONDS);
            for (CompletableFuture<HttpResponse<String>> other : others) {
                HttpResponse<String> answer = other.join();
                assertThat(answer.statusCode()).as(answer.body()).isEqualTo(404);
                assertThat(answer.body()).contains("THREAD_NOT_FOUND");
            }
            assertThat(stuck).as("the search is still held while the others were answered").isNotDone();
        } finally {
            memory.release();
        }
        HttpResponse<String> search = stuck.get(30, TimeUnit.SECONDS);
        assertThat(search.statusCode()).as(search.body()).isEqualTo(200);
        assertThat(search.body()).contains("\"memories\":[]");
    }
}
