package io.threadline.runtime.internal;

import io.threadline.ErrorCode;
import io.threadline.checkpoint.CheckpointStore;
import io.threadline.checkpoint.PendingEffect;
import io.threadline.checkpoint.ThreadKey;
import io.threadline.effects.Effect;
import io.threadline.effects.EffectSink;
import io.threadline.effects.Effects;

import java.util.ArrayList;
import java.util.List;
import java.util.logging.Level;
import java.util.logging.Logger;

/**
 * The pending effects of one attempt at one step (durability SYNC): those a killed attempt left, which
 * this one may reuse, and the positions this one claims as its own effects complete.
 *
 * <p>How an attempt ends decides what happens to them. Committed: the step's pending effects have served
 * their purpose and are cleared. Refused — the new state was invalid, another writer committed first,
 * the checkpoint was too large — the attempt never happened as far as the thread is concerned: the
 * positions it claimed are taken back, so they neither count as attempts of the node nor linger as
 * orphans, while what a killed attempt left stays for the next one. Any other end (the process died, a
 * dependency did not answer, so whether the commit happened is unknown) keeps everything: that is what
 * pending effects are for.
 */
public final class StepPending {

    private static final Logger LOG = Logger.getLogger(StepPending.class.getName());

    private final CheckpointStore store;
    private final ThreadKey thread;
    private final long step;
    private final boolean sync;
    private final List<Effect> found;
    private final List<Integer> claimed = new ArrayList<>();

    private StepPending(CheckpointStore store, ThreadKey thread, long step, boolean sync, List<Effect> found) {
        this.store = store;
        this.thread = thread;
        this.step = step;
        this.sync = sync;
        this.found = found;
    }

    /**
     * The pending effects of {@code step}, read from the store when a SYNC node may run in it (one read);
     * otherwise none, and nothing is ever written or cleared.
     */
    public static StepPending of(CheckpointStore store, ThreadKey thread, long step, boolean mayRunSync) {
        if (!mayRunSync) {
            return new StepPending(store, thread, step, false, List.of());
        }
        List<Effect> found = new ArrayList<>();
        for (PendingEffect pending : store.pendingEffects(thread, step)) {
            found.add(Effects.decode(pending));
        }
        return new StepPending(store, thread, step, true, List.copyOf(found));
    }

    /** What killed attempts of this step already made durable. */
    public List<Effect> found() {
        return found;
    }

    /** Where this attempt's SYNC effects go as they complete; {@code null} when no SYNC node can run. */
    public EffectSink sink() {
        if (!sync) {
            return null;
        }
        return effect -> {
            store.putPendingEffect(thread, step, effect.seq(), Effects.pending(effect));
            claimed.add(effect.seq());
        };
    }

    /** The step committed (or stopped as FAILED/INTERRUPTED, which commits too): clear what it had pending. */
    public void committed() {
        if (found.isEmpty() && claimed.isEmpty()) {
            return;
        }
        bestEffort(() -> store.clearPendingEffects(thread, step));
    }

    /** The attempt ended with {@code code}: if that is a refusal, take back the positions it claimed. */
    public void ended(ErrorCode code) {
        if (claimed.isEmpty() || !isRefusal(code)) {
            return;
        }
        bestEffort(() -> store.discardPendingEffects(thread, step, List.copyOf(claimed)));
    }

    /**
     * Codes with which an attempt ends known not to have committed, and whose effects no retry of this
     * step may build on. DEPENDENCY_UNAVAILABLE and INTERNAL are not among them: the commit may have
     * happened, or a retry should reuse what was made.
     */
    static boolean isRefusal(ErrorCode code) {
        return switch (code) {
            case VALIDATION_FAILED, CONFLICT, INTERRUPTED, PAYLOAD_TOO_LARGE, INVALID_INPUT, NON_DETERMINISTIC, THREAD_DELETED, RUN_GONE -> true;
            default -> false;
        };
    }

    /** A clean-up that fails leaves items that expire with the idempotency TTL (or go with the next read). */
    private void bestEffort(Runnable cleanUp) {
        try {
            cleanUp.run();
        } catch (RuntimeException e) {
            LOG.log(Level.WARNING, "pending effects of step " + step + " of " + thread + " were not deleted (they expire): "
                    + e.getMessage());
        }
    }
}
