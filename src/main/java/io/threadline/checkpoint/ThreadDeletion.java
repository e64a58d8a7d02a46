package io.threadline.checkpoint;

import io.threadline.ErrorCode;
import io.threadline.ThreadlineException;

import java.util.LinkedHashMap;
import java.util.Map;

/**
 * What {@link CheckpointStore#delete} removed, by kind of stored item. Counts are items as the store keeps
 * them, but for checkpoints, counted one a checkpoint however they are stored (a store that packs several into one
 * item counts each); a thread that did not exist (or was deleted already) reports zeros, so a repeated delete is a
 * no-op that still answers.
 *
 * @param checkpoints        checkpoints (snapshots and deltas), one each, whether in an item of their own or a pack
 * @param chunks             parts of checkpoints larger than one item
 * @param heads              the thread's head (1 if the thread existed)
 * @param pendingEffects     effects of a step in progress (durability SYNC), parts included
 * @param idempotencyRecords remembered idempotency keys
 * @param outboxMarkers      markers of checkpoints whose memory writes were not acknowledged yet
 * @param other              items of kinds this store version does not name (written by a newer version)
 * @param dataKeys           the thread's data key, when its checkpoints were encrypted (deleting it is crypto-shredding)
 */
public record ThreadDeletion(long checkpoints, long chunks, long heads, long pendingEffects, long idempotencyRecords,
                             long outboxMarkers, long other, long dataKeys) {

    /** Nothing was there. */
    public static final ThreadDeletion NONE = new ThreadDeletion(0, 0, 0, 0, 0, 0, 0, 0);

    /** A store's report, before any data key is counted. */
    public ThreadDeletion(long checkpoints, long chunks, long heads, long pendingEffects, long idempotencyRecords,
                          long outboxMarkers, long other) {
        this(checkpoints, chunks, heads, pendingEffects, idempotencyRecords, outboxMarkers, other, 0);
    }

    /** This report with the thread's data key counted. */
    public ThreadDeletion withDataKeys(long keys) {
        return new ThreadDeletion(checkpoints, chunks, heads, pendingEffects, idempotencyRecords, outboxMarkers, other, keys);
    }

    /** Whether the thread had a head, i.e. existed as a thread, before the delete. */
    public boolean existed() {
        return heads > 0;
    }

    /** Everything counted: the items removed, but for packed checkpoints, each counted once (see {@link #checkpoints}). */
    public long total() {
        return checkpoints + chunks + heads + pendingEffects + idempotencyRecords + outboxMarkers + other + dataKeys;
    }

    /** The counts by kind, in a stable order (the API's {@code removed}). */
    public Map<String, Long> byKind() {
        Map<String, Long> out = new LinkedHashMap<>();
        out.put("checkpoints", checkpoints);
        out.put("chunks", chunks);
        out.put("heads", heads);
        out.put("pendingEffects", pendingEffects);
        out.put("idempotencyRecords", idempotencyRecords);
        out.put("outboxMarkers", outboxMarkers);
        out.put("other", other);
        out.put("dataKeys", dataKeys);
        return out;
    }

    /** This report plus another (a delete resumed after an earlier, interrupted one). */
    public ThreadDeletion plus(ThreadDeletion o) {
        return new ThreadDeletion(checkpoints + o.checkpoints, chunks + o.chunks, heads + o.heads, pendingEffects + o.pendingEffects,
                idempotencyRecords + o.idempotencyRecords, outboxMarkers + o.outboxMarkers, other + o.other, dataKeys + o.dataKeys);
    }

    /** The refusal of a commit to a thread a delete has closed. */
    public static ThreadlineException closed(ThreadKey thread) {
        return new ThreadlineException(ErrorCode.THREAD_DELETED, "thread " + thread.threadId()
                + " is being deleted: nothing can be committed to it until the delete is done (a delete that was"
                + " interrupted is finished by running it again); then the id starts a new thread",
                Map.of("thread", thread.threadId()));
    }
}
