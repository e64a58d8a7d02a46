package io.threadline.api;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.MapperFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.json.JsonMapper;
import io.threadline.ErrorCode;
import io.threadline.ThreadlineException;
import io.threadline.checkpoint.CheckpointStore;
import io.threadline.checkpoint.ThreadDeletion;
import io.threadline.checkpoint.ThreadKey;
import io.threadline.checkpoint.ThreadPage;
import io.threadline.checkpoint.ThreadQuery;
import io.threadline.checkpoint.ThreadSummary;
import io.threadline.memory.MemoryStore;

import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.time.Clock;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.function.BiFunction;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;

/**
 * Erases a data subject from one tenant: every thread that carries the subject's tag ({@code user=42}, README
 * "Finding threads") is deleted whole — checkpoints, head, pending effects, idempotency records, outbox markers, its
 * data key, the memories its steps wrote — and then every memory whose metadata carries the same entry.
 *
 * <p>Bounded: the threads are read a page at a time ({@code pageSize}) and at most {@code maxThreads} are deleted per
 * call; a call that stops there answers {@code complete: false}, and the next call goes on (deleted threads are no
 * longer listed, so a call needs no cursor of the last one). Resumable: a call cut short (a failure, a timeout)
 * has changed only whole threads or threads a repeated delete finishes; calling again completes the erasure.
 *
 * <p>The report keeps what an audit needs and none of the data: counts by kind, the ids removed, the subject's tag
 * key with an HMAC of its value (not the value), when, and an HMAC-SHA256 signature (hex) over the report's
 * canonical JSON — the report without {@code signature}, keys sorted, no whitespace — with the key
 * {@code threadline.erase.report-key} (README "Erasing a data subject" says how to verify it).
 */
final class SubjectErasure {

    /** The signed part of a report: what {@link Report#signature()} covers. */
    record Signed(String tenant, String subjectKey, String subjectDigest, String erasedAt, boolean complete,
                  Map<String, Long> removed, List<String> threadIds, List<String> memoryIds) {}

    /** An erasure's report: {@link Signed}'s fields and the signature. */
    record Report(String tenant, String subjectKey, String subjectDigest, String erasedAt, boolean complete,
                  Map<String, Long> removed, List<String> threadIds, List<String> memoryIds, String signature) {}

    private static final ObjectMapper CANONICAL = JsonMapper.builder()
            .enable(MapperFeature.SORT_PROPERTIES_ALPHABETICALLY)
            .enable(SerializationFeature.ORDER_MAP_ENTRIES_BY_KEYS)
            .build();
    /** Shortest report key: HMAC-SHA256's own block of security. */
    static final int MIN_KEY_BYTES = 32;

    /**
     * How an erasure runs ({@code threadline.erase.*}): the reports' HMAC key, the listing's page size, the threads
     * deleted per call, and whether deletes cut by earlier releases are looked for too
     * ({@link CheckpointStore#unfinishedDeletes(String, Map, int, boolean)}). {@code MISCONFIGURED} when the key is
     * shorter than {@value #MIN_KEY_BYTES} bytes or a bound is out of range, before anything is read.
     */
    record Settings(byte[] reportKey, int pageSize, int maxThreads, boolean legacyTombstoneScan) {

        Settings {
            if (reportKey == null || reportKey.length < MIN_KEY_BYTES) {
                throw new ThreadlineException(ErrorCode.MISCONFIGURED, "erase signs its report with threadline.erase.report-key, which"
                        + " must be at least " + MIN_KEY_BYTES + " bytes in base64 (openssl rand -base64 32)",
                        Map.of("key", "threadline.erase.report-key"));
            }
            if (pageSize < 1 || pageSize > ThreadQuery.MAX_LIMIT || maxThreads < 1) {
                throw new ThreadlineException(ErrorCode.MISCONFIGURED, "threadline.erase.page-size must be 1-" + ThreadQuery.MAX_LIMIT
                        + " and threadline.erase.max-threads-per-call at least 1", Map.of("key", "threadline.erase.page-size"));
            }
            reportKey = reportKey.clone();
        }

        /** Without the scan for deletes cut by earlier releases. */
        Settings(byte[] reportKey, int pageSize, int maxThreads) {
            this(reportKey, pageSize, maxThreads, false);
        }
    }

    private final CheckpointStore store;
    private final MemoryStore memory;
    private final BiFunction<String, ThreadSummary, Map<String, Long>> deleter;
    private final Clock clock;
    private final Settings settings;

    /**
     * @param store    the store whose listing finds the subject's threads
     * @param memory   the memory store, or {@code null} when the deployment has none
     * @param deleter  deletes one listed thread whole (the memories its steps wrote included), answering what it
     *                 removed by kind: the runtime of the thread's agent, so its caches forget the thread too
     *                 ({@link #storeDeleter} where no runtime serves it)
     */
    SubjectErasure(CheckpointStore store, MemoryStore memory, BiFunction<String, ThreadSummary, Map<String, Long>> deleter,
                   Clock clock, Settings settings) {
        this.store = store;
        this.memory = memory;
        this.deleter = deleter;
        this.clock = clock;
        this.settings = settings;
    }

    /** Deletes a thread of {@code tenant} in the store and its memories: for threads no served agent's runtime holds. */
    static BiFunction<String, ThreadSummary, Map<String, Long>> storeDeleter(CheckpointStore store, MemoryStore memory) {
        return (tenant, listed) -> {
            ThreadDeletion deletion = store.delete(ThreadKey.of(tenant, listed.threadId()));
            Map<String, Long> removed = new TreeMap<>(deletion.byKind());
            removed.put("memories", memory == null ? 0L : memory.forgetThread(tenant, listed.threadId()).removed());
            return removed;
        };
    }

    /** The subject given as one tag, {@code {"user": "42"}}; anything else is INVALID_INPUT and erases nothing. */
    static Map.Entry<String, String> subjectOf(Map<String, String> subject) {
        if (subject == null || subject.size() != 1) {
            throw new ThreadlineException(ErrorCode.INVALID_INPUT, "subject must be exactly one tag, e.g. {\"user\": \"42\"}: the tag"
                    + " the subject's threads carry", Map.of("field", "subject"));
        }
        Map.Entry<String, String> tag = subject.entrySet().iterator().next();
        if (tag.getValue() == null || tag.getValue().isBlank()) {
            throw new ThreadlineException(ErrorCode.INVALID_INPUT, "subject's tag value cannot be empty", Map.of("field", "subject"));
        }
        // The listing's own rules for tag keys and values, before anything is deleted.
        ThreadQuery.tagged(tag.getKey(), tag.getValue(), 1);
        return tag;
    }

    /** Erases {@code subject} from {@code tenant}, up to {@code maxThreads} threads; the signed report of this call. */
    Report erase(String tenant, Map<String, String> subject) {
        Map.Entry<String, String> tag = subjectOf(subject);
        Map<String, Long> removed = new TreeMap<>();
        List<String> threadIds = new ArrayList<>();
        boolean complete = deleteThreads(tenant, tag, removed, threadIds);
        List<String> memoryIds = new ArrayList<>();
        if (memory != null) {
            memoryIds.addAll(memory.forgetWhere(tenant, Map.of(tag.getKey(), tag.getValue())).ids());
        }
        removed.merge("memories", (long) memoryIds.size(), Long::sum);
        removed.put("threads", (long) threadIds.size());
        Signed signed = new Signed(tenant, tag.getKey(), hmac(tag.getKey() + "=" + tag.getValue()), clock.instant().toString(),
                complete, removed, List.copyOf(threadIds), List.copyOf(memoryIds));
        return new Report(signed.tenant(), signed.subjectKey(), signed.subjectDigest(), signed.erasedAt(), signed.complete(),
                signed.removed(), signed.threadIds(), signed.memoryIds(), sign(signed));
    }

    /** Deletes the subject's threads page by page; whether none is left (false: the call's budget ran out first). */
    private boolean deleteThreads(String tenant, Map.Entry<String, String> tag, Map<String, Long> removed, List<String> threadIds) {
        // First the threads an earlier call's delete closed and did not finish: the listing no longer shows them.
        for (ThreadSummary closed : store.unfinishedDeletes(tenant, Map.of(tag.getKey(), tag.getValue()), settings.maxThreads(), settings.legacyTombstoneScan())) {
            deleter.apply(tenant, closed).forEach((kind, n) -> removed.merge(kind, n, Long::sum));
            threadIds.add(closed.threadId());
        }
        ThreadQuery query = ThreadQuery.tagged(tag.getKey(), tag.getValue(), settings.pageSize());
        while (true) {
            ThreadPage page = store.threads(tenant, query);
            for (ThreadSummary listed : page.threads()) {
                if (threadIds.size() == settings.maxThreads()) {
                    return false;
                }
                deleter.apply(tenant, listed).forEach((kind, n) -> removed.merge(kind, n, Long::sum));
                threadIds.add(listed.threadId());
            }
            if (page.nextCursor() == null) {
                return true;
            }
            query = query.after(page.nextCursor());
        }
    }

    /** The report's signature: HMAC-SHA256 (hex) of its canonical JSON. */
    String sign(Signed signed) {
        try {
            return hmac(CANONICAL.writeValueAsString(signed));
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("an erasure report did not serialise", e);
        }
    }

    /** The canonical JSON a report's signature covers (for tests and verifiers). */
    static String canonical(Signed signed) throws JsonProcessingException {
        return CANONICAL.writeValueAsString(signed);
    }

    private String hmac(String text) {
        try {
            Mac mac = Mac.getInstance("HmacSHA256");
            mac.init(new SecretKeySpec(settings.reportKey(), "HmacSHA256"));
            return HexFormat.of().formatHex(mac.doFinal(text.getBytes(StandardCharsets.UTF_8)));
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("HmacSHA256 is missing from this JVM", e);
        }
    }
}
