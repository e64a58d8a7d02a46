package io.threadline.api;

import io.threadline.ErrorCode;
import io.threadline.ThreadlineException;
import io.threadline.checkpoint.Checkpoint;
import io.threadline.checkpoint.CheckpointId;
import io.threadline.checkpoint.CheckpointStore;
import io.threadline.checkpoint.Commit;
import io.threadline.checkpoint.InMemoryCheckpointStore;
import io.threadline.checkpoint.StateChange;
import io.threadline.checkpoint.ThreadKey;
import io.threadline.checkpoint.ThreadQuery;
import io.threadline.checkpoint.ThreadSummary;
import io.threadline.checkpoint.ThreadTags;
import io.threadline.memory.Embeddings;
import io.threadline.memory.InMemoryMemoryStore;
import io.threadline.memory.MemorySettings;
import io.threadline.memory.MemoryStore;
import io.threadline.memory.MemoryWrite;
import io.threadline.memory.WordEmbeddingModel;
import org.junit.jupiter.api.Test;

import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Proxy;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.atomic.AtomicInteger;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * Erasing a subject on the in-memory stores: every thread carrying the subject's tag and every memory carrying it go,
 * nothing else; a call's budget and a failure half way both leave an erasure a second call completes; the report is
 * signed so that a changed report does not verify; a malformed subject or a missing key changes nothing.
 */
class SubjectErasureTest {

    private static final byte[] KEY = "a report key of thirty-two bytes!".getBytes(StandardCharsets.UTF_8);
    private static final Clock CLOCK = Clock.fixed(Instant.parse("2026-12-06T16:00:00Z"), ZoneOffset.UTC);

    private final InMemoryCheckpointStore store = new InMemoryCheckpointStore();
    private final MemoryStore memory = new InMemoryMemoryStore(new Embeddings(new WordEmbeddingModel()), MemorySettings.DEFAULT);
    private final Random random = new Random(7);

    private void thread(String tenant, String id, Map<String, String> tags) {
        Instant at = Instant.parse("2026-12-06T15:00:00Z");
        Checkpoint cp = Checkpoint.draft(CheckpointId.next(at, random::nextLong, null), ThreadKey.of(tenant, id), 1, null)
                .state(1, new StateChange.Snapshot("{\"n\":1}".getBytes(StandardCharsets.UTF_8)), at)
                .metadata(Map.of("agent", "echo")).step(List.of("a"), List.of(), List.of());
        store.commit(new Commit(cp, 0).withTags(ThreadTags.of(tags)));
    }

    private void memory(String tenant, String id, Map<String, String> metadata) {
        memory.put(new MemoryWrite(id, tenant, "notes", "note " + id, "fact", 0.5, Duration.ofDays(30), null, null, metadata),
                CLOCK.instant());
    }

    private List<String> threads(String tenant) {
        return store.threads(tenant, ThreadQuery.first(100)).threads().stream().map(ThreadSummary::threadId).sorted().toList();
    }

    private SubjectErasure erasure(CheckpointStore deleting, int maxThreads) {
        return new SubjectErasure(store, memory, SubjectErasure.storeDeleter(deleting, memory), CLOCK, new SubjectErasure.Settings(KEY, 2, maxThreads));
    }

    private void subjectAndOthers() {
        for (int i = 0; i < 7; i++) {
            thread("acme", "u42-" + i, Map.of("user", "42", "channel", "web"));
        }
        thread("acme", "u43", Map.of("user", "43"));
        thread("acme", "untagged", Map.of());
        thread("globex", "u42-0", Map.of("user", "42"));
        memory("acme", "m-42", Map.of("user", "42"));
        memory("acme", "m-43", Map.of("user", "43"));
        memory("globex", "m-42", Map.of("user", "42"));
    }

    @Test
    void aCallsBudgetStopsItAndTheNextCallsComplete() {
        subjectAndOthers();
        List<String> erased = new ArrayList<>();
        SubjectErasure.Report report;
        int calls = 0;
        do {
            report = erasure(store, 3).erase("acme", Map.of("user", "42"));
            assertThat(report.threadIds()).hasSizeLessThanOrEqualTo(3);
            erased.addAll(report.threadIds());
            calls++;
        } while (!report.complete());
        assertThat(calls).isEqualTo(3);
        assertThat(erased).containsExactlyInAnyOrder("u42-0", "u42-1", "u42-2", "u42-3", "u42-4", "u42-5", "u42-6");
        assertThat(threads("acme")).containsExactly("u43", "untagged");
        assertThat(threads("globex")).as("another tenant's subject of the same tag").containsExactly("u42-0");
        assertThat(memory.get("acme", "m-42")).isEmpty();
        assertThat(memory.get("acme", "m-43")).isPresent();
        assertThat(memory.get("globex", "m-42")).isPresent();
    }

    @Test
    void anErasureCutShortHalfWayIsCompletedByRunningItAgain() {
        subjectAndOthers();
        AtomicInteger deletes = new AtomicInteger();
        // A store whose fourth delete fails, as DynamoDB throttled past its retries would.
        CheckpointStore failing = (CheckpointStore) Proxy.newProxyInstance(getClass().getClassLoader(),
                new Class<?>[]{CheckpointStore.class}, (proxy, method, args) -> {
                    if (method.getName().equals("delete") && deletes.incrementAndGet() == 4) {
                        throw new ThreadlineException(ErrorCode.DEPENDENCY_UNAVAILABLE, "injected", Map.of());
                    }
                    try {
                        return method.invoke(store, args);
                    } catch (InvocationTargetException e) {
                        throw e.getCause();
                    }
                });
        assertThatThrownBy(() -> erasure(failing, 100).erase("acme", Map.of("user", "42")))
                .isInstanceOfSatisfying(ThreadlineException.class, e -> assertThat(e.code()).isEqualTo(ErrorCode.DEPENDENCY_UNAVAILABLE));
        assertThat(threads("acme")).as("stopped half way").hasSize(9 - 3);

        SubjectErasure.Report again = erasure(store, 100).erase("acme", Map.of("user", "42"));
        assertThat(again.complete()).isTrue();
        assertThat(again.threadIds()).hasSize(4);
        assertThat(again.removed()).containsEntry("threads", 4L).containsEntry("heads", 4L).containsEntry("memories", 1L);
        assertThat(threads("acme")).containsExactly("u43", "untagged");
        SubjectErasure.Report nothingLeft = erasure(store, 100).erase("acme", Map.of("user", "42"));
        assertThat(nothingLeft.complete()).isTrue();
        assertThat(nothingLeft.threadIds()).isEmpty();
    }

    @Test
    void theReportIsSignedOverItsCanonicalJsonAndNamesNoSubjectValue() throws Exception {
        subjectAndOthers();
        SubjectErasure.Report report = erasure(store, 100).erase("acme", Map.of("user", "42"));
        SubjectErasure.Signed signed = new SubjectErasure.Signed(report.tenant(), report.subjectKey(), report.subjectDigest(),
                report.erasedAt(), report.complete(), report.removed(), report.threadIds(), report.memoryIds());
        String canonical = SubjectErasure.canonical(signed);
        assertThat(canonical).startsWith("{\"complete\":true,\"erasedAt\":\"2026-12-06T16:00:00Z\",\"memoryIds\":[\"m-42\"],")
                .doesNotContain(" ").doesNotContain("\"42\"");
        assertThat(report.signature()).isEqualTo(hmac(canonical));
        assertThat(report.subjectDigest()).isEqualTo(hmac("user=42"));
        SubjectErasure.Signed tampered = new SubjectErasure.Signed(signed.tenant(), signed.subjectKey(), signed.subjectDigest(),
                signed.erasedAt(), signed.complete(), signed.removed(), signed.threadIds().subList(1, signed.threadIds().size()),
                signed.memoryIds());
        assertThat(hmac(SubjectErasure.canonical(tampered))).isNotEqualTo(report.signature());
    }

    @Test
    void aMalformedSubjectOrAMissingKeyErasesNothing() {
        subjectAndOthers();
        List<String> before = threads("acme");
        for (Map<String, String> bad : List.of(Map.<String, String>of(), Map.of("user", "42", "channel", "web"), Map.of("user", " "),
                Map.of("no spaces allowed", "42"))) {
            assertThatThrownBy(() -> erasure(store, 100).erase("acme", bad)).isInstanceOfSatisfying(ThreadlineException.class,
                    e -> assertThat(e.code()).as(bad.toString()).isEqualTo(ErrorCode.INVALID_INPUT));
        }
        assertThatThrownBy(() -> new SubjectErasure(store, memory, SubjectErasure.storeDeleter(store, memory), CLOCK, new SubjectErasure.Settings(new byte[16], 2, 10)))
                .isInstanceOfSatisfying(ThreadlineException.class, e -> assertThat(e.code()).isEqualTo(ErrorCode.MISCONFIGURED));
        assertThat(threads("acme")).isEqualTo(before);
        assertThat(memory.get("acme", "m-42")).isPresent();
    }

    private static String hmac(String text) throws Exception {
        Mac mac = Mac.getInstance("HmacSHA256");
        mac.init(new SecretKeySpec(KEY, "HmacSHA256"));
        return HexFormat.of().formatHex(mac.doFinal(text.getBytes(StandardCharsets.UTF_8)));
    }

}
