package io.threadline.telemetry;

import io.opentelemetry.api.common.Attributes;
import io.opentelemetry.api.trace.Span;
import io.opentelemetry.api.trace.Tracer;
import io.opentelemetry.context.Context;
import io.threadline.checkpoint.Checkpoint;
import io.threadline.checkpoint.CheckpointChain;
import io.threadline.checkpoint.CheckpointId;
import io.threadline.checkpoint.CheckpointStore;
import io.threadline.checkpoint.Commit;
import io.threadline.checkpoint.CommitResult;
import io.threadline.checkpoint.PendingEffect;
import io.threadline.checkpoint.HeadPage;
import io.threadline.checkpoint.HeadScan;
import io.threadline.checkpoint.HistoryPage;
import io.threadline.checkpoint.HistoryQuery;
import io.threadline.checkpoint.PruneReport;
import io.threadline.checkpoint.RetentionPolicy;
import io.threadline.checkpoint.ThreadHead;
import io.threadline.checkpoint.ThreadDeletion;
import io.threadline.checkpoint.ThreadKey;
import io.threadline.checkpoint.ThreadTags;
import io.threadline.checkpoint.ThreadQuery;
import io.threadline.checkpoint.ThreadSummary;
import io.threadline.checkpoint.ThreadPage;

import java.time.Duration;
import java.time.Instant;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.Function;

/**
 * A {@link CheckpointStore} that puts each call in a span ({@code checkpoint.load}, {@code checkpoint.commit},
 * …) and measures what is loaded and written. Everything else is the wrapped store's: same answers,
 * same exceptions. On DynamoDB the spans are CLIENT spans with {@code db.system.name=aws.dynamodb}.
 */
final class TracedCheckpointStore extends TracedStore<CheckpointStore> implements CheckpointStore {

    /** The metric attributes of a commit, made once: they are recorded on every step. */
    private static final Attributes STORED_AS_SNAPSHOT = Attributes.of(TelemetryKeys.STORED_AS, "snapshot");
    private static final Attributes STORED_AS_DELTA = Attributes.of(TelemetryKeys.STORED_AS, "delta");

    TracedCheckpointStore(CheckpointStore store, Tracer tracer, StepMetrics metrics) {
        super(store, tracer, metrics, "checkpoint", "DynamoDb", "aws.dynamodb");
    }

    private <T> T traced(String operation, ThreadKey thread, Function<Span, T> call) {
        return Spans.within(span(operation).setAttribute(TelemetryKeys.THREAD_ID, thread.threadId()).startSpan(), call);
    }

    /** A call that answers nothing, in its span. */
    private void traced(String operation, ThreadKey thread, Runnable call) {
        traced(operation, thread, span -> {
            call.run();
            return null;
        });
    }

    @Override
    public Optional<ThreadHead> head(ThreadKey thread) {
        return traced("head", thread, span -> store.head(thread));
    }

    @Override
    public Optional<CheckpointChain> loadLatest(ThreadKey thread) {
        return traced("load", thread, span -> loaded(span, store.loadLatest(thread)));
    }

    @Override
    public Optional<CheckpointChain> load(ThreadKey thread, CheckpointId id) {
        return traced("load", thread, span -> loaded(span, store.load(thread, id)));
    }

    private Optional<CheckpointChain> loaded(Span span, Optional<CheckpointChain> chain) {
        if (chain.isEmpty()) {
            return chain;
        }
        CheckpointChain c = chain.get();
        long deltas = c.checkpoints().size() - 1L;
        span.setAttribute(TelemetryKeys.DELTAS_SINCE_SNAPSHOT, deltas)
                .setAttribute(TelemetryKeys.CHECKPOINT_BYTES, c.snapshotBytes() + c.deltaBytes())
                .setAttribute(TelemetryKeys.STEP, c.target().step());
        metrics.deltasSinceSnapshot.record(deltas);
        metrics.stateBytes.record(c.snapshotBytes());
        StepStats stats = Context.current().get(StepStats.KEY);
        if (stats != null) {
            stats.deltasSinceSnapshot = deltas;
            stats.stateBytes = c.snapshotBytes();
        }
        return chain;
    }

    @Override
    public Optional<Checkpoint> get(ThreadKey thread, CheckpointId id) {
        return traced("get", thread, span -> store.get(thread, id));
    }

    @Override
    public Optional<Checkpoint> findByIdempotencyKey(ThreadKey thread, String idempotencyKey) {
        return traced("find_idempotency_key", thread, span -> store.findByIdempotencyKey(thread, idempotencyKey));
    }

    @Override
    public ThreadPage threads(String tenant, ThreadQuery query) {
        return traced("threads", span -> store.threads(tenant, query));
    }

    @Override
    public List<ThreadSummary> unfinishedDeletes(String tenant, Map<String, String> tags, int limit) {
        return traced("unfinished_deletes", span -> store.unfinishedDeletes(tenant, tags, limit));
    }

    @Override
    public List<ThreadSummary> unfinishedDeletes(String tenant, Map<String, String> tags, int limit,
                                                 boolean legacyTombstoneScan) {
        return traced("unfinished_deletes", span -> store.unfinishedDeletes(tenant, tags, limit, legacyTombstoneScan));
    }

    @Override
    public Duration threadOrderGranularity() {
        return store.threadOrderGranularity();
    }

    @Override
    public ThreadTags retag(ThreadKey thread, Map<String, String> set, Collection<String> remove) {
        return traced("retag", thread, span -> store.retag(thread, set, remove));
    }

    @Override
    public ThreadTags tags(ThreadKey thread) {
        return traced("tags", thread, span -> store.tags(thread));
    }

    @Override
    public HeadPage scanHeads(HeadScan scan) {
        return traced("scan_heads", span -> store.scanHeads(scan));
    }

    @Override
    public HistoryPage history(ThreadKey thread, HistoryQuery query) {
        return traced("history", thread, span -> store.history(thread, query));
    }

    @Override
    public CommitResult commit(Commit commit) {
        Checkpoint cp = commit.checkpoint();
        return traced("commit", commit.thread(), span -> {
            long bytes = cp.change().size();
            String storedAs = cp.isSnapshot() ? "snapshot" : "delta";
            span.setAttribute(TelemetryKeys.STEP, cp.step()).setAttribute(TelemetryKeys.CHECKPOINT_ID, cp.id().value())
                    .setAttribute(TelemetryKeys.STORED_AS, storedAs).setAttribute(TelemetryKeys.CHECKPOINT_BYTES, bytes)
                    .setAttribute(TelemetryKeys.STATUS, cp.status().name());
            CommitResult result = store.commit(commit);
            span.setAttribute(TelemetryKeys.DUPLICATE, result.duplicate());
            if (!result.duplicate()) {
                countStored(cp, bytes);
            }
            return result;
        });
    }

    /** A checkpoint this commit stored ({@code bytes} of state change): in the metrics, and in the step's stats if any. */
    private void countStored(Checkpoint cp, long bytes) {
        metrics.checkpointBytes.add(bytes, cp.isSnapshot() ? STORED_AS_SNAPSHOT : STORED_AS_DELTA);
        if (cp.isSnapshot()) {
            metrics.stateBytes.record(bytes);
        }
        StepStats stats = Context.current().get(StepStats.KEY);
        if (stats != null) {
            stats.checkpointBytes += bytes;
            if (cp.isSnapshot()) {
                stats.stateBytes = bytes;
                stats.deltasSinceSnapshot = 0;
            } else if (stats.deltasSinceSnapshot >= 0) {
                stats.deltasSinceSnapshot++;
            }
        }
    }

    @Override
    public List<Checkpoint> unpublished(ThreadKey thread) {
        return traced("unpublished", thread, span -> store.unpublished(thread));
    }

    @Override
    public void markPublished(ThreadKey thread, CheckpointId id) {
        traced("mark_published", thread, () -> store.markPublished(thread, id));
    }

    @Override
    public PruneReport prune(ThreadKey thread, RetentionPolicy policy, Instant now) {
        return traced("prune", thread, span -> store.prune(thread, policy, now));
    }

    @Override
    public ThreadDeletion delete(ThreadKey thread) {
        return traced("delete", thread, span -> store.delete(thread));
    }

    @Override
    public long storedBytes(ThreadKey thread) {
        return store.storedBytes(thread);
    }

    @Override
    public void putPendingEffect(ThreadKey thread, long step, int seq, PendingEffect effect) {
        traced("put_pending_effect", thread, () -> store.putPendingEffect(thread, step, seq, effect));
    }

    @Override
    public List<PendingEffect> pendingEffects(ThreadKey thread, long step) {
        return traced("pending_effects", thread, span -> store.pendingEffects(thread, step));
    }

    @Override
    public void clearPendingEffects(ThreadKey thread, long step) {
        traced("clear_pending_effects", thread, () -> store.clearPendingEffects(thread, step));
    }

    @Override
    public void discardPendingEffects(ThreadKey thread, long step, Collection<Integer> seqs) {
        traced("discard_pending_effects", thread, () -> store.discardPendingEffects(thread, step, seqs));
    }

    @Override
    public String toString() {
        return "traced " + store;
    }
}
