package io.threadline.effects.internal;

import com.fasterxml.jackson.databind.JsonNode;
import io.threadline.ThreadlineException;
import io.threadline.effects.CallFailure;
import io.threadline.effects.Effect;
import io.threadline.effects.EffectError;
import io.threadline.effects.EffectKind;
import io.threadline.effects.EffectObserver;
import io.threadline.effects.EffectSink;
import io.threadline.effects.NonDeterministicException;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.EnumSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.function.Supplier;

/**
 * The effect log of one step, and the one place a node's calls to the world pass through.
 *
 * <p>Live, every call is made and appended to the log; for a node with durability {@code SYNC} it is
 * also handed to the {@link EffectSink} as soon as it completes, and a new attempt of that node
 * first re-serves the successful results of its previous attempt (or of the earlier attempt a
 * retry continues from), in order, for as long as it asks the same things — so a tool is not called
 * twice. The first different call goes live, and so does everything after it.
 *
 * <p>In a replay nothing is made: each attempt of a node is served the calls recorded for that
 * attempt, strictly in order. A different call, a call too many, or a recorded call left unmade is
 * a divergence ({@link NonDeterministicException}); a recorded failure is thrown again.
 *
 * <p>A call that fails throws a {@link CallFailure} in both modes (live, wrapping the call's own
 * exception), so a node and its {@code RetryPolicy} decide on the same thing live and in a replay;
 * Threadline's own errors are thrown as they are (in a replay, rebuilt from their recorded code).
 *
 * <p>The replay's side (the recorded calls, the divergence, a recorded failure thrown again) is
 * {@link ReplayedEffects}'; this class keeps the log, the attempts and the live calls.
 *
 * <p>Not thread-safe: one step, one thread.
 */
public final class EffectJournal {

    private final List<Effect> log = new ArrayList<>();
    private final Map<String, List<Effect>> seeds;
    private final EffectSink sink;
    /** A replay's recorded calls and its divergence; {@code null} live. */
    private final ReplayedEffects replayed;
    /** The calls the current attempt of each node may still be served. */
    private final Map<String, Deque<Effect>> serving = new LinkedHashMap<>();
    private final Map<String, Integer> currentAttempt = new LinkedHashMap<>();
    /** Told about each live call and each reused result (telemetry); never about replayed ones. */
    private EffectObserver observer = EffectObserver.NONE;
    /** Kinds a call of which reaches nothing outside the step: the clock, ids, memory reads, the resume value. */
    private static final Set<EffectKind> IN_PROCESS =
            EnumSet.of(EffectKind.CLOCK, EffectKind.ID, EffectKind.RECALL, EffectKind.RESUME);
    /** Run before each live call of any other kind (a model, a tool); may throw to stop it. */
    private Runnable beforeOutsideCall;

    private EffectJournal(List<Effect> initial, Map<String, List<Effect>> seeds, EffectSink sink, ReplayedEffects replayed) {
        this.log.addAll(initial);
        this.seeds = seeds;
        this.sink = sink;
        this.replayed = replayed;
    }

    /**
     * A live journal.
     *
     * @param pending effects already made for this very step by an attempt that did not finish (a
     *                killed process): they start the log, and a SYNC node reuses them
     * @param seeds   per node, results a SYNC node's first attempt may reuse (from the FAILED
     *                checkpoint this step retries)
     * @param sink    where SYNC effects go as they complete; {@code null} when no node is SYNC
     */
    public static EffectJournal live(List<Effect> pending, Map<String, List<Effect>> seeds, EffectSink sink) {
        return new EffectJournal(pending, Map.copyOf(seeds), sink, null);
    }

    /** A journal that serves {@code effects}, recorded by the step being replayed, and makes no call. */
    public static EffectJournal replay(List<Effect> effects) {
        return new EffectJournal(List.of(), Map.of(), null, new ReplayedEffects(effects));
    }

    /** Reports this journal's live calls and reused results to {@code observer}; returns this journal. */
    public EffectJournal observedBy(EffectObserver observer) {
        this.observer = Objects.requireNonNull(observer, "observer");
        return this;
    }

    /**
     * Runs {@code check} before every live call that reaches outside the step (a model, a tool — not the clock, an id,
     * a memory read); it may throw to stop the call. The runtime checks a cached head there (see HeadCheck).
     */
    public EffectJournal beforeOutsideCalls(Runnable check) {
        this.beforeOutsideCall = check;
        return this;
    }

    public boolean isReplay() {
        return replayed != null;
    }

    /**
     * The attempt number a node's first attempt in this step takes: live, one past the attempts a
     * killed process already made; in a replay, the first recorded attempt that ran to an end (a
     * failure, or the last one) — an attempt cut off by a dying process cannot be run again.
     */
    public int firstAttempt(String node) {
        if (replayed != null) {
            return replayed.firstAttempt(node);
        }
        return log.stream().filter(e -> e.node().equals(node)).mapToInt(Effect::attempt).max().orElse(0) + 1;
    }

    /** Starts an attempt of a node: decides what it may be served. */
    public void beginAttempt(String node, int attempt, boolean sync) {
        finishServing(node);
        currentAttempt.put(node, attempt);
        Deque<Effect> queue;
        if (replayed != null) {
            queue = replayed.served(node, attempt);
        } else {
            queue = new ArrayDeque<>();
            if (sync) {
                queue.addAll(reusable(node));
            }
        }
        serving.put(node, queue);
    }

    /**
     * The sequence number of the last effect that {@code node}'s current attempt completed (a reply, a result), or -1
     * when it has made none yet: what a memory the node remembers now was derived from (its provenance).
     */
    public int lastCompleted(String node) {
        int attempt = currentAttempt.getOrDefault(node, 1);
        for (int i = log.size() - 1; i >= 0; i--) {
            Effect e = log.get(i);
            if (e.node().equals(node) && e.attempt() == attempt && !e.failed() && e.kind() != EffectKind.FAILURE) {
                return e.seq();
            }
        }
        return -1;
    }

    /** The successful results of the node's latest attempt in the log, else its seeds. */
    private List<Effect> reusable(String node) {
        int latest = log.stream().filter(e -> e.node().equals(node)).mapToInt(Effect::attempt).max().orElse(0);
        if (latest == 0) {
            return seeds.getOrDefault(node, List.of()).stream().filter(e -> !e.failed() && e.kind() != EffectKind.FAILURE).toList();
        }
        return log.stream().filter(e -> e.node().equals(node) && e.attempt() == latest && !e.failed()
                && e.kind() != EffectKind.FAILURE).toList();
    }

    /**
     * One call of the current attempt of {@code node}: served, or made with {@code live} and recorded.
     * A failure of {@code live} is recorded and thrown on.
     */
    public JsonNode call(String node, boolean sync, EffectKind kind, String name, JsonNode request, Supplier<JsonNode> live) {
        int attempt = currentAttempt.getOrDefault(node, 1);
        Deque<Effect> queue = serving.computeIfAbsent(node, k -> new ArrayDeque<>());
        if (replayed != null) {
            Effect expected = replayed.expect(queue.poll(), node, attempt, callsMade(node, attempt), kind, name, request);
            log.add(expected);
            if (expected.failed()) {
                throw ReplayedEffects.rethrow(expected.error());
            }
            return expected.response();
        }
        Effect reusable = queue.peek();
        if (reusable != null) {
            if (reusable.sameCall(kind, name, request)) {
                queue.poll();
                Effect served = renumbered(reusable, log.size(), attempt, true);
                append(served, sync);
                observer.served(served);
                return reusable.response();
            }
            // The attempt asks something else than before: from here on everything is made anew.
            queue.clear();
        }
        if (beforeOutsideCall != null && !IN_PROCESS.contains(kind)) {
            beforeOutsideCall.run();
        }
        EffectObserver.Call observed = observer.calling(node, attempt, kind, name, request);
        Effect made = null;
        try {
            JsonNode response;
            try {
                response = live.get();
            } catch (ThreadlineException e) {
                // The runtime's own error (an unavailable store, …): recorded with its code, thrown on as it is.
                made = new Effect(log.size(), node, attempt, kind, name, request, null, EffectError.of(e), false);
                append(made, sync);
                throw e;
            } catch (RuntimeException e) {
                // The node sees a CallFailure, as it will in a replay, where the original cannot be thrown.
                CallFailure failure = CallFailure.of(e);
                made = new Effect(log.size(), node, attempt, kind, name, request, null, failure.error(), false);
                append(made, sync);
                throw failure;
            }
            made = new Effect(log.size(), node, attempt, kind, name, request, response, null, false);
            append(made, sync);
            return response;
        } finally {
            // Also when recording itself failed (a SYNC pending write): the observer's call must end.
            observed.ended(made != null ? made
                    : new Effect(log.size(), node, attempt, kind, name, request, null, null, false));
        }
    }

    /** Records that the current attempt of {@code node} ended with {@code failure}. */
    public void attemptFailed(String node, boolean sync, Throwable failure) {
        if (replayed != null) {
            return;
        }
        EffectError error = EffectError.of(failure);
        append(new Effect(log.size(), node, currentAttempt.getOrDefault(node, 1), EffectKind.FAILURE, error.type(), null, null,
                error, false), sync);
    }

    /**
     * Replay: checks that the node's current attempt made every recorded call (a call left unmade is
     * a divergence too). Call after each attempt that returned.
     */
    public void finishAttempt(String node) {
        finishServing(node);
    }

    private void finishServing(String node) {
        if (replayed == null) {
            return;
        }
        Deque<Effect> left = serving.remove(node);
        if (left != null && !left.isEmpty()) {
            int attempt = currentAttempt.getOrDefault(node, 1);
            throw replayed.diverged(node, attempt, callsMade(node, attempt), left.peek(), null);
        }
    }

    /** How many calls of this attempt of {@code node} the log holds: the position of its next call. */
    private int callsMade(String node, int attempt) {
        return (int) log.stream().filter(e -> e.node().equals(node) && e.attempt() == attempt).count();
    }

    private void append(Effect effect, boolean sync) {
        log.add(effect);
        if (sync && sink != null) {
            sink.persist(effect);
        }
    }

    /** Everything recorded so far, in order. */
    public List<Effect> log() {
        return List.copyOf(log);
    }

    /** The first divergence a replay found, or {@code null}. */
    public NonDeterministicException divergence() {
        return replayed == null ? null : replayed.divergence();
    }

    private static Effect renumbered(Effect e, int seq, int attempt, boolean reused) {
        return new Effect(seq, e.node(), attempt, e.kind(), e.name(), e.request(), e.response(), e.error(), reused);
    }
}
