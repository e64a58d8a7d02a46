package io.threadline.memory.opensearch;

import dev.langchain4j.data.embedding.Embedding;
import dev.langchain4j.data.segment.TextSegment;
import dev.langchain4j.model.embedding.EmbeddingModel;
import dev.langchain4j.model.output.Response;
import io.threadline.ErrorCode;
import io.threadline.ThreadlineException;
import io.threadline.memory.Embeddings;
import io.threadline.memory.MemorySettings;
import io.threadline.memory.MemoryWrite;
import io.threadline.memory.PutResult;
import io.threadline.memory.WordEmbeddingModel;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.opensearch.client.opensearch.OpenSearchClient;
import org.opensearch.client.transport.Endpoint;
import org.opensearch.client.transport.TransportOptions;

import java.io.IOException;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.atomic.AtomicInteger;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * putAll's pipeline on a real node: with bulk requests of two writes, each run's check is sent while the previous run
 * is written, so it cannot see that run's memories; the outcome must still be the one of one put after another.
 */
class BulkPipelineTest {

    private static final Instant T0 = Instant.parse("2026-12-07T10:00:00Z");

    private static OpenSearchClient client;

    @BeforeAll
    static void node() {
        client = OpenSearchClients.create(OpenSearchNode.get().endpoint(), Duration.ofSeconds(30));
    }

    /** A store on a fresh index, with bulk requests of two writes (so a batch of eight is four runs). */
    private static OpenSearchMemoryStore store(OpenSearchClient on) {
        return store(on, new WordEmbeddingModel());
    }

    private static OpenSearchMemoryStore store(OpenSearchClient on, EmbeddingModel model) {
        OpenSearchMemorySettings settings = new OpenSearchMemorySettings("pipeline-" + UUID.randomUUID(), "lucene",
                WordEmbeddingModel.DIMENSION, 4, 0, 16, 100, 2, OpenSearchMemorySettings.DEFAULT_SWEEP_PAGE);
        OpenSearchMemoryStore store = new OpenSearchMemoryStore(on, new Embeddings(model), MemorySettings.DEFAULT, settings);
        store.ensureIndex();
        return store;
    }

    /** Each pair is one run; every second run holds a near-duplicate of, or the id of, a write of the run before it. */
    private static List<MemoryWrite> batch(String tenant) {
        return List.of(
                MemoryWrite.of(tenant, "notes", "cats purr softly at night"),
                new MemoryWrite("same", tenant, "ns", "first version", "fact", 0.5, null, null, null, Map.of()),
                new MemoryWrite(null, tenant, "notes", "Cats purr softly at night!", "fact", 0.7, null, null, null, Map.of("m", "2")),
                new MemoryWrite("same", tenant, "ns", "second version", "fact", 0.5, null, null, null, Map.of()),
                MemoryWrite.of(tenant, "prefs", "the user likes green tea"),
                MemoryWrite.of(tenant, "notes", "dogs bark loudly at the mailman"),
                MemoryWrite.of(tenant, "prefs", "the user LIKES green tea!"),
                MemoryWrite.of(tenant, "other", "the ferry left at nine"));
    }

    private static void assertOnePutAfterAnother(OpenSearchMemoryStore store, String tenant, List<PutResult> results) {
        assertThat(results).extracting(PutResult::merged).containsExactly(false, false, true, false, false, false, true, false);
        assertThat(results.get(2).memory().id()).isEqualTo(results.get(0).memory().id());
        assertThat(results.get(2).memory().importance()).isEqualTo(0.7);
        assertThat(results.get(2).memory().metadata()).containsEntry("m", "2");
        assertThat(results.get(6).memory().id()).isEqualTo(results.get(4).memory().id());
        assertThat(store.get(tenant, "same").orElseThrow().content()).isEqualTo("second version");
        assertThat(store.get(tenant, results.get(0).memory().id()).orElseThrow().importance()).isEqualTo(0.7);
        assertThat(store.get(tenant, results.get(2).memory().id())).isPresent();
    }

    @Test
    void aCheckSentWhileThePreviousRunIsWrittenStillMergesIntoThatRunsMemories() {
        OpenSearchMemoryStore store = store(client);
        String tenant = "pipe-" + UUID.randomUUID().toString().substring(0, 8);
        assertOnePutAfterAnother(store, tenant, store.putAll(batch(tenant), T0));
        // The same batch again: every write lands on what the first one stored (idempotent ids, merges), nothing new.
        List<PutResult> again = store.putAll(batch(tenant), T0);
        assertThat(again.get(0).memory().id()).isEqualTo(again.get(2).memory().id());
        assertThat(again.get(4).memory().id()).isEqualTo(again.get(6).memory().id());
    }

    /** A transport whose requests fail on the early checks' thread: the pipeline checks those runs again on the caller's. */
    static final class FailingEarlyChecks extends ForwardingTransport {
        final AtomicInteger refused = new AtomicInteger();

        FailingEarlyChecks(OpenSearchClient real) {
            super(real._transport());
        }

        @Override
        public <RequestT, ResponseT, ErrorT> ResponseT performRequest(RequestT request, Endpoint<RequestT, ResponseT, ErrorT> endpoint,
                                                                    TransportOptions options) throws IOException {
            if (Thread.currentThread().getName().equals("threadline-memory-check")) {
                refused.incrementAndGet();
                throw new IOException("refused on the early check's thread");
            }
            return super.performRequest(request, endpoint, options);
        }
    }

    @Test
    void anEarlyCheckThatFailsIsMadeAgainAfterThePreviousWrite() {
        FailingEarlyChecks failing = new FailingEarlyChecks(client);
        OpenSearchMemoryStore store = store(new OpenSearchClient(failing));
        String tenant = "fail-" + UUID.randomUUID().toString().substring(0, 8);
        assertOnePutAfterAnother(store, tenant, store.putAll(batch(tenant), T0));
        assertThat(failing.refused).as("early checks refused").hasValue(3);
    }

    /** Embeds its first call's texts, and fails every later call (a hosted model that went away mid-batch). */
    static final class FailsAfterFirstCall implements EmbeddingModel {
        private final AtomicInteger calls = new AtomicInteger();

        @Override
        public Response<List<Embedding>> embedAll(List<TextSegment> segments) {
            if (calls.incrementAndGet() > 1) {
                throw new IllegalStateException("the model went away");
            }
            return new WordEmbeddingModel().embedAll(segments);
        }

        @Override
        public int dimension() {
            return WordEmbeddingModel.DIMENSION;
        }
    }

    @Test
    void whenALaterChunkCannotBeEmbeddedTheRunsBeforeItAreStillWritten() {
        OpenSearchMemoryStore store = store(client, new FailsAfterFirstCall());
        String tenant = "embed-" + UUID.randomUUID().toString().substring(0, 8);
        assertThatThrownBy(() -> store.putAll(batch(tenant), T0)).isInstanceOfSatisfying(ThreadlineException.class,
                e -> assertThat(e.code()).isEqualTo(ErrorCode.DEPENDENCY_UNAVAILABLE));
        assertThat(store.get(tenant, "same").orElseThrow().content()).as("the first chunk's run").isEqualTo("first version");
    }
}
