package io.threadline.memory.opensearch;

import org.opensearch.client.opensearch.OpenSearchAsyncClient;
import org.opensearch.client.opensearch.core.BulkResponse;
import org.opensearch.client.opensearch.core.bulk.BulkOperation;
import org.opensearch.client.opensearch.core.bulk.BulkResponseItem;

import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.logging.Level;
import java.util.logging.Logger;

/**
 * Moves the access time of the memories a search returned: one bulk request of partial updates, each
 * conditional on the document version the search ranked ({@code if_seq_no}/{@code if_primary_term}), so a
 * touch never overwrites a write that came in between, never moves the time backwards past one, and never
 * brings back a deleted memory. No refresh: a realtime GET sees it at once, searches after the next refresh.
 *
 * <p>Sent without waiting for the answer (the HTTP client's own I/O thread carries it), so a search costs no
 * extra round trip. Access time is a ranking hint: a touch that fails is logged and dropped, and one cut off
 * by a frozen Lambda environment is simply lost.
 */
final class AccessTouches {

    private static final Logger LOG = Logger.getLogger(AccessTouches.class.getName());

    /** A document as a search saw it. */
    record Seen(String docId, long seqNo, long primaryTerm) {}

    private AccessTouches() {
    }

    /**
     * Sends the touches; the future completes (never exceptionally) with how many documents were touched — the
     * others changed or went away since they were seen, or the node failed.
     */
    static CompletableFuture<Integer> touch(OpenSearchAsyncClient client, String index, List<Seen> seen, Instant now) {
        if (seen.isEmpty()) {
            return CompletableFuture.completedFuture(0);
        }
        Map<String, String> partial = Map.of("accessedAt", now.toString());
        List<BulkOperation> ops = new ArrayList<>(seen.size());
        for (Seen s : seen) {
            ops.add(BulkOperation.of(o -> o.update(u -> u.index(index).id(s.docId()).ifSeqNo(s.seqNo()).ifPrimaryTerm(s.primaryTerm())
                    .document(partial))));
        }
        CompletableFuture<BulkResponse> sent;
        try {
            sent = client.bulk(b -> b.operations(ops));
        } catch (Exception e) {
            sent = CompletableFuture.failedFuture(e);
        }
        return sent.handle((response, failure) -> {
            if (failure != null) {
                LOG.log(Level.WARNING, "could not move the access time of {0} recalled memories: {1}",
                        new Object[] {seen.size(), failure.getMessage()});
                return 0;
            }
            int touched = 0;
            for (BulkResponseItem item : response.items()) {
                if (item.error() == null) {
                    touched++;
                } else if (item.status() != 404 && item.status() != 409) {
                    // 404: deleted since the search; 409: rewritten since (that write set its own access time).
                    LOG.log(Level.WARNING, "could not move the access time of memory {0}: {1}",
                            new Object[] {item.id(), item.error().reason()});
                }
            }
            return touched;
        });
    }
}
