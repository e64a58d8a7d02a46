package io.threadline.checkpoint.dynamodb;

import io.threadline.checkpoint.CheckpointStore;
import io.threadline.checkpoint.HistoryQuery;
import io.threadline.checkpoint.InMemoryCheckpointStore;
import io.threadline.checkpoint.ThreadKey;
import io.threadline.examples.reference.LocalDemo;
import io.threadline.graph.CompiledGraph;
import io.threadline.graph.StateGraph;
import io.threadline.memory.Embeddings;
import io.threadline.memory.InMemoryMemoryStore;
import io.threadline.memory.MemoryQuery;
import io.threadline.memory.MemorySettings;
import io.threadline.memory.MemoryStore;
import io.threadline.memory.WordEmbeddingModel;
import io.threadline.memory.opensearch.OpenSearchClients;
import io.threadline.memory.opensearch.OpenSearchMemorySettings;
import io.threadline.memory.opensearch.OpenSearchMemoryStore;
import io.threadline.memory.opensearch.OpenSearchNode;
import io.threadline.runtime.ThreadRuntime;
import io.threadline.state.Channel;
import io.threadline.state.ListChannel;
import io.threadline.state.Update;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Proxy;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Supplier;
import java.util.stream.Stream;

import static io.threadline.graph.StateGraph.END;
import static io.threadline.graph.StateGraph.START;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * The outbox-after-delete window: a step commits, and before its memory writes are applied the thread is deleted —
 * the delete closes the thread, removes it and forgets its memories — and only then do the writes land. They must
 * not bring the deleted thread's memories back. The delete is run from inside the memory store's first put, so the
 * interleaving is exact; on both checkpoint stores (in memory, DynamoDB Local) and both memory stores (in memory, the
 * real OpenSearch node).
 */
class OutboxAfterDeleteTest {

    public record Notes(List<String> notes) {
        public static final ListChannel<Notes, String> NOTES = Channel.appending("notes");
    }

    @RegisterExtension
    static final LocalTable TABLE = LocalTable.named("outbox-after-delete");
    private static OpenSearchMemoryStore openSearch;

    @BeforeAll
    static void start() {
        openSearch = new OpenSearchMemoryStore(OpenSearchClients.create(OpenSearchNode.get().endpoint(), Duration.ofSeconds(30)),
                new Embeddings(new WordEmbeddingModel()), MemorySettings.DEFAULT,
                new OpenSearchMemorySettings("memories-" + UUID.randomUUID(), "lucene", WordEmbeddingModel.DIMENSION, 4));
        openSearch.ensureIndex();
    }

    static Stream<Arguments> stores() {
        Supplier<CheckpointStore> inMemory = InMemoryCheckpointStore::new;
        Supplier<CheckpointStore> dynamo = () -> new DynamoDbCheckpointStore(TABLE.client(), DynamoDbStoreSettings.defaults(TABLE.name()), Clock.systemUTC());
        Supplier<MemoryStore> memoryInMemory = () -> new InMemoryMemoryStore(new Embeddings(new WordEmbeddingModel()), MemorySettings.DEFAULT);
        Supplier<MemoryStore> memoryOpenSearch = () -> openSearch;
        return Stream.of(Arguments.of("in-memory checkpoints, in-memory memories", inMemory, memoryInMemory),
                Arguments.of("DynamoDB, in-memory memories", dynamo, memoryInMemory),
                Arguments.of("in-memory checkpoints, OpenSearch", inMemory, memoryOpenSearch),
                Arguments.of("DynamoDB, OpenSearch", dynamo, memoryOpenSearch));
    }

    /**
     * {@code real}, with {@code beforeFirstPut} run once just before its first put goes through: {@code put}, or
     * {@code putAll}, by which the outbox applies a step's writes as one batch.
     */
    private static MemoryStore racing(MemoryStore real, AtomicReference<Runnable> beforeFirstPut) {
        AtomicBoolean fired = new AtomicBoolean();
        return (MemoryStore) Proxy.newProxyInstance(OutboxAfterDeleteTest.class.getClassLoader(),
                new Class<?>[]{MemoryStore.class}, (proxy, method, args) -> {
                    if ((method.getName().equals("put") || method.getName().equals("putAll")) && fired.compareAndSet(false, true)) {
                        beforeFirstPut.get().run();
                    }
                    try {
                        return method.invoke(real, args);
                    } catch (InvocationTargetException e) {
                        throw e.getCause();
                    }
                });
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("stores")
    void memoryWritesAppliedAfterTheThreadWasDeletedDoNotResurrectItsMemories(String name, Supplier<CheckpointStore> checkpoints,
                                                                           Supplier<MemoryStore> memories) {
        MemoryStore real = memories.get();
        AtomicReference<Runnable> race = new AtomicReference<>();
        CompiledGraph<Notes> graph = StateGraph.of(Notes.class)
                .node("note", (n, ctx) -> {
                    ctx.remember("notes", "quokka " + ctx.threadId() + " likes marmalade", "fact", 0.5);
                    return Update.of(Notes.NOTES.append("noted"));
                })
                .chain(START, "note", END)
                .compile();
        ThreadRuntime<Notes> rt = ThreadRuntime.builder(graph).store(checkpoints.get()).validator(LocalDemo.plainValidator())
                .memory(racing(real, race)).build();
        String tenant = "t-" + UUID.randomUUID().toString().substring(0, 8);
        ThreadKey thread = ThreadKey.of(tenant, "raced");
        ThreadKey other = ThreadKey.of(tenant, "kept");
        race.set(() -> assertThat(rt.delete(thread).byKind()).containsEntry("checkpoints", 1L));

        rt.step(thread, Update.none(), null);   // commits, then the delete runs before its write is applied
        rt.step(other, Update.none(), null);    // a thread nobody deletes keeps its memory

        assertThat(real.search(MemoryQuery.text(tenant, "quokka likes marmalade", 10), Instant.now()))
                .extracting(h -> h.memory().sourceThread()).containsExactly("kept");
        assertThat(rt.history(other, HistoryQuery.first(5)).checkpoints()).hasSize(1);
    }
}
