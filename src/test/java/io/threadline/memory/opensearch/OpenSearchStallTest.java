package io.threadline.memory.opensearch;

import io.threadline.InvocationDeadline;
import io.threadline.memory.Embeddings;
import io.threadline.memory.MemoryQuery;
import io.threadline.memory.MemorySettings;
import io.threadline.memory.MemoryWrite;
import io.threadline.memory.WordEmbeddingModel;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.opensearch.client.opensearch.OpenSearchClient;

import java.io.IOException;
import java.net.SocketTimeoutException;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;

import static io.threadline.DependencyAssertions.failsUnavailable;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * An OpenSearch node that stops answering: a real node (the test JVM's {@link OpenSearchNode#separate() second
 * node}, so the shared one keeps serving the other test classes) stopped with SIGSTOP and resumed with SIGCONT.
 * Every store call — a search, a write of several requests, a read, a delete, several at once — fails with
 * DEPENDENCY_UNAVAILABLE within {@code threadline.memory.opensearch.timeout} (or the invocation's deadline, when
 * sooner), and after the thaw the memories are there and the store works again.
 *
 * <p>The bounds are loose (the limit plus {@link #SLACK}): the feature under test is that the time is bounded at
 * all, not how fast the machine is.
 */
class OpenSearchStallTest {

    private static final Duration TIMEOUT = Duration.ofSeconds(2);
    private static final Duration SLACK = Duration.ofSeconds(5);

    private static OpenSearchNode node;
    private static OpenSearchClient client;
    private static OpenSearchClient patient;
    private static OpenSearchMemorySettings settings;
    private static OpenSearchMemoryStore store;

    @BeforeAll
    static void startOwnNode() {
        node = OpenSearchNode.separate();
        client = OpenSearchClients.create(node.endpoint(), TIMEOUT, Duration.ofSeconds(1), Clock.systemUTC());
        // A client whose own limit is far longer than any invocation deadline the tests set.
        patient = OpenSearchClients.create(node.endpoint(), Duration.ofSeconds(60), Duration.ofSeconds(1), Clock.systemUTC());
        settings = new OpenSearchMemorySettings("stall-" + UUID.randomUUID(), "lucene", WordEmbeddingModel.DIMENSION, 4);
        store = store(client);
        store(patient).ensureIndex(); // creating an index on a fresh node can take longer than the short limit here
    }

    private static OpenSearchMemoryStore store(OpenSearchClient on) {
        return new OpenSearchMemoryStore(on, new Embeddings(new WordEmbeddingModel()), MemorySettings.DEFAULT, settings);
    }

    @AfterEach
    void thaw() {
        node.thaw(); // whatever a test did; SIGCONT to a running process is harmless
    }

    @AfterAll
    static void close() throws IOException {
        client._transport().close();
        patient._transport().close();
    }

    @Test
    void aFrozenNodeIsDependencyUnavailableWithinTheTimeoutForEveryCallAndServesAgainAfterwards() throws Exception {
        String tenant = "t-" + UUID.randomUUID();
        // Written with the patient client: the first writes and k-NN queries of a fresh index are slow to warm up.
        OpenSearchMemoryStore onPatientClient = store(patient);
        onPatientClient.put(MemoryWrite.of(tenant, "notes", "the sky is blue over the sea"), Instant.now());
        assertThat(onPatientClient.search(MemoryQuery.text(tenant, "sky", 3), Instant.now())).hasSize(1);
        assertThat(store.search(MemoryQuery.text(tenant, "sky", 3), Instant.now())).hasSize(1);

        node.freeze();
        Duration search = failsUnavailable(() -> store.search(MemoryQuery.text(tenant, "sky", 3), Instant.now()));
        Duration put = failsUnavailable(() -> store.put(MemoryWrite.of(tenant, "notes", "grass is green in spring"), Instant.now()));
        Duration get = failsUnavailable(() -> store.get(tenant, "nope"));
        Duration delete = failsUnavailable(() -> store.delete(tenant, "nope"));
        // Several at once: none waits behind another for a connection or for another's timeout.
        List<CompletableFuture<Duration>> concurrent = new ArrayList<>();
        for (int i = 0; i < 12; i++) {
            concurrent.add(CompletableFuture.supplyAsync(() -> failsUnavailable(
                    () -> store.search(MemoryQuery.text(tenant, "sea", 3), Instant.now()))));
        }
        Duration slowest = Duration.ZERO;
        for (CompletableFuture<Duration> c : concurrent) {
            slowest = c.get().compareTo(slowest) > 0 ? c.get() : slowest;
        }
        System.out.printf("OpenSearch frozen, timeout %s: search answered DEPENDENCY_UNAVAILABLE after %d ms, put %d ms, get %d ms, "
                + "delete %d ms; the slowest of 12 concurrent searches %d ms%n", TIMEOUT, search.toMillis(), put.toMillis(),
                get.toMillis(), delete.toMillis(), slowest.toMillis());
        for (Duration d : List.of(search, put, get, delete, slowest)) {
            assertThat(d).isLessThan(TIMEOUT.plus(SLACK));
        }

        node.thaw();
        assertThat(store.search(MemoryQuery.text(tenant, "sky", 3), Instant.now())).hasSize(1);
        assertThat(onPatientClient.put(MemoryWrite.of(tenant, "notes", "the grass is green in spring"), Instant.now()).merged())
                .isFalse();
        assertThat(store.search(MemoryQuery.text(tenant, "grass", 3), Instant.now())).isNotEmpty();
    }

    @Test
    void aStoreCallIsCutAtTheInvocationsDeadlineWhenThatComesFirst() {
        OpenSearchMemoryStore onPatientClient = store(patient);
        String tenant = "t-" + UUID.randomUUID();
        Duration deadline = Duration.ofMillis(1500);

        node.freeze();
        Duration took = failsUnavailable(() -> InvocationDeadline.within(Instant.now().plus(deadline),
                () -> onPatientClient.search(MemoryQuery.text(tenant, "sky", 3), Instant.now())));
        System.out.printf("OpenSearch frozen, timeout 60 s, invocation deadline in %s: DEPENDENCY_UNAVAILABLE after %d ms%n",
                deadline, took.toMillis());
        assertThat(took).isLessThan(deadline.plus(SLACK));

        node.thaw();
        assertThat(onPatientClient.search(MemoryQuery.text(tenant, "sky", 3), Instant.now())).isEmpty();
    }

    @Test
    void theRequestsOfOneStoreCallShareItsTimeout() throws IOException {
        // A write is several requests (read, k-NN query, create, reconcile): they share one limit, not one each.
        Duration limit = Duration.ofSeconds(4);
        Duration spent = Duration.ofMillis(3500);
        OpenSearchClient limited = OpenSearchClients.create(node.endpoint(), limit, Duration.ofSeconds(1), Clock.systemUTC());
        TimeLimitedTransport transport = (TimeLimitedTransport) limited._transport();
        try {
            node.freeze();
            long start = System.nanoTime();
            assertThatThrownBy(() -> transport.withinOneCall(() -> {
                pause(spent); // the first requests of the call took most of its time
                return limited.indices().exists(e -> e.index(settings.index()));
            })).isInstanceOf(SocketTimeoutException.class);
            Duration took = Duration.ofNanos(System.nanoTime() - start);
            // Shared: about 4 s in all. One limit per request would have been 3.5 + 4 s.
            assertThat(took).isLessThan(spent.plus(limit).minusMillis(1500));
        } finally {
            limited._transport().close();
        }
    }

    private static void pause(Duration d) {
        try {
            Thread.sleep(d.toMillis());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }
}
