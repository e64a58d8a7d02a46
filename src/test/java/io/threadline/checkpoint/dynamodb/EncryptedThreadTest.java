package io.threadline.checkpoint.dynamodb;

import io.threadline.ErrorCode;
import io.threadline.ThreadlineException;
import io.threadline.checkpoint.CheckpointStore;
import io.threadline.checkpoint.HistoryQuery;
import io.threadline.checkpoint.ThreadKey;
import io.threadline.checkpoint.crypto.EncryptingCheckpointStore;
import io.threadline.checkpoint.crypto.LocalKeyProvider;
import io.threadline.checkpoint.dynamodb.internal.Keys;
import io.threadline.checkpoint.dynamodb.internal.StoredPayload;
import io.threadline.examples.reference.LocalDemo;
import io.threadline.graph.CompiledGraph;
import io.threadline.graph.StateGraph;
import io.threadline.memory.Embeddings;
import io.threadline.memory.InMemoryMemoryStore;
import io.threadline.memory.MemorySettings;
import io.threadline.memory.WordEmbeddingModel;
import io.threadline.runtime.DeleteReport;
import io.threadline.runtime.ReplayReport;
import io.threadline.runtime.ThreadRuntime;
import io.threadline.state.Channel;
import io.threadline.state.ListChannel;
import io.threadline.state.Sensitive;
import io.threadline.state.Update;
import io.threadline.state.ValueChannel;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import software.amazon.awssdk.services.dynamodb.model.AttributeValue;

import java.nio.charset.StandardCharsets;
import java.security.SecureRandom;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.UUID;

import static io.threadline.graph.StateGraph.END;
import static io.threadline.graph.StateGraph.START;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * A thread with a {@code @Sensitive} field on DynamoDB Local through the encrypting store: not one stored item —
 * checkpoints, head, idempotency records, outbox markers, data keys — holds the value in clear (the same thread on
 * the plain store does: the scan works), while state, history (masked), replay, fork and export read it back. A
 * deleted thread's copy, put back as a restore of a backup would, no longer decrypts.
 */
class EncryptedThreadTest {

    private static final String SECRET = "sk-live-7f3a9c1e5b";

    public record Vault(@Sensitive String apiToken, List<String> notes) {
        public static final ValueChannel<Vault, String> TOKEN = Channel.overwriting("apiToken");
        public static final ListChannel<Vault, String> NOTES = Channel.appending("notes");
    }

    @RegisterExtension
    static final LocalTable TABLE = LocalTable.named("encrypted");

    @RegisterExtension
    static final LocalTable KEYS = LocalTable.named("datakeys");

    /** A node that copies the token into what it remembers (the outbox) and a note of its step. */
    private static CompiledGraph<Vault> graph() {
        return StateGraph.of(Vault.class)
                .node("use", (v, ctx) -> {
                    ctx.remember("tokens", "the token in use is " + v.apiToken(), "fact", 0.5);
                    return Update.of(Vault.NOTES.append("step " + ctx.step() + " used " + (v.apiToken() == null ? "nothing" : "the token")));
                })
                .chain(START, "use", END)
                .compile();
    }

    /** Never compressed, so a scan for the value in clear reads what is stored byte for byte. */
    private static DynamoDbCheckpointStore plain() {
        return new DynamoDbCheckpointStore(TABLE.client(), new DynamoDbStoreSettings(TABLE.name(), Integer.MAX_VALUE, DynamoDbStoreSettings.DEFAULT_MAX_ITEM_BYTES,
                DynamoDbStoreSettings.DEFAULT_MAX_CHECKPOINT_BYTES, null, Duration.ofHours(1)), Clock.systemUTC());
    }

    private static EncryptingCheckpointStore encrypted(byte[] masterKey) {
        return new EncryptingCheckpointStore(plain(), new LocalKeyProvider(masterKey, new SecureRandom()),
                new DynamoDbDataKeyStore(TABLE.client(), KEYS.name()), new SecureRandom(), 0);
    }

    private static ThreadRuntime<Vault> runtime(CheckpointStore store) {
        return ThreadRuntime.builder(graph()).store(store).validator(LocalDemo.plainValidator())
                .memory(new InMemoryMemoryStore(new Embeddings(new WordEmbeddingModel()), MemorySettings.DEFAULT)).build();
    }

    /** Whether any item of the thread's partition (in either table) holds {@code value} in clear. */
    private static boolean storedInClear(ThreadKey thread, String value) {
        return LocalTables.holdsInClear(TABLE.client(), List.of(TABLE.name(), KEYS.name()), thread, value);
    }

    private static void steps(ThreadRuntime<Vault> rt, ThreadKey thread) {
        rt.step(thread, Update.of(Vault.TOKEN.set(SECRET)), "first-turn");
        rt.step(thread, Update.none(), null);
    }

    @Test
    void thePlainStoreKeepsTheValueInClearSoTheScanSeesIt() {
        ThreadKey thread = ThreadKey.of("acme", "plain-" + UUID.randomUUID());
        steps(runtime(plain()), thread);
        assertThat(storedInClear(thread, SECRET)).isTrue();
    }

    @Test
    void noStoredItemHoldsTheSensitiveValueAndEveryReadStillWorks() {
        EncryptingCheckpointStore store = encrypted(new SecureRandom().generateSeed(32));
        ThreadRuntime<Vault> rt = runtime(store);
        ThreadKey thread = ThreadKey.of("acme", "enc-" + UUID.randomUUID());
        steps(rt, thread);

        assertThat(storedInClear(thread, SECRET)).as("in clear in DynamoDB").isFalse();
        assertThat(LocalTables.items(TABLE.client(), KEYS.name(), thread)).as("one data key, wrapped").hasSize(1);

        assertThat(rt.state(thread).state().apiToken()).isEqualTo(SECRET);
        var history = rt.history(thread, HistoryQuery.first(10)).checkpoints();
        assertThat(history).hasSize(2);
        assertThat(history.get(1).input().json()).contains(SECRET);
        // What the node remembered is masked before the outbox records it: a memory is searched by its words, so it
        // cannot be sealed (SensitiveMemoriesTest scans OpenSearch for it).
        assertThat(history.get(1).outbox().json()).doesNotContain(SECRET).contains("the token in use is ***");
        for (var cp : history) {
            assertThat(rt.replay(thread, cp.id()).verdict()).isEqualTo(ReplayReport.Verdict.SAME);
        }
        ThreadKey fork = ThreadKey.of("acme", "fork-" + UUID.randomUUID());
        rt.fork(thread, history.get(0).id(), fork, "try again");
        assertThat(rt.state(fork).state().apiToken()).isEqualTo(SECRET);
        assertThat(storedInClear(fork, SECRET)).as("the fork is encrypted too, under its own key").isFalse();
        assertThat(LocalTables.items(TABLE.client(), KEYS.name(), fork)).hasSize(1);
        assertThat(store.findByIdempotencyKey(thread, "first-turn")).isPresent();
    }

    @Test
    void aZstdStoreCompressesWhatEncryptionSealedAndReadsItBack() {
        // The encrypting store seals before the store encodes and compresses (it wraps it), so what zstd takes in is
        // the sealed envelope: decompressed, a stored item still does not hold the value
        DynamoDbCheckpointStore zstd = new DynamoDbCheckpointStore(TABLE.client(), DynamoDbStoreSettings.defaults(TABLE.name())
                .withSizes(0, DynamoDbStoreSettings.DEFAULT_MAX_ITEM_BYTES, DynamoDbStoreSettings.DEFAULT_MAX_CHECKPOINT_BYTES)
                .withCompression(Compression.ZSTD).withZstdAboveBytes(0), Clock.systemUTC()); // zstd even for these small steps
        EncryptingCheckpointStore store = new EncryptingCheckpointStore(zstd, new LocalKeyProvider(new SecureRandom().generateSeed(32),
                new SecureRandom()), new DynamoDbDataKeyStore(TABLE.client(), KEYS.name()), new SecureRandom(), 0);
        ThreadRuntime<Vault> rt = runtime(store);
        ThreadKey thread = ThreadKey.of("acme", "zstd-" + UUID.randomUUID());
        steps(rt, thread);
        List<Map<String, AttributeValue>> compressed = LocalTables.items(TABLE.client(), TABLE.name(), thread).stream()
                .filter(i -> i.containsKey(Keys.KIND) && i.containsKey(Keys.COMPRESSED)).toList();
        assertThat(compressed).as("checkpoint items stored in zstd").isNotEmpty();
        for (Map<String, AttributeValue> item : compressed) {
            byte[] data = item.get(Keys.DATA).b().asByteArray();
            assertThat(data[0] & 0xff).isEqualTo(0x28); // zstd's frame magic, 28 B5 2F FD
            String envelope = new String(StoredPayload.envelope(List.of(data), true), StandardCharsets.ISO_8859_1);
            assertThat(envelope).doesNotContain(SECRET);
        }
        assertThat(rt.state(thread).state().apiToken()).isEqualTo(SECRET);
        assertThat(rt.history(thread, HistoryQuery.first(10)).checkpoints()).hasSize(2);
    }

    @Test
    void aDeletedThreadsCopyDoesNotDecryptWhenPutBack() {
        EncryptingCheckpointStore store = encrypted(new SecureRandom().generateSeed(32));
        ThreadRuntime<Vault> rt = runtime(store);
        ThreadKey thread = ThreadKey.of("acme", "shred-" + UUID.randomUUID());
        steps(rt, thread);
        List<Map<String, AttributeValue>> backup = LocalTables.items(TABLE.client(), TABLE.name(), thread);

        DeleteReport report = rt.delete(thread);

        assertThat(report.byKind()).containsEntry("dataKeys", 1L).containsEntry("checkpoints", 2L);
        assertThat(LocalTables.items(TABLE.client(), KEYS.name(), thread)).isEmpty();
        // A point-in-time restore brings the checkpoint items back, but not the key (its table keeps no backups).
        backup.forEach(item -> TABLE.client().putItem(b -> b.tableName(TABLE.name()).item(item)));
        assertThatThrownBy(() -> store.loadLatest(thread)).isInstanceOfSatisfying(ThreadlineException.class, e -> {
            assertThat(e.code()).isEqualTo(ErrorCode.THREAD_DELETED);
            assertThat(e.getMessage()).contains("data key that was deleted");
        });
        assertThat(storedInClear(thread, SECRET)).isFalse();
        store.delete(thread);
    }

    @Test
    void anotherMasterKeyCannotReadTheThread() {
        ThreadKey thread = ThreadKey.of("acme", "other-key-" + UUID.randomUUID());
        steps(runtime(encrypted(new SecureRandom().generateSeed(32))), thread);
        EncryptingCheckpointStore wrongKey = encrypted(new SecureRandom().generateSeed(32));
        assertThatThrownBy(() -> wrongKey.loadLatest(thread)).isInstanceOfSatisfying(ThreadlineException.class,
                e -> assertThat(e.code()).isEqualTo(ErrorCode.INTERNAL));
    }
}
