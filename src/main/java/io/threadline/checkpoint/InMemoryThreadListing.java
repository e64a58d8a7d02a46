package io.threadline.checkpoint;

import io.threadline.ThreadlineException;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.PriorityQueue;
import java.util.TreeMap;

/**
 * The listings of {@link InMemoryCheckpointStore}: a tenant's threads in listing order and the scan over every
 * thread's head. The store is in memory, so there is no index to keep: each page walks every thread once and keeps
 * only the matching ones it answers, never a copy of the whole key set.
 */
final class InMemoryThreadListing {

    private static final String CURSOR_PREFIX = "mem1:";
    private static final Comparator<ThreadKey> KEY_ORDER = Comparator.comparing(ThreadKey::tenant).thenComparing(ThreadKey::threadId);

    private final InMemoryThreadLogs logs;

    InMemoryThreadListing(InMemoryThreadLogs logs) {
        this.logs = logs;
    }

    /** The tenant's threads that match, in listing order; memory is bounded by the page. */
    ThreadPage threads(String tenant, ThreadQuery query) {
        ThreadCursor after = query.cursor() == null ? null : ThreadCursor.parse(query.cursor());
        TreeMap<ThreadCursor, ThreadSummary> ordered = new TreeMap<>();
        logs.forEach((key, log) -> {
            if (!key.tenant().equals(tenant)) {
                return;
            }
            ThreadSummary summary = log.summary();
            if (summary == null) {
                return;
            }
            ThreadCursor position = new ThreadCursor(summary.updatedAt().toEpochMilli(), summary.threadId());
            if ((after == null || position.compareTo(after) > 0) && query.matches(summary)) {
                ordered.put(position, summary);
                if (ordered.size() > query.limit() + 1) {
                    ordered.pollLastEntry();
                }
            }
        });
        List<ThreadSummary> page = new ArrayList<>(query.limit());
        ThreadCursor last = null;
        for (Map.Entry<ThreadCursor, ThreadSummary> e : ordered.entrySet()) {
            if (page.size() == query.limit()) {
                return new ThreadPage(page, last.encode());
            }
            page.add(e.getValue());
            last = e.getKey();
        }
        return new ThreadPage(page, null);
    }

    /** Threads in (tenant, thread id) order with their heads; the cursor is the last thread returned. */
    HeadPage scanHeads(HeadScan scan) {
        ThreadKey after = scan.cursor() == null ? null : scanCursor(scan);
        // The limit smallest keys after the cursor: a max-heap of at most limit keys.
        PriorityQueue<ThreadKey> page = new PriorityQueue<>(KEY_ORDER.reversed());
        for (ThreadKey key : logs.keys()) {
            if ((scan.tenant() != null && !scan.tenant().equals(key.tenant())) || (after != null && KEY_ORDER.compare(key, after) <= 0)) {
                continue;
            }
            page.add(key);
            if (page.size() > scan.limit()) {
                page.poll();
            }
        }
        List<ThreadKey> keys = new ArrayList<>(page);
        keys.sort(KEY_ORDER);
        List<HeadPage.Entry> heads = new ArrayList<>(keys.size());
        for (ThreadKey key : keys) {
            logs.read(key, InMemoryThreadLog::headOrNull).ifPresent(head -> heads.add(new HeadPage.Entry(key, head)));
        }
        ThreadKey last = keys.isEmpty() ? null : keys.get(keys.size() - 1);
        String next = keys.size() < scan.limit() ? null : CURSOR_PREFIX + last.tenant() + "/" + last.threadId();
        return new HeadPage(heads, next);
    }

    private static ThreadKey scanCursor(HeadScan scan) {
        String cursor = scan.cursor();
        int slash = cursor.indexOf('/');
        if (!cursor.startsWith(CURSOR_PREFIX) || slash < 0) {
            throw scan.badCursor();
        }
        ThreadKey key;
        try {
            key = ThreadKey.of(cursor.substring(CURSOR_PREFIX.length(), slash), cursor.substring(slash + 1));
        } catch (ThreadlineException e) {
            throw scan.badCursor();
        }
        if (scan.tenant() != null && !scan.tenant().equals(key.tenant())) {
            throw scan.badCursor();
        }
        return key;
    }
}
