package io.threadline.checkpoint.crypto;

import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.threadline.checkpoint.Checkpoint;
import io.threadline.checkpoint.CheckpointId;
import io.threadline.checkpoint.CheckpointStore;
import io.threadline.checkpoint.CheckpointStoreContract;
import io.threadline.checkpoint.Commit;
import io.threadline.checkpoint.InMemoryCheckpointStore;
import io.threadline.checkpoint.InterruptPayload;
import io.threadline.checkpoint.StateChange;
import io.threadline.checkpoint.ThreadKey;
import io.threadline.checkpoint.ThreadQuery;
import io.threadline.checkpoint.ThreadSummary;
import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.security.SecureRandom;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;

import static org.assertj.core.api.Assertions.assertThat;

/** The encrypting store over the in-memory one, with a configured key, against the shared contract. */
class EncryptingCheckpointStoreTest extends CheckpointStoreContract {

    private final InMemoryCheckpointStore plain = new InMemoryCheckpointStore();
    private final CheckpointStore store = new EncryptingCheckpointStore(plain,
            new LocalKeyProvider(new SecureRandom().generateSeed(32), new SecureRandom()), new InMemoryDataKeyStore(),
            new SecureRandom(), 100);

    @Override
    protected CheckpointStore store() {
        return store;
    }

    /** The payload is sealed at rest: the listing says where a thread waits, not what it was asked. */
    @Override
    protected boolean listsInterruptPayloads() {
        return false;
    }

    private static Checkpoint interrupted(ThreadKey thread, ObjectNode payload) {
        Instant at = Instant.parse("2026-12-06T15:00:00Z");
        return Checkpoint.draft(CheckpointId.next(at, new Random()::nextLong, null), thread, 1, null)
                .state(1, new StateChange.Snapshot("{\"n\":1}".getBytes(StandardCharsets.UTF_8)), at)
                .metadata(Map.of("agent", "a"))
                .interruptedStep(List.of("ask"), List.of("ask"), InterruptPayload.of("ask", "inside", payload));
    }

    private ThreadSummary listed(String tenant, String threadId) {
        return store.threads(tenant, new ThreadQuery(100, null, null, Set.of(), null, null, Map.of())).threads().stream()
                .filter(t -> t.threadId().equals(threadId)).findFirst().orElseThrow();
    }

    /**
     * Whether a payload is withheld is what the store marked, not what the payload looks like: a payload of the
     * caller's that happens to read {@code {"sealed": …}}, written before encryption was switched on, is listed as it
     * is; the same payload sealed now is withheld, and opens to exactly what was written.
     */
    @Test
    void aListingWithholdsWhatTheStoreSealedAndNothingThatMerelyLooksSealed() {
        ObjectNode looksSealed = JsonNodeFactory.instance.objectNode().put("sealed", "the customer's own word");
        ThreadKey before = ThreadKey.of("acme", "written-in-clear");
        plain.commit(new Commit(interrupted(before, looksSealed), 0));
        ThreadSummary clear = listed("acme", before.threadId());
        assertThat(clear.waitingFor()).isEqualTo(new ThreadSummary.Waiting("ask", "inside", looksSealed.toString(), false, false));

        ThreadKey after = ThreadKey.of("acme", "written-sealed");
        store.commit(new Commit(interrupted(after, looksSealed), 0));
        assertThat(listed("acme", after.threadId()).waitingFor()).isEqualTo(new ThreadSummary.Waiting("ask", "inside", null, false, true));
        InterruptPayload stored = plain.loadLatest(after).orElseThrow().target().interrupt();
        assertThat(stored.withheld()).isTrue();
        assertThat(stored.payload()).isNull();
        assertThat(stored.sealed()).doesNotContain("customer");
        assertThat(store.loadLatest(after).orElseThrow().target().interrupt().payload()).isEqualTo(looksSealed);
    }
}
