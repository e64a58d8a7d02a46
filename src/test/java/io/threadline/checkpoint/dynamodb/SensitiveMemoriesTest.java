package io.threadline.checkpoint.dynamodb;

import io.threadline.ErrorCode;
import io.threadline.ThreadlineException;
import io.threadline.checkpoint.HistoryQuery;
import io.threadline.checkpoint.ThreadKey;
import io.threadline.checkpoint.crypto.EncryptingCheckpointStore;
import io.threadline.checkpoint.crypto.LocalKeyProvider;
import io.threadline.examples.reference.LocalDemo;
import io.threadline.graph.CompiledGraph;
import io.threadline.graph.StateGraph;
import io.threadline.memory.Embeddings;
import io.threadline.memory.MemoryQuery;
import io.threadline.memory.MemorySettings;
import io.threadline.memory.WordEmbeddingModel;
import io.threadline.memory.opensearch.OpenSearchClients;
import io.threadline.memory.opensearch.OpenSearchMemorySettings;
import io.threadline.memory.opensearch.OpenSearchMemoryStore;
import io.threadline.memory.opensearch.OpenSearchNode;
import io.threadline.runtime.ReplayReport;
import io.threadline.runtime.ThreadRuntime;
import io.threadline.state.Channel;
import io.threadline.state.Sensitive;
import io.threadline.state.Update;
import io.threadline.state.ValueChannel;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.opensearch.client.opensearch.OpenSearchClient;
import software.amazon.awssdk.services.dynamodb.DynamoDbClient;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.security.SecureRandom;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.UUID;

import static io.threadline.graph.StateGraph.END;
import static io.threadline.graph.StateGraph.START;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * A node that copies a {@code @Sensitive} value into what it remembers, on the stores a deployment runs — the encrypting
 * store over DynamoDB Local and the memory store on the real OpenSearch node: the runtime masks the value before the
 * outbox records the write, so no DynamoDB item and no OpenSearch document (read raw, {@code _search} over HTTP) holds
 * it, while the rest of the memory is stored, searchable by its words, and the step replays the same.
 */
class SensitiveMemoriesTest {

    private static final String SECRET = "pin-" + UUID.randomUUID().toString().substring(0, 12);
    /** Holds {@link #SECRET}: masked whole, not left with its end in clear. */
    private static final String ACCOUNT = SECRET + "-acct-991";

    public record Wallet(@Sensitive String pin, @Sensitive String account, String owner) {
        public static final ValueChannel<Wallet, String> PIN = Channel.overwriting("pin");
        public static final ValueChannel<Wallet, String> ACCOUNT = Channel.overwriting("account");
        public static final ValueChannel<Wallet, String> OWNER = Channel.overwriting("owner");
    }

    private static DynamoDbClient client;
    private static String table;
    private static String keyTable;
    private static String index;
    private static OpenSearchMemoryStore memory;
    private static OpenSearchClient search;

    @BeforeAll
    static void stores() {
        client = LocalTables.client();
        table = LocalTables.newTable(client, "sensitive-memories");
        keyTable = LocalTables.newTable(client, "sensitive-memories-keys");
        index = "memories-" + UUID.randomUUID();
        search = OpenSearchClients.create(OpenSearchNode.get().endpoint(), Duration.ofSeconds(30));
        memory = new OpenSearchMemoryStore(search, new Embeddings(new WordEmbeddingModel()), MemorySettings.DEFAULT,
                new OpenSearchMemorySettings(index, "lucene", WordEmbeddingModel.DIMENSION, 4));
        memory.ensureIndex();
    }

    @AfterAll
    static void drop() {
        LocalTables.drop(client, table);
        LocalTables.drop(client, keyTable);
        client.close();
    }

    private static ThreadRuntime<Wallet> runtime(CompiledGraph<Wallet> graph) {
        DynamoDbCheckpointStore plain = new DynamoDbCheckpointStore(client, new DynamoDbStoreSettings(table, Integer.MAX_VALUE,
                DynamoDbStoreSettings.DEFAULT_MAX_ITEM_BYTES, DynamoDbStoreSettings.DEFAULT_MAX_CHECKPOINT_BYTES, null, Duration.ofHours(1)),
                Clock.systemUTC());
        EncryptingCheckpointStore store = new EncryptingCheckpointStore(plain, new LocalKeyProvider(new SecureRandom().generateSeed(32),
                new SecureRandom()), new DynamoDbDataKeyStore(client, keyTable), new SecureRandom(), 0);
        return ThreadRuntime.builder(graph).store(store).validator(LocalDemo.plainValidator()).memory(memory).build();
    }

    /** A pin set by the step itself, in a later node: masked as well. */
    private static final String ROTATED = "rot-" + UUID.randomUUID().toString().substring(0, 12);

    /**
     * Remembers the pin and the account it was given, and the new pin it sets — a value the step itself produced. The
     * owner is no secret and stays.
     */
    private static CompiledGraph<Wallet> leaky() {
        return StateGraph.of(Wallet.class)
                .node("note", (w, ctx) -> {
                    ctx.remember("wallets", w.owner() + " unlocks the wallet with " + w.pin() + " for account " + w.account(), "fact", 0.6);
                    ctx.remember("rotations", "teller marguerite rotated the code to " + ROTATED, "event", 0.4);
                    return Update.of(Wallet.PIN.set(ROTATED));
                })
                .chain(START, "note", END)
                .compile();
    }

    @Test
    void aRememberedSensitiveValueIsInNoDynamoDbItemAndNoOpenSearchDocument() throws Exception {
        ThreadRuntime<Wallet> rt = runtime(leaky());
        ThreadKey thread = ThreadKey.of("acme", "wallet-" + UUID.randomUUID());
        rt.step(thread, Update.of(Wallet.PIN.set(SECRET), Wallet.ACCOUNT.set(ACCOUNT), Wallet.OWNER.set("zebulon")), "first");
        refresh();

        String documents = rawSearch();
        assertThat(documents).as("the memories are there (the scan reads them)")
                .contains("zebulon unlocks the wallet with *** for account ***").contains("teller marguerite rotated the code to ***");
        assertThat(documents).as("in clear in OpenSearch").doesNotContain(SECRET).doesNotContain("acct-991").doesNotContain(ROTATED);
        assertThat(storedInClear(thread, SECRET)).as("in clear in DynamoDB").isFalse();
        assertThat(storedInClear(thread, "acct-991")).isFalse();
        assertThat(storedInClear(thread, ROTATED)).isFalse();

        // The state keeps the values; what was remembered is found by its words; the step replays the same.
        assertThat(rt.state(thread).state().pin()).isEqualTo(ROTATED);
        assertThat(memory.search(MemoryQuery.text("acme", "zebulon unlocks the wallet", 5), Instant.now()))
                .extracting(h -> h.memory().content()).contains("zebulon unlocks the wallet with *** for account ***");
        var cp = rt.history(thread, HistoryQuery.first(1)).checkpoints().get(0);
        assertThat(cp.outbox().json()).doesNotContain(SECRET);
        assertThat(rt.replay(thread, cp.id()).verdict()).isEqualTo(ReplayReport.Verdict.SAME);
    }

    @Test
    void aNamespaceHoldingASensitiveValueIsRefusedAndNothingIsStored() throws Exception {
        CompiledGraph<Wallet> addressed = StateGraph.of(Wallet.class)
                .node("file", (w, ctx) -> {
                    ctx.remember("pins/" + w.pin(), "a pin", "fact", 0.5);
                    return Update.none();
                })
                .chain(START, "file", END)
                .compile();
        ThreadRuntime<Wallet> rt = runtime(addressed);
        ThreadKey thread = ThreadKey.of("acme", "addressed-" + UUID.randomUUID());

        assertThatThrownBy(() -> rt.step(thread, Update.of(Wallet.PIN.set(SECRET)), null)).isInstanceOfSatisfying(ThreadlineException.class, e -> {
            assertThat(e.code()).isEqualTo(ErrorCode.INVALID_INPUT);
            assertThat(e.details()).containsEntry("field", "namespace");
            assertThat(e.getMessage()).contains("@Sensitive").doesNotContain(SECRET);
        });
        refresh();
        assertThat(LocalTables.items(client, table, thread)).as("no step committed").isEmpty();
        assertThat(rawSearch()).doesNotContain(SECRET);
    }

    private static void refresh() throws IOException {
        assertThat(memory.awaitTouches(Duration.ofSeconds(10))).isTrue();
        search.indices().refresh(r -> r.index(index));
    }

    /** Every document of the index as the node answers a raw {@code _search}, source included. */
    private static String rawSearch() throws IOException, InterruptedException {
        URI uri = URI.create(OpenSearchNode.get().endpoint() + "/" + index + "/_search?size=1000");
        HttpResponse<String> response = HttpClient.newHttpClient().send(HttpRequest.newBuilder(uri)
                .header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString("{\"query\":{\"match_all\":{}}}")).build(), HttpResponse.BodyHandlers.ofString());
        assertThat(response.statusCode()).isEqualTo(200);
        return response.body();
    }

    /** Whether any item of the thread's partition (in either table) holds {@code value} in clear. */
    private static boolean storedInClear(ThreadKey thread, String value) {
        return LocalTables.holdsInClear(client, List.of(table, keyTable), thread, value);
    }
}
