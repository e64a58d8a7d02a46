package io.threadline.memory;

import io.threadline.ErrorCode;
import io.threadline.ThreadlineException;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.function.IntFunction;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * The contract every {@link MemoryStore} passes, with {@link WordEmbeddingModel} embeddings (similarity
 * = word overlap). Each test uses fresh tenants, so a store may be shared; there is no skip.
 */
public abstract class MemoryStoreContract {

    protected static final Instant T0 = Instant.parse("2026-06-01T12:00:00Z");

    protected String a;
    protected String b;

    /** The store under test, built with {@code new Embeddings(new WordEmbeddingModel())} and default settings. */
    protected abstract MemoryStore store();

    /**
     * Lets what a search set off finish and become visible: the in-memory store touches within the search and
     * does nothing here; OpenSearch sends its access-time touches without waiting and without a refresh, so
     * its test waits for them and refreshes.
     */
    protected void settle() {
    }

    @BeforeEach
    void tenants() {
        String run = UUID.randomUUID().toString().substring(0, 8);
        a = "tenant-a-" + run;
        b = "tenant-b-" + run;
    }

    private MemoryWrite write(String tenant, String namespace, String content) {
        return MemoryWrite.of(tenant, namespace, content);
    }

    private List<String> contents(List<MemoryHit> hits) {
        return hits.stream().map(h -> h.memory().content()).toList();
    }

    @Test
    void aWrittenMemoryReadsBackWithEveryField() {
        MemoryWrite w = new MemoryWrite("m1", a, "users/42/preferences", "prefers green tea", "preference", 0.7,
                Duration.ofDays(3), "thread-1", "01ARZ3NDEKTSV4RRFFQ69G5FAV", Map.of("source", "chat"));
        PutResult put = store().put(w, T0);
        assertThat(put.merged()).isFalse();
        MemoryRecord r = store().get(a, "m1").orElseThrow();
        assertThat(r).isEqualTo(put.memory());
        assertThat(r.namespace()).isEqualTo("users/42/preferences");
        assertThat(r.kind()).isEqualTo("preference");
        assertThat(r.importance()).isEqualTo(0.7);
        assertThat(r.createdAt()).isEqualTo(T0);
        assertThat(r.expiresAt()).isEqualTo(T0.plus(Duration.ofDays(3)));
        assertThat(r.sourceThread()).isEqualTo("thread-1");
        assertThat(r.contentHash()).isEqualTo(Embeddings.sha256("prefers green tea"));
        assertThat(r.metadata()).containsEntry("source", "chat");
        assertThat(r.embedding()).hasSize(WordEmbeddingModel.DIMENSION);
    }

    @Test
    void searchRanksBySimilarityAndStopsAtK() {
        store().put(write(a, "notes", "cats purr softly at night"), T0);
        store().put(write(a, "notes", "dogs bark loudly at the mailman"), T0);
        store().put(write(a, "notes", "tax forms are due in april"), T0);
        List<MemoryHit> hits = store().search(MemoryQuery.text(a, "why do cats purr", 2), T0);
        assertThat(hits).hasSize(2);
        assertThat(hits.get(0).memory().content()).isEqualTo("cats purr softly at night");
        assertThat(hits.get(0).similarity()).isGreaterThan(hits.get(1).similarity());
        assertThat(hits.get(0).score()).isGreaterThanOrEqualTo(hits.get(1).score());
    }

    @Test
    void namespacePrefixesMatchWholeSegments() {
        store().put(write(a, "users/42/preferences", "likes jazz music"), T0);
        store().put(write(a, "users/42/facts", "lives in lyon"), T0);
        store().put(write(a, "users/420/preferences", "likes jazz and blues"), T0);
        List<MemoryHit> hits = store().search(MemoryQuery.text(a, "jazz", 10).under("users/42"), T0);
        assertThat(contents(hits)).containsExactlyInAnyOrder("likes jazz music", "lives in lyon");
        assertThat(contents(store().search(MemoryQuery.text(a, "jazz", 10).under("users/42/preferences"), T0)))
                .containsExactly("likes jazz music");
    }

    @Test
    void metadataFiltersAndMinimumScoreNarrowTheHits() {
        store().put(new MemoryWrite(null, a, "kb", "reset the router first", "fact", 0.5, null, null, null, Map.of("topic", "network")), T0);
        store().put(new MemoryWrite(null, a, "kb", "reset the password first", "fact", 0.5, null, null, null, Map.of("topic", "account")), T0);
        assertThat(contents(store().search(MemoryQuery.text(a, "reset", 10).where(Map.of("topic", "account")), T0)))
                .containsExactly("reset the password first");
        assertThat(store().search(MemoryQuery.text(a, "unrelated words only", 10).atLeast(0.5), T0)).isEmpty();
    }

    @Test
    void aTenantNeverSeesAnotherTenantsMemories() {
        store().put(write(b, "users/1", "the launch code is 0000"), T0);
        store().put(write(a, "users/1", "the lunch menu is soup"), T0);
        List<String> seen = contents(store().search(MemoryQuery.text(a, "the launch code is 0000", 10), T0));
        assertThat(seen).containsExactly("the lunch menu is soup");
        // Crafted attempts: a namespace naming the other tenant, a metadata filter on "tenant", the id.
        assertThat(store().search(MemoryQuery.text(a, "launch code", 10).under(b), T0)).isEmpty();
        assertThat(store().search(MemoryQuery.text(a, "launch code", 10).where(Map.of("tenant", b)), T0)).isEmpty();
        String bId = store().search(MemoryQuery.text(b, "launch code", 1), T0).get(0).memory().id();
        assertThat(store().get(a, bId)).isEmpty();
        assertThat(store().delete(a, bId)).isFalse();
        assertThat(store().get(b, bId)).isPresent();
    }

    @Test
    void aNearDuplicateIsMergedNotAdded() {
        PutResult first = store().put(new MemoryWrite(null, a, "prefs", "The user likes green tea", "preference", 0.3,
                null, null, null, Map.of("n", "1")), T0);
        PutResult again = store().put(new MemoryWrite(null, a, "prefs", "the user LIKES green tea!", "preference", 0.9,
                null, null, null, Map.of("m", "2")), T0.plusSeconds(60));
        assertThat(again.merged()).isTrue();
        assertThat(again.memory().id()).isEqualTo(first.memory().id());
        assertThat(again.memory().importance()).isEqualTo(0.9);
        assertThat(again.memory().accessedAt()).isEqualTo(T0.plusSeconds(60));
        assertThat(again.memory().metadata()).containsEntry("n", "1").containsEntry("m", "2");
        assertThat(store().search(MemoryQuery.text(a, "green tea", 10), T0.plusSeconds(60))).hasSize(1);
        // Another namespace is another memory.
        assertThat(store().put(write(a, "other", "the user likes green tea"), T0).merged()).isFalse();
    }

    @Test
    void aWriteWithAKnownIdReplacesThatMemory() {
        store().put(new MemoryWrite("same", a, "ns", "first version", "fact", 0.5, null, null, null, Map.of()), T0);
        store().put(new MemoryWrite("same", a, "ns", "second version", "fact", 0.5, null, null, null, Map.of()), T0.plusSeconds(1));
        MemoryRecord r = store().get(a, "same").orElseThrow();
        assertThat(r.content()).isEqualTo("second version");
        assertThat(r.createdAt()).isEqualTo(T0);
        assertThat(store().search(MemoryQuery.text(a, "version", 10), T0.plusSeconds(1))).hasSize(1);
    }

    @Test
    void expiredMemoriesAreNotReturnedAndPruningReportsWhatItRemoved() {
        store().put(new MemoryWrite("short", a, "ns", "a short lived note", "fact", 0.5, Duration.ofHours(1), null, null, Map.of()), T0);
        store().put(new MemoryWrite("keep", a, "ns", "a lasting note", "fact", 0.9, null, null, null, Map.of()), T0);
        store().put(new MemoryWrite("low", a, "ns", "an unimportant note", "fact", 0.1, null, null, null, Map.of()), T0);
        Instant later = T0.plus(Duration.ofHours(2));
        assertThat(contents(store().search(MemoryQuery.text(a, "note", 10), later)))
                .containsExactlyInAnyOrder("a lasting note", "an unimportant note");
        MemoryPruneReport report = store().prune(a, 1, later);
        assertThat(report.expiredIds()).containsExactly("short");
        assertThat(report.overCapIds()).containsExactly("low");
        assertThat(store().get(a, "keep")).isPresent();
        assertThat(store().get(a, "low")).isEmpty();
        assertThat(store().prune(a, 1, later).removed()).isZero();
    }

    @Test
    void deleteRemovesOneMemory() {
        store().put(new MemoryWrite("gone", a, "ns", "to be forgotten", "fact", 0.5, null, null, null, Map.of()), T0);
        assertThat(store().delete(a, "gone")).isTrue();
        assertThat(store().get(a, "gone")).isEmpty();
        assertThat(store().delete(a, "gone")).isFalse();
        assertThat(store().delete("tenant-never-seen", "gone")).isFalse();
        assertThat(store().get("tenant-never-seen", "gone")).isEmpty();
        assertThat(store().search(MemoryQuery.text("tenant-never-seen", "anything", 3), T0)).isEmpty();
    }

    @Test
    void deletingByASourceThreadRemovesThatThreadsMemoriesOnly() {
        store().put(new MemoryWrite("s1", a, "ns", "the kettle whistles at dawn", "fact", 0.5, null, "thread-x", "cp1", Map.of()), T0);
        store().put(new MemoryWrite("s2", a, "other", "invoices are paid on fridays", "fact", 0.5, null, "thread-x", "cp2", Map.of()), T0);
        store().put(new MemoryWrite("keep", a, "ns", "penguins huddle in winter storms", "fact", 0.5, null, "thread-y", "cp3", Map.of()), T0);
        store().put(new MemoryWrite("own", a, "ns", "mountains echo every shout", "fact", 0.5, null, null, null, Map.of()), T0);
        store().put(new MemoryWrite("s1", b, "ns", "the kettle whistles at dawn", "fact", 0.5, null, "thread-x", "cp1", Map.of()), T0);

        assertThat(store().forgetThread(a, "thread-x").removed()).isEqualTo(2);

        assertThat(store().get(a, "s1")).isEmpty();
        assertThat(store().get(a, "s2")).isEmpty();
        assertThat(store().search(MemoryQuery.text(a, "kettle whistles dawn", 5), T0)).extracting(h -> h.memory().id())
                .doesNotContain("s1");
        assertThat(store().get(a, "keep")).as("another thread's").isPresent();
        assertThat(store().get(a, "own")).as("written by no thread").isPresent();
        assertThat(store().get(b, "s1")).as("another tenant's, of a thread of the same id").isPresent();
        assertThat(store().forgetThread(a, "thread-x").removed()).as("again").isZero();
        assertThat(store().forgetThread("tenant-never-seen", "thread-x").removed()).isZero();
    }

    @Test
    void aSearchMovesTheAccessTimeOfWhatItReturnsOnly() {
        MemoryWrite hit = new MemoryWrite("hit", a, "ns", "purple elephants dance at noon", "fact", 0.4, null, null, null, Map.of("k", "v"));
        store().put(hit, T0);
        store().put(new MemoryWrite("miss", a, "ns", "tax forms are due in april", "fact", 0.4, null, null, null, Map.of()), T0);
        MemoryRecord before = store().get(a, "hit").orElseThrow();
        Instant later = T0.plus(Duration.ofHours(2));

        List<MemoryHit> hits = store().search(MemoryQuery.text(a, "purple elephants", 1), later);
        settle();

        assertThat(hits).extracting(h -> h.memory().id()).containsExactly("hit");
        assertThat(hits.get(0).memory().accessedAt()).as("a hit shows the memory as it was ranked").isEqualTo(T0);
        MemoryRecord after = store().get(a, "hit").orElseThrow();
        assertThat(after.accessedAt()).isEqualTo(later);
        assertThat(after).isEqualTo(before.accessed(later));
        assertThat(store().get(a, "miss").orElseThrow().accessedAt()).isEqualTo(T0);
    }

    @Test
    void aSearchWithinTouchAfterOrBeforeTheLastAccessLeavesTheAccessTime() {
        store().put(new MemoryWrite("m", a, "ns", "purple elephants dance", "fact", 0.4, null, null, null, Map.of()), T0);
        Instant soon = T0.plus(MemorySettings.DEFAULT_TOUCH_AFTER).minusSeconds(1);
        assertThat(store().search(MemoryQuery.text(a, "purple elephants", 1), soon)).hasSize(1);
        settle();
        assertThat(store().get(a, "m").orElseThrow().accessedAt()).isEqualTo(T0);
        assertThat(store().search(MemoryQuery.text(a, "purple elephants", 1), T0.minus(Duration.ofDays(1)))).hasSize(1);
        settle();
        assertThat(store().get(a, "m").orElseThrow().accessedAt()).as("never backwards").isEqualTo(T0);
    }

    @Test
    void aRecalledMemoryOutranksAnEquallySimilarForgottenOne() {
        // Same content, same importance, two namespaces: equal scores, ties go to the smaller id ("a-…").
        store().put(new MemoryWrite("a-forgotten", a, "x/1", "green tea with honey", "fact", 0.5, null, null, null, Map.of()), T0);
        store().put(new MemoryWrite("z-recalled", a, "x/2", "green tea with honey", "fact", 0.5, null, null, null, Map.of()), T0);
        assertThat(store().search(MemoryQuery.text(a, "green tea", 2), T0)).extracting(h -> h.memory().id())
                .containsExactly("a-forgotten", "z-recalled");
        Instant twoMonths = T0.plus(Duration.ofDays(60));
        store().search(MemoryQuery.text(a, "green tea", 1).under("x/2"), twoMonths.plusSeconds(10));
        settle();
        assertThat(store().search(MemoryQuery.text(a, "green tea", 2), twoMonths.plusSeconds(20))).extracting(h -> h.memory().id())
                .containsExactly("z-recalled", "a-forgotten");
    }

    /** Runs {@code writers} calls at once (released together), each within 60 s; their answers in order. */
    private static <T> List<T> concurrently(int writers, IntFunction<Callable<T>> call) throws Exception {
        ExecutorService pool = Executors.newFixedThreadPool(writers);
        try {
            CountDownLatch start = new CountDownLatch(1);
            List<Future<T>> calls = new ArrayList<>();
            for (int w = 0; w < writers; w++) {
                Callable<T> each = call.apply(w);
                calls.add(pool.submit(() -> {
                    start.await();
                    return each.call();
                }));
            }
            start.countDown();
            List<T> out = new ArrayList<>();
            for (Future<T> f : calls) {
                out.add(f.get(60, TimeUnit.SECONDS));
            }
            return out;
        } finally {
            pool.shutdownNow();
        }
    }

    @Test
    void concurrentNearDuplicatesEndAsOneMemory() throws Exception {
        int writers = 6;
        concurrently(writers, w -> {
            // The same words, so cosine 1, but a different text and so a different default id each time.
            String content = "the user likes green tea" + "!".repeat(w + 1);
            Map<String, String> metadata = Map.of("writer" + w, "yes");
            return () -> store().put(new MemoryWrite(null, a, "prefs", content, "preference", 0.1 * (w + 1), null, null, null, metadata), T0);
        });
        settle();
        List<MemoryHit> hits = store().search(MemoryQuery.text(a, "green tea", 10).under("prefs"), T0);
        assertThat(hits).hasSize(1);
        MemoryRecord survivor = hits.get(0).memory();
        assertThat(survivor.importance()).isEqualTo(0.1 * writers);
        assertThat(survivor.metadata()).hasSize(writers);
    }

    @Test
    void badWritesAndQueriesAreInvalidInput() {
        for (Runnable bad : List.<Runnable>of(
                () -> MemoryWrite.of(a, "../etc", "x"),
                () -> MemoryWrite.of(a, "ns*", "x"),
                () -> MemoryWrite.of("a/b", "ns", "x"),
                () -> MemoryWrite.of(a, "ns", " "),
                () -> MemoryQuery.text(a, "x", 0),
                () -> MemoryQuery.text(a, "x", 5).under("users/*"),
                () -> MemoryQuery.text(a, "x", 5).where(Map.of("a.b", "c")))) {
            assertThatThrownBy(bad::run).isInstanceOfSatisfying(ThreadlineException.class,
                    e -> assertThat(e.code()).isEqualTo(ErrorCode.INVALID_INPUT));
        }
    }

    /** Metadata entries per write within the default limit (MemoryLimits.DEFAULT). */
    private static final int KEYS_PER_PUT = MemorySettings.DEFAULT.limits().maxMetadataKeys();

    private static Map<String, String> keys(String prefix, int count, String value) {
        Map<String, String> out = new HashMap<>();
        for (int i = 0; i < count; i++) {
            out.put(prefix + i, value);
        }
        return out;
    }

    private MemoryWrite fromThread(String tenant, String id, String namespace, String content, String thread, Duration ttl,
                                   Map<String, String> metadata) {
        return new MemoryWrite(id, tenant, namespace, content, "fact", 0.5, ttl, thread, null, metadata);
    }

    @Test
    void forgettingAThreadRemovesEveryMemoryItWroteAndReportsThem() {
        store().put(fromThread(a, "t1-a", "users/1", "likes sailing on lakes", "thread-1", null, Map.of()), T0);
        store().put(fromThread(a, "t1-b", "users/1/work", "works night shifts at the port", "thread-1", null, Map.of()), T0);
        store().put(fromThread(a, "t1-c", "notes", "parked the bicycle downstairs", "thread-1", Duration.ofMinutes(1), Map.of()), T0);
        store().put(fromThread(a, "t2-a", "users/1", "owns a grey parrot", "thread-2", null, Map.of()), T0);
        store().put(fromThread(a, "none", "users/1", "the office closes at six", null, null, Map.of()), T0);
        store().put(fromThread(b, "t1-a", "users/1", "likes sailing on lakes", "thread-1", null, Map.of()), T0);

        MemoryForgetReport report = store().forgetThread(a, "thread-1");

        assertThat(report.tenant()).isEqualTo(a);
        assertThat(report.selection()).isEqualTo("thread=thread-1");
        // Every namespace, the expired one included; in id order.
        assertThat(report.ids()).containsExactly("t1-a", "t1-b", "t1-c");
        assertThat(report.removed()).isEqualTo(3);
        assertThat(store().get(a, "t1-a")).isEmpty();
        assertThat(store().get(a, "t1-c")).isEmpty();
        assertThat(store().get(a, "t2-a")).isPresent();
        assertThat(store().get(a, "none")).isPresent();
        assertThat(store().get(b, "t1-a")).as("another tenant's thread of the same id").isPresent();
        assertThat(contents(store().search(MemoryQuery.text(a, "likes sailing on lakes", 10), T0)))
                .doesNotContain("likes sailing on lakes", "works night shifts at the port");
        assertThat(store().forgetThread(a, "thread-1").ids()).as("idempotent").isEmpty();
    }

    @Test
    void forgettingBySubjectTagRemovesTheMemoriesCarryingIt() {
        store().put(fromThread(a, "s1", "users/7", "is allergic to peanuts", "thread-9", null, Map.of("subject", "u-7", "source", "chat")), T0);
        store().put(fromThread(a, "s2", "billing", "pays by card ending 4242", null, null, Map.of("subject", "u-7")), T0);
        store().put(fromThread(a, "s3", "users/8", "prefers window seats", "thread-9", null, Map.of("subject", "u-8")), T0);
        store().put(fromThread(b, "s1", "users/7", "is allergic to peanuts", null, null, Map.of("subject", "u-7")), T0);

        MemoryForgetReport report = store().forgetWhere(a, Map.of("subject", "u-7"));

        assertThat(report.ids()).containsExactly("s1", "s2");
        assertThat(report.selection()).isEqualTo("metadata subject=u-7");
        assertThat(store().get(a, "s3")).isPresent();
        assertThat(store().get(b, "s1")).isPresent();
        assertThat(store().forgetWhere(a, Map.of("subject", "u-8", "source", "chat")).ids()).as("every entry must match").isEmpty();
        assertThat(store().forgetWhere(a, Map.of("subject", "u-7")).ids()).isEmpty();
    }

    @Test
    void badForgetsAreInvalidInputAndRemoveNothing() {
        store().put(fromThread(a, "kept", "users/1", "likes sailing on lakes", "thread-1", null, Map.of("subject", "u-1")), T0);
        assertInvalid(() -> store().forgetThread(a, "not a thread id!"), "threadId");
        assertInvalid(() -> store().forgetThread(a, null), "threadId");
        assertInvalid(() -> store().forgetThread("bad tenant!", "thread-1"), "tenant");
        assertInvalid(() -> store().forgetWhere(a, Map.of()), "metadata");
        assertInvalid(() -> store().forgetWhere(a, Map.of("bad=key", "x")), "metadata");
        assertThat(store().get(a, "kept")).isPresent();
    }

    @Test
    void aMemoryCarriesItsProvenanceThroughGetSearchAndMerge() {
        MemoryWrite w = new MemoryWrite("p1", a, "users/5", "speaks fluent portuguese", "fact", 0.5, null, "thread-5",
                "01ARZ3NDEKTSV4RRFFQ69G5FAV", 3L, "learn", "effect:2", Map.of());
        store().put(w, T0);
        MemoryRecord r = store().get(a, "p1").orElseThrow();
        assertThat(r.tenant()).isEqualTo(a);
        assertThat(r.sourceThread()).isEqualTo("thread-5");
        assertThat(r.sourceCheckpoint()).isEqualTo("01ARZ3NDEKTSV4RRFFQ69G5FAV");
        assertThat(r.sourceStep()).isEqualTo(3L);
        assertThat(r.sourceNode()).isEqualTo("learn");
        assertThat(r.derivedFrom()).isEqualTo("effect:2");
        MemoryRecord hit = store().search(MemoryQuery.text(a, "fluent portuguese", 1), T0).get(0).memory();
        assertThat(hit.sourceCheckpoint()).isEqualTo("01ARZ3NDEKTSV4RRFFQ69G5FAV");
        assertThat(hit.sourceStep()).isEqualTo(3L);
        assertThat(hit.derivedFrom()).isEqualTo("effect:2");
        // A near-duplicate from another step merges into it: the memory keeps where it first came from.
        PutResult merged = store().put(new MemoryWrite(null, a, "users/5", "speaks fluent portuguese", "fact", 0.9, null, "thread-6",
                "01ARZ3NDEKTSV4RRFFQ69G5FAW", 1L, "other", "input", Map.of()), T0.plusSeconds(5));
        assertThat(merged.merged()).isTrue();
        assertThat(store().get(a, "p1").orElseThrow().sourceThread()).isEqualTo("thread-5");
        assertThat(store().get(a, "p1").orElseThrow().sourceNode()).isEqualTo("learn");
    }

    /** A search hit is the memory as stored, every field (times, expiry, provenance, metadata, validity, corrections). */
    @Test
    void aSearchHitIsTheStoredMemoryFieldForField() {
        store().put(new MemoryWrite("h0", a, "people/eve", "eve lives in rome", "fact", 0.4, null, null, null, Map.of()), T0);
        Instant now = T0.plusSeconds(7).plusNanos(123_456_000);
        store().put(new MemoryWrite("h1", a, "people/eve", "eve lives in oslo since spring", "fact", 0.7, Duration.ofDays(30), "thread-9",
                "01ARZ3NDEKTSV4RRFFQ69G5FAV", 4L, "learn", "effect:1", Map.of("source", "chat", "lang", "en"))
                .superseding(List.of("h0")).validDuring(T0.minusSeconds(3600), T0.plusSeconds(86_400)), now);
        MemoryRecord stored = store().get(a, "h1").orElseThrow();
        List<MemoryHit> hits = store().search(MemoryQuery.text(a, "eve lives in oslo", 10).under("people/eve"), now);
        assertThat(hits).extracting(h -> h.memory().id()).containsExactly("h1");
        assertThat(hits.get(0).memory()).usingRecursiveComparison().ignoringFields("embedding").isEqualTo(stored);
        assertThat(stored.expiresAt()).isEqualTo(now.plus(Duration.ofDays(30)));
        assertThat(stored.supersedes()).containsExactly("h0");
    }

    @Test
    void badProvenanceIsInvalidInput() {
        assertInvalid(() -> new MemoryWrite(null, a, "ns", "x", "fact", 0.5, null, "t", null, 1L, "n", "a model said so", Map.of()),
                "derivedFrom");
        assertInvalid(() -> new MemoryWrite(null, a, "ns", "x", "fact", 0.5, null, "t", null, -1L, "n", "input", Map.of()), "sourceStep");
        assertInvalid(() -> new MemoryWrite(null, a, "ns", "x", "fact", 0.5, null, "not a thread!", null, 1L, "n", "input", Map.of()),
                "sourceThread");
    }

    @Test
    void searchHitsCarryNoEmbeddingAndGetDoes() {
        store().put(new MemoryWrite("v1", a, "ns", "cats purr softly at night", "fact", 0.5, null, null, null, Map.of()), T0);
        MemoryHit hit = store().search(MemoryQuery.text(a, "cats purr", 1), T0).get(0);
        assertThat(hit.memory().embedding()).isEmpty();
        assertThat(hit.similarity()).isBetween(0.0, 1.0001);
        assertThat(store().get(a, "v1").orElseThrow().embedding()).hasSize(WordEmbeddingModel.DIMENSION);
    }

    private static void assertInvalid(Runnable call, String field) {
        assertThatThrownBy(call::run).isInstanceOfSatisfying(ThreadlineException.class, e -> {
            assertThat(e.code()).isEqualTo(ErrorCode.INVALID_INPUT);
            assertThat(e.details()).containsEntry("field", field);
            assertThat(e.getMessage()).contains(field).hasSizeLessThan(400);
        });
    }

    @Test
    void distinctMetadataKeysOfManyTenantsNeverBreakAnotherTenantsWrites() {
        // Over 1,000 distinct keys across puts and two tenants (OpenSearch's default field limit is 1,000: keys
        // that became index fields broke every later write of every tenant).
        int puts = 20;
        for (String tenant : List.of(a, b)) {
            for (int p = 0; p < puts; p++) {
                String prefix = tenant.substring(0, 8).replace('-', '_') + "_p" + p + "_k";
                store().put(new MemoryWrite("keys-" + p, tenant, "bulk", "bulk note number " + p + " zq" + p + "x" + tenant.charAt(7),
                        "fact", 0.5, null, null, null, keys(prefix, KEYS_PER_PUT, "v" + p)), T0);
            }
        }
        assertThat(2 * puts * KEYS_PER_PUT).isGreaterThan(1000);
        String c = "tenant-c-" + a.substring(a.length() - 8);
        PutResult later = store().put(new MemoryWrite("after", c, "notes", "written after all those keys", "fact", 0.5, null, null,
                null, keys("fresh_", KEYS_PER_PUT, "yes")), T0);
        assertThat(later.memory().metadata()).hasSize(KEYS_PER_PUT);
        assertThat(store().get(c, "after")).isPresent();
        // Filters still match exactly, on the first keys written and on the last.
        assertThat(store().search(MemoryQuery.text(a, "bulk note", 10).where(Map.of("tenant_a_p0_k3", "v0")), T0))
                .extracting(h -> h.memory().id()).containsExactly("keys-0");
        assertThat(store().search(MemoryQuery.text(a, "bulk note", 10).where(Map.of("tenant_a_p0_k3", "v1")), T0)).isEmpty();
        assertThat(store().search(MemoryQuery.text(c, "written", 10).where(Map.of("fresh_7", "yes", "fresh_8", "yes")), T0))
                .extracting(h -> h.memory().id()).containsExactly("after");
        assertThat(store().search(MemoryQuery.text(b, "bulk note", 10).where(Map.of("tenant_a_p0_k3", "v0")), T0)).isEmpty();
    }

    @Test
    void writesBeyondTheLimitsAreInvalidInputNamingTheFieldAndStoreNothing() {
        String huge = "x".repeat(40_000);
        Map<String, String> tooMany = keys("k", KEYS_PER_PUT + 1, "v");
        assertInvalid(() -> store().put(new MemoryWrite("many", a, "lim", "too many keys", "fact", 0.5, null, null, null, tooMany), T0),
                "metadata");
        assertInvalid(() -> store().put(new MemoryWrite("value", a, "lim", "an immense value", "fact", 0.5, null, null, null,
                Map.of("big", huge)), T0), "metadata");
        assertInvalid(() -> store().put(new MemoryWrite("kind", a, "lim", "an immense kind", huge, 0.5, null, null, null, Map.of()), T0),
                "kind");
        assertInvalid(() -> store().put(new MemoryWrite("ttl", a, "lim", "an endless ttl", "fact", 0.5,
                Duration.ofSeconds(Long.MAX_VALUE), null, null, Map.of()), T0), "ttl");
        Map<String, String> nullValue = new HashMap<>();
        nullValue.put("k", null);
        assertInvalid(() -> store().put(new MemoryWrite("null", a, "lim", "a null value", "fact", 0.5, null, null, null, nullValue), T0),
                "metadata");
        assertInvalid(() -> store().put(new MemoryWrite("content", a, "lim", huge, "fact", 0.5, null, null, null, Map.of()), T0),
                "content");
        for (String id : List.of("many", "value", "kind", "ttl", "null", "content")) {
            assertThat(store().get(a, id)).as(id).isEmpty();
        }
        assertThat(store().search(MemoryQuery.text(a, "too many keys immense value kind endless ttl null", 10), T0)).isEmpty();

        // At the limits, a write is taken.
        String longest = "é".repeat(MemorySettings.DEFAULT.limits().maxMetadataValueBytes() / 2);
        PutResult atLimits = store().put(new MemoryWrite("edge", a, "lim", "right at every limit", "k".repeat(64), 0.5,
                MemorySettings.DEFAULT.limits().maxTtl(), null, null, keys("k", KEYS_PER_PUT, longest)), T0);
        assertThat(atLimits.memory().expiresAt()).isEqualTo(T0.plus(MemorySettings.DEFAULT.limits().maxTtl()));
        assertThat(store().get(a, "edge").orElseThrow().metadata()).hasSize(KEYS_PER_PUT).containsEntry("k0", longest);
        assertInvalid(() -> store().put(new MemoryWrite("edge2", a, "lim", "one second too long", "fact", 0.5,
                MemorySettings.DEFAULT.limits().maxTtl().plusSeconds(1), null, null, Map.of()), T0), "ttl");
    }

    @Test
    void searchFiltersBeyondTheLimitsAreInvalidInput() {
        assertInvalid(() -> store().search(MemoryQuery.text(a, "x", 5).where(keys("k", KEYS_PER_PUT + 1, "v")), T0), "metadata");
        assertInvalid(() -> store().search(MemoryQuery.text(a, "x", 5).where(Map.of("k", "x".repeat(40_000))), T0), "metadata");
        Map<String, String> nullValue = new HashMap<>();
        nullValue.put("k", null);
        assertInvalid(() -> store().search(MemoryQuery.text(a, "x", 5).where(nullValue), T0), "metadata");
    }

    @Test
    void idsAreCheckedAlikeByPutGetAndDelete() {
        for (String id : List.of("*", "../x", "a#b", "a/b", "", "i".repeat(10_000))) {
            assertInvalid(() -> store().put(new MemoryWrite(id, a, "ns", "some content", "fact", 0.5, null, null, null, Map.of()), T0),
                    "id");
            assertInvalid(() -> store().delete(a, id), "id");
            assertInvalid(() -> store().get(a, id), "id");
        }
        assertInvalid(() -> store().delete(a, null), "id");
    }

    @Test
    void aMergedMemoryKeepsAtMostTheLimitOfMetadataKeysTheNewestFirst() {
        store().put(new MemoryWrite(null, a, "prefs", "the user likes green tea", "preference", 0.3, null, null, null,
                keys("old", KEYS_PER_PUT, "1")), T0);
        PutResult merged = store().put(new MemoryWrite(null, a, "prefs", "The user likes green tea!", "preference", 0.3, null, null,
                null, keys("new", KEYS_PER_PUT - 1, "2")), T0.plusSeconds(1));
        assertThat(merged.merged()).isTrue();
        assertThat(merged.memory().metadata()).hasSize(KEYS_PER_PUT).containsAllEntriesOf(keys("new", KEYS_PER_PUT - 1, "2"))
                .containsEntry("old0", "1");
        assertThat(store().get(a, merged.memory().id()).orElseThrow().metadata()).isEqualTo(merged.memory().metadata());
    }

    // ---- Corrections and validity in time (issue 18) ----

    private MemoryWrite fact(String id, String content) {
        return new MemoryWrite(id, a, "people/ada", content, "fact", 0.5, null, null, null, Map.of());
    }

    @Test
    void aCorrectionSupersedesWhatItCorrectsAndAsOfSeesWhatWasBelievedThen() {
        store().put(fact("city-1", "ada lives in paris"), T0);
        PutResult fix = store().put(fact("city-2", "ada lives in berlin").superseding(List.of("city-1")), T0.plusSeconds(60));
        assertThat(fix.merged()).isFalse();
        assertThat(fix.memory().supersedes()).containsExactly("city-1");
        MemoryRecord old = store().get(a, "city-1").orElseThrow();
        assertThat(old.supersededBy()).isEqualTo("city-2");
        assertThat(old.supersededAt()).isEqualTo(T0.plusSeconds(60));
        Instant now = T0.plusSeconds(120);
        // Recalled: the correction only.
        assertThat(contents(store().search(MemoryQuery.text(a, "where does ada live", 10), now))).containsExactly("ada lives in berlin");
        // As of before the correction: what was believed then; before anything was written: nothing.
        assertThat(contents(store().search(MemoryQuery.text(a, "where does ada live", 10).asOf(T0.plusSeconds(30)), now)))
                .containsExactly("ada lives in paris");
        assertThat(store().search(MemoryQuery.text(a, "where does ada live", 10).asOf(T0.minusSeconds(1)), now)).isEmpty();
        assertThat(contents(store().search(MemoryQuery.text(a, "where does ada live", 10).asOf(T0.plusSeconds(60)), now)))
                .containsExactly("ada lives in berlin");
        // Applying the correction again changes nothing; replaying the superseded memory's own write does not revive it.
        store().put(fact("city-2", "ada lives in berlin").superseding(List.of("city-1")), T0.plusSeconds(90));
        store().put(fact("city-1", "ada lives in paris"), T0.plusSeconds(100));
        assertThat(store().get(a, "city-1").orElseThrow().supersededAt()).isEqualTo(T0.plusSeconds(60));
        assertThat(contents(store().search(MemoryQuery.text(a, "where does ada live", 10), now))).containsExactly("ada lives in berlin");
        // Another tenant sees none of it, and cannot supersede it.
        assertThat(store().search(MemoryQuery.text(b, "where does ada live", 10).asOf(T0.plusSeconds(30)), now)).isEmpty();
        assertInvalid(() -> store().put(new MemoryWrite("x", b, "people/ada", "ada lives in rome", "fact", 0.5, null, null, null, Map.of())
                .superseding(List.of("city-2")), now), "supersedes");
    }

    @Test
    void aCorrectionIsNeverMergedIntoWhatItCorrectsNorASupersededMemoryIntoAnything() {
        store().put(fact("tea-1", "ada likes green tea"), T0);
        // As close as a near-duplicate, but a correction: its own memory.
        PutResult fix = store().put(fact("tea-2", "ada likes green tea!").superseding(List.of("tea-1")), T0.plusSeconds(1));
        assertThat(fix.merged()).isFalse();
        assertThat(fix.memory().id()).isEqualTo("tea-2");
        // A later near-duplicate merges into the current one, not the superseded one.
        PutResult again = store().put(fact(null, "Ada likes green tea"), T0.plusSeconds(2));
        assertThat(again.merged()).isTrue();
        assertThat(again.memory().id()).isEqualTo("tea-2");
    }

    @Test
    void historyReadsTheChainOfCorrectionsOldestFirst() {
        store().put(fact("job-1", "ada works as a clerk"), T0);
        store().put(fact("job-2", "ada works as a programmer").superseding(List.of("job-1")), T0.plusSeconds(10));
        store().put(fact("job-3", "ada works as a mathematician").superseding(List.of("job-2")), T0.plusSeconds(20));
        store().put(fact("pet", "ada has a cat named byron"), T0);
        for (String id : List.of("job-1", "job-2", "job-3")) {
            List<MemoryRecord> chain = store().history(a, id);
            assertThat(chain).extracting(MemoryRecord::id).containsExactly("job-1", "job-2", "job-3");
            assertThat(chain).allSatisfy(r -> assertThat(r.embedding()).isEmpty());
        }
        assertThat(store().history(a, "job-1").get(0).supersededBy()).isEqualTo("job-2");
        assertThat(store().history(a, "pet")).extracting(MemoryRecord::id).containsExactly("pet");
        assertThat(store().history(a, "never-written")).isEmpty();
        assertThat(store().history(b, "job-2")).isEmpty();
        assertInvalid(() -> store().history(a, "bad id"), "id");
    }

    @Test
    void badCorrectionsAreInvalidInputAndChangeNothing() {
        store().put(fact("f1", "ada was born in london"), T0);
        store().put(fact("f2", "ada was born in london in 1815").superseding(List.of("f1")), T0.plusSeconds(1));
        // Unknown, already superseded by another, its own id, a bad id: refused before anything is written.
        assertInvalid(() -> store().put(fact("f3", "ada was born in england").superseding(List.of("nope")), T0.plusSeconds(2)), "supersedes");
        assertInvalid(() -> store().put(fact("f3", "ada was born in england").superseding(List.of("f2", "f1")), T0.plusSeconds(2)),
                "supersedes");
        assertInvalid(() -> store().put(fact("f3", "ada was born in england").superseding(List.of("f3")), T0.plusSeconds(2)), "supersedes");
        assertInvalid(() -> store().put(fact("f3", "ada was born in england").superseding(List.of("bad id")), T0.plusSeconds(2)),
                "supersedes");
        assertInvalid(() -> store().put(fact("f3", "ada was born in england").validDuring(T0, T0), T0.plusSeconds(2)), "validTo");
        assertThat(store().get(a, "f3")).isEmpty();
        assertThat(store().get(a, "f2").orElseThrow().supersededBy()).isNull();
        assertThat(store().get(a, "f1").orElseThrow().supersededBy()).isEqualTo("f2");
    }

    @Test
    void validityInTimeIsKeptAndRecallCanAskWhatHoldsAtAnInstant() {
        Instant y1990 = Instant.parse("1990-01-01T00:00:00Z");
        Instant y2000 = Instant.parse("2000-01-01T00:00:00Z");
        store().put(fact("ceo-1", "the ceo of acme is alice").validDuring(y1990, y2000), T0);
        store().put(fact("ceo-2", "the ceo of acme is bob").validDuring(y2000, null), T0);
        MemoryRecord r = store().get(a, "ceo-1").orElseThrow();
        assertThat(r.validFrom()).isEqualTo(y1990);
        assertThat(r.validTo()).isEqualTo(y2000);
        MemoryQuery who = MemoryQuery.text(a, "who is the ceo of acme", 10);
        assertThat(contents(store().search(who, T0))).containsExactlyInAnyOrder("the ceo of acme is alice", "the ceo of acme is bob");
        assertThat(contents(store().search(who.validAt(Instant.parse("1995-06-01T00:00:00Z")), T0))).containsExactly("the ceo of acme is alice");
        // validTo is exclusive, validFrom inclusive.
        assertThat(contents(store().search(who.validAt(y2000), T0))).containsExactly("the ceo of acme is bob");
        assertThat(store().search(who.validAt(Instant.parse("1980-01-01T00:00:00Z")), T0)).isEmpty();
        // The same text with another validity is another fact, not a near-duplicate.
        assertThat(store().put(fact(null, "the ceo of acme is alice").validDuring(Instant.parse("2020-01-01T00:00:00Z"), null), T0)
                .merged()).isFalse();
        assertThat(store().put(fact(null, "The ceo of acme is alice!").validDuring(y1990, y2000), T0).merged()).isTrue();
    }

    @Test
    void pruningCapsCurrentMemoriesAndKeepsSupersededOnesForAudit() {
        store().put(new MemoryWrite("old", a, "ns", "the sky is green", "fact", 0.1, null, null, null, Map.of()), T0);
        store().put(new MemoryWrite("new", a, "ns", "the sky is blue", "fact", 0.9, null, null, null, Map.of()).superseding(List.of("old")),
                T0.plusSeconds(1));
        store().put(new MemoryWrite("other", a, "ns", "grass grows slowly", "fact", 0.2, null, null, null, Map.of()), T0);
        MemoryPruneReport report = store().prune(a, 1, T0.plusSeconds(2));
        assertThat(report.overCapIds()).containsExactly("other");
        assertThat(store().get(a, "old")).isPresent();
        assertThat(store().history(a, "new")).extracting(MemoryRecord::id).containsExactly("old", "new");
    }

    @Test
    void aBatchHasTheOutcomeOfOnePutAfterAnother() {
        PutResult tea = store().put(new MemoryWrite(null, a, "prefs", "the user likes green tea", "preference", 0.3, null, null, null,
                Map.of("n", "1")), T0);
        store().put(new MemoryWrite("same", a, "ns", "first version", "fact", 0.5, null, null, null, Map.of()), T0);
        Instant now = T0.plusSeconds(60);
        List<PutResult> results = store().putAll(List.of(
                write(a, "notes", "cats purr softly at night"),
                new MemoryWrite(null, a, "prefs", "the user LIKES green tea!", "preference", 0.9, null, null, null, Map.of("m", "2")),
                new MemoryWrite("same", a, "ns", "second version", "fact", 0.5, null, null, null, Map.of()),
                new MemoryWrite("dog", a, "notes", "dogs bark loudly at the mailman", "fact", 0.5, null, null, null, Map.of()),
                write(a, "notes", "Cats purr softly at night!"),
                write(a, "other", "the user likes green tea"),
                fact("city-1", "ada lives in paris"),
                fact("city-2", "ada lives in berlin").superseding(List.of("city-1")),
                new MemoryWrite("dog", a, "notes", "dogs bark at the postman", "fact", 0.5, null, null, null, Map.of()),
                new MemoryWrite("tea-valid", a, "prefs", "the user likes green tea", "preference", 0.5, null, null, null, Map.of())
                        .validDuring(T0, null),
                write(b, "prefs", "the user likes green tea")), now);
        assertThat(results).extracting(PutResult::merged)
                .containsExactly(false, true, false, false, true, false, false, false, false, false, false);
        // Merged into the memory stored before, and into the batch's own earlier write.
        assertThat(results.get(1).memory().id()).isEqualTo(tea.memory().id());
        assertThat(results.get(1).memory().importance()).isEqualTo(0.9);
        assertThat(results.get(1).memory().metadata()).containsEntry("n", "1").containsEntry("m", "2");
        assertThat(results.get(4).memory().id()).isEqualTo(results.get(0).memory().id());
        // A known id replaced (created when first written), the same id twice: the later wins.
        assertThat(store().get(a, "same").orElseThrow().content()).isEqualTo("second version");
        assertThat(store().get(a, "same").orElseThrow().createdAt()).isEqualTo(T0);
        assertThat(store().get(a, "dog").orElseThrow().content()).isEqualTo("dogs bark at the postman");
        // A correction supersedes an earlier write of the same batch.
        assertThat(store().get(a, "city-1").orElseThrow().supersededBy()).isEqualTo("city-2");
        assertThat(contents(store().search(MemoryQuery.text(a, "where does ada live", 10).under("people/ada"), now)))
                .containsExactly("ada lives in berlin");
        // Every result is what the store holds.
        for (PutResult r : results) {
            assertThat(store().get(r.memory().tenant(), r.memory().id())).isPresent();
        }
        assertThat(store().search(MemoryQuery.text(a, "cats purr", 10).under("notes").atLeast(0.5), now)).hasSize(1);
        assertThat(store().search(MemoryQuery.text(a, "green tea", 10).under("prefs").atLeast(0.5), now)).hasSize(2);
        assertThat(store().search(MemoryQuery.text(b, "green tea", 10), now)).hasSize(1);
        // Writing the same batch again is idempotent: nothing new.
        store().putAll(List.of(write(a, "notes", "cats purr softly at night"), write(a, "notes", "Cats purr softly at night!")), now);
        assertThat(store().search(MemoryQuery.text(a, "cats purr", 10).under("notes").atLeast(0.5), now)).hasSize(1);
        assertThat(store().putAll(List.of(), now)).isEmpty();
    }

    @Test
    void aBatchWithABadWriteIsRefusedBeforeAnyIsWritten() {
        MemoryWrite good = new MemoryWrite("good", a, "ns", "a good memory", "fact", 0.5, null, null, null, Map.of());
        MemoryWrite tooMany = new MemoryWrite("bad", a, "ns", "too much metadata", "fact", 0.5, null, null, null,
                keys("k", KEYS_PER_PUT + 1, "v"));
        assertInvalid(() -> store().putAll(List.of(good, tooMany), T0), "metadata");
        assertInvalid(() -> store().putAll(null, T0), "writes");
        assertInvalid(() -> store().putAll(Arrays.asList(good, null), T0), "writes");
        assertThat(store().get(a, "good")).isEmpty();
    }

    @Test
    void concurrentBatchesOfNearDuplicatesEndAsOneMemoryEach() throws Exception {
        int writers = 4;
        List<List<PutResult>> batches = concurrently(writers, w -> {
            String bang = "!".repeat(w + 1);
            double importance = 0.1 * (w + 1);
            return () -> store().putAll(List.of(
                    new MemoryWrite(null, a, "prefs", "the user likes green tea" + bang, "preference", importance, null, null, null, Map.of()),
                    new MemoryWrite(null, a, "prefs", "the user hates loud music" + bang, "preference", importance, null, null, null, Map.of())),
                    T0);
        });
        assertThat(batches).allSatisfy(results -> assertThat(results).hasSize(2));
        settle();
        for (String query : List.of("green tea", "loud music")) {
            List<MemoryHit> hits = store().search(MemoryQuery.text(a, query, 10).under("prefs").atLeast(0.5), T0);
            assertThat(hits).as(query).hasSize(1);
            assertThat(hits.get(0).memory().importance()).isEqualTo(0.1 * writers);
        }
    }

    @Test
    void concurrentPutsAndBatchesOfNearDuplicatesEndAsOneMemory() throws Exception {
        int writers = 4;
        concurrently(writers, w -> {
            MemoryWrite write = new MemoryWrite(null, a, "prefs", "the user likes green tea" + "!".repeat(w + 1), "preference", 0.1 * (w + 1),
                    null, null, null, Map.of());
            // Half write one at a time, half in a batch: both kinds of writer must see each other.
            Callable<List<PutResult>> call = w % 2 == 0 ? () -> List.of(store().put(write, T0))
                    : () -> store().putAll(List.of(write, new MemoryWrite(null, a, "other", "an unrelated fact " + w, "fact", 0.5, null,
                            null, null, Map.of())), T0);
            return call;
        });
        settle();
        List<MemoryHit> hits = store().search(MemoryQuery.text(a, "green tea", 10).under("prefs"), T0);
        assertThat(hits).hasSize(1);
        assertThat(hits.get(0).memory().importance()).isEqualTo(0.1 * writers);
    }
}
