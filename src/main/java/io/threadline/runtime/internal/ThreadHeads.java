package io.threadline.runtime.internal;

import io.threadline.ErrorCode;
import io.threadline.ThreadlineException;
import io.threadline.checkpoint.Checkpoint;
import io.threadline.checkpoint.CheckpointChain;
import io.threadline.checkpoint.CheckpointId;
import io.threadline.checkpoint.Commit;
import io.threadline.checkpoint.CommitResult;
import io.threadline.checkpoint.SnapshotPolicy;
import io.threadline.checkpoint.StateChange;
import io.threadline.checkpoint.ThreadHead;
import io.threadline.checkpoint.ThreadKey;
import io.threadline.runtime.StepResult;
import io.threadline.runtime.ThreadState;

import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.TreeMap;

/**
 * Owns where each thread of one graph stands: the cache of decoded heads, the agent the threads are bound to, and the
 * single path by which a checkpoint is appended — reading and writing through the runtime's {@link RuntimeParts}
 * (the store as the observer sees it, the loader that turns stored chains into states, the outbox of memory writes).
 * Steps, replay and time travel read and append through it; it knows none of them.
 *
 * @param <S> the state record type
 */
public final class ThreadHeads<S> {

    /** Metadata key naming the agent that wrote a checkpoint, and so the agent its thread is bound to. */
    public static final String AGENT_KEY = "agent";

    private final RuntimeParts<S> parts;
    private final HeadCache<S> cache;
    private final String agent;

    /** @param agent the agent whose threads these are, or {@code null} for a runtime without one */
    public ThreadHeads(RuntimeParts<S> parts, String agent) {
        this.parts = Objects.requireNonNull(parts, "parts");
        this.cache = new HeadCache<>(parts.options().headCacheThreads());
        this.agent = agent;
    }

    /** The runtime's parts: schema, store, codec, options, loader, memory, outbox and version rule. */
    public RuntimeParts<S> parts() {
        return parts;
    }

    public Optional<String> agent() {
        return Optional.ofNullable(agent);
    }

    // ------------------------------------------------------------------ reading

    /** Drops what this process holds of the thread (its decoded head): the thread was deleted. */
    public void forget(ThreadKey thread) {
        cache.remove(thread);
    }

    /** The cached head, unchecked against the store (it may be stale); {@code null} when none is cached. */
    public Head<S> cached(ThreadKey thread) {
        return cache.get(thread);
    }

    /**
     * The thread's head: one load (HEAD + snapshot + deltas) when this runtime has not seen the thread,
     * else a cheap check that the cached head is still the store's head. {@code null} for a thread with none.
     */
    public Head<S> current(ThreadKey thread) {
        Head<S> cached = cache.get(thread);
        if (cached != null) {
            ThreadHead stored = parts.store().head(thread).orElse(null);
            if (stored == null) {
                cache.remove(thread);
                return null;
            }
            if (cached.checkpoint().id().equals(stored.checkpointId())) {
                return cached;
            }
        }
        return load(thread);
    }

    /** The stored head, read in full (one load: HEAD + snapshot + deltas), and cached. */
    public Head<S> load(ThreadKey thread) {
        return loaded(thread, parts.store().loadLatest(thread).orElse(null));
    }

    /**
     * {@link #load}, and whether the thread had already moved past {@code seen} at {@code since}: whether the
     * checkpoint that followed {@code seen} has an id older than that instant (an id carries its writer's clock when it
     * made the checkpoint, which its commit follows). When the chain read starts after that checkpoint, its first one
     * stands in: a later id, so the answer errs towards "not yet".
     */
    public Reloaded<S> reloadAfter(ThreadKey thread, Checkpoint seen, Instant since) {
        CheckpointChain chain = parts.store().loadLatest(thread).orElse(null);
        boolean movedBefore = false;
        if (chain != null) {
            for (Checkpoint cp : chain.checkpoints()) {
                if (cp.step() > seen.step()) {
                    movedBefore = cp.id().compareTo(CheckpointId.earliestAt(since)) < 0;
                    break;
                }
            }
        }
        return new Reloaded<>(loaded(thread, chain), movedBefore);
    }

    /** What {@link #reloadAfter} read: the stored head (null for none) and whether it had moved before the instant asked. */
    public record Reloaded<S>(Head<S> head, boolean movedBefore) {}

    private Head<S> loaded(ThreadKey thread, CheckpointChain chain) {
        if (chain == null) {
            cache.remove(thread);
            return null;
        }
        bound(chain.target());
        Head<S> loaded = parts.loader().head(chain);
        cache.replace(thread, loaded);
        if (parts.memory() != null) {
            // A process may have died between a commit and applying its memory writes: apply them now.
            parts.outbox().catchUp(thread);
        }
        return loaded;
    }

    /** The thread's head; {@code THREAD_NOT_FOUND} if it has none. */
    public Head<S> require(ThreadKey thread) {
        Head<S> head = current(thread);
        if (head == null) {
            throw threadNotFound(thread);
        }
        return head;
    }

    /** Whether the store's head of {@code thread} is still {@code id}. */
    public boolean headIs(ThreadKey thread, CheckpointId id) {
        return parts.store().head(thread).map(h -> h.checkpointId().equals(id)).orElse(false);
    }

    /** The state at any retained checkpoint; {@code CHECKPOINT_NOT_FOUND} if the store has none by that id. */
    public ThreadState<S> stateAt(ThreadKey thread, CheckpointId id) {
        CheckpointChain chain = parts.store().load(thread, id).orElseThrow(() -> notFound(thread, id));
        bound(chain.target());
        return new ThreadState<>(chain.target(), parts.loader().state(chain));
    }

    /** One stored checkpoint of this runtime's agent; {@code CHECKPOINT_NOT_FOUND} if the store has none by that id. */
    public Checkpoint checkpoint(ThreadKey thread, CheckpointId id) {
        Checkpoint cp = parts.store().get(thread, id).orElseThrow(() -> notFound(thread, id));
        bound(cp);
        return cp;
    }

    /** The answer to a repeated idempotency key: the checkpoint first committed with it, and its state. */
    public StepResult<S> duplicateOf(ThreadKey thread, Checkpoint first) {
        return new StepResult<>(first, stateAt(thread, first.id()).state(), true);
    }

    public ThreadlineException notFound(ThreadKey thread, CheckpointId id) {
        if (parts.store().head(thread).isEmpty()) {
            return threadNotFound(thread);
        }
        return new ThreadlineException(ErrorCode.CHECKPOINT_NOT_FOUND,
                "thread " + thread.threadId() + " has no checkpoint " + id + " (pruned, or never existed)",
                Map.of("thread", thread.threadId(), "checkpointId", id.value()));
    }

    public static ThreadlineException threadNotFound(ThreadKey thread) {
        return new ThreadlineException(ErrorCode.THREAD_NOT_FOUND, "no thread " + thread.threadId() + " for this tenant",
                Map.of("thread", thread.threadId()));
    }

    // ------------------------------------------------------------------ agent binding

    /** Refuses checkpoints another agent wrote ({@code AGENT_MISMATCH}); see {@link #bound(Checkpoint)}. */
    public void bound(List<Checkpoint> checkpoints) {
        checkpoints.forEach(this::bound);
    }

    /**
     * Refuses a checkpoint another agent wrote: its state has that agent's type and its nodes are that
     * agent's, so reading or stepping it here would misread it. A checkpoint that names no agent (written
     * before agents were named, or by a runtime without one) is anyone's; the next write binds its thread.
     */
    public void bound(Checkpoint checkpoint) {
        String owner = checkpoint.metadata().get(AGENT_KEY);
        if (agent != null && owner != null && !owner.equals(agent)) {
            ThreadKey thread = checkpoint.thread();
            throw new ThreadlineException(ErrorCode.AGENT_MISMATCH, "thread " + thread.threadId() + " belongs to agent '" + owner
                    + "', not '" + agent + "': name its agent, or use another thread id",
                    Map.of("thread", thread.threadId(), "agent", owner, "requested", agent));
        }
    }

    // ------------------------------------------------------------------ appending

    /** Chooses the kind of a new checkpoint from its draft (its id given for what must name it, such as the outbox). */
    @FunctionalInterface
    public interface Kind {
        Checkpoint of(Checkpoint.Draft draft, CheckpointId id);
    }

    /**
     * The one way a checkpoint is appended: after {@code head} (or as a thread's first when it is {@code null}),
     * holding {@code state} — stored as {@code patch} (a JSON Patch against the head's state) or whole, as the
     * snapshot policy says — with {@code metadata} stamped with the agent, and of the kind {@code kind} makes.
     * Committed against the head's step; the new checkpoint becomes the cached head. A failed or duplicate
     * commit leaves no cached head behind: what the store holds is then unknown here.
     *
     * @return the checkpoint made and what the store answered (for a duplicate, the checkpoint first committed)
     */
    public Appended append(ThreadKey thread, Head<S> head, S state, byte[] patch, Map<String, String> metadata, Kind kind) {
        return append(thread, head, state, patch, metadata, kind, CommitTerms.NONE);
    }

    /**
     * {@link #append(ThreadKey, Head, Object, byte[], Map, Kind)} on {@code terms}: creating the thread with their tags
     * when {@code head} is null, and conditional on their run guard.
     */
    public Appended append(ThreadKey thread, Head<S> head, S state, byte[] patch, Map<String, String> metadata, Kind kind,
                           CommitTerms terms) {
        Instant now = parts.options().clock().instant().truncatedTo(ChronoUnit.MILLIS);
        CheckpointId parent = head == null ? null : head.checkpoint().id();
        long expectedStep = head == null ? 0 : head.checkpoint().step();
        CheckpointId id = CheckpointId.next(now, parts.options().random(), parent);
        Map<String, String> stamped = new TreeMap<>(metadata);
        if (agent != null) {
            stamped.put(AGENT_KEY, agent);
        }
        Checkpoint.Draft draft = Checkpoint.draft(id, thread, expectedStep + 1, parent).metadata(stamped);
        Written written = null;
        Checkpoint checkpoint = null;
        if (head != null) {
            // A delta, unless the policy wants a snapshot — which for the read bound depends on the delta checkpoint's
            // whole size (its input and effects too), so it is built first and weighed.
            long since = head.deltaBytesSinceSnapshot() + patch.length;
            Duration age = Duration.between(head.snapshotAt(), now);
            if (!parts.options().snapshotPolicy().snapshotDue(head.snapshotBytes(), since, age)) {
                checkpoint = kind.of(draft.state(parts.schema().version(), new StateChange.Delta(patch), now), id);
                long estimate = SnapshotPolicy.readBytes(checkpoint);
                long read = head.readBytesSinceSnapshot() + estimate;
                long deltas = head.deltasSinceSnapshot() + 1;
                if (parts.options().snapshotPolicy().snapshotDue(head.snapshotBytes(), head.snapshotReadBytes(), since, read, deltas, age)) {
                    checkpoint = null;
                } else {
                    written = new Written(head.snapshotBytes(), since, head.readBytesSinceSnapshot(), estimate,
                            head.snapshotAt(), head.snapshotReadBytes(), deltas);
                }
            }
        }
        if (checkpoint == null) {
            byte[] snapshot = parts.codec().encode(state);
            checkpoint = kind.of(draft.state(parts.schema().version(), new StateChange.Snapshot(snapshot), now), id);
            written = new Written(snapshot.length, 0, 0, 0, now, snapshot.length, 0);
        }
        // The version facts depend on the next nodes, which only the kind knows: added once it is made.
        stamped.putAll(parts.versions().stamp(head == null ? null : head.checkpoint(), checkpoint.next()));
        checkpoint = checkpoint.withMetadata(stamped);
        CommitResult result;
        try {
            result = parts.store().commit(terms.applyTo(new Commit(checkpoint, expectedStep, written.snapshotAt())));
        } catch (RuntimeException e) {
            cache.remove(thread);
            throw e;
        }
        if (result.duplicate()) {
            cache.remove(thread);
        } else {
            cache.put(thread, written.head(checkpoint, state, result));
        }
        return new Appended(checkpoint, result);
    }

    /** What {@link #append} made, and what the store answered. */
    public record Appended(Checkpoint checkpoint, CommitResult result) {}

    /**
     * What the policy counts for the checkpoint written: its snapshot's size and time, the deltas since it (their bytes
     * and, with the written one, their count), and what a cold read fetches — before the written checkpoint
     * ({@code readBytesBefore}) and for it ({@code readBytesEstimate}: a delta's estimate, or for a snapshot its state's
     * bytes), each replaced by what the store says it wrote.
     */
    private record Written(long snapshotBytes, long deltaBytesSince, long readBytesBefore, long readBytesEstimate,
                           Instant snapshotAt, long snapshotReadBytes, long deltasSince) {

        <S> Head<S> head(Checkpoint checkpoint, S state, CommitResult result) {
            long stored = result.storedBytesKnown() ? result.storedBytes() : readBytesEstimate;
            return checkpoint.isSnapshot()
                    ? new Head<>(checkpoint, state, snapshotBytes, 0, 0, snapshotAt, result.storedBytesKnown() ? stored : snapshotReadBytes, 0)
                    : new Head<>(checkpoint, state, snapshotBytes, deltaBytesSince, readBytesBefore + stored, snapshotAt, snapshotReadBytes,
                            deltasSince);
        }
    }
}
