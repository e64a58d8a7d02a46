package io.threadline.runtime.internal;

import io.threadline.ErrorCode;
import io.threadline.ThreadlineException;
import io.threadline.checkpoint.ThreadKey;

import java.util.Map;
import java.util.function.BooleanSupplier;

/**
 * The lazy check of a cached head: a step on a head this process cached asks the store whether it is still the
 * head only before the step's first call that reaches outside it (a model, a tool, a SYNC effect, a memory catch-up),
 * not before every step. A step that makes no such call is left to its conditional commit, which fails on a stale
 * head; {@link StepRunner} then runs it again on the stored head, which repeats nothing anyone saw. Once the check
 * has found the head current, the step goes on exactly as a step on a checked head does; once it has found it
 * stale, every further outside call is refused, so nothing reaches outside on a stale head.
 */
final class HeadCheck {

    /** No check: the head was just read from the store, or the cache is trusted. */
    static final HeadCheck NONE = new HeadCheck(null, null);

    private final ThreadKey thread;
    private final BooleanSupplier current;
    private boolean ran;
    private boolean stale;

    private HeadCheck(ThreadKey thread, BooleanSupplier current) {
        this.thread = thread;
        this.current = current;
        this.ran = current == null;
    }

    /** A check of a cached head; {@code current} asks the store whether it is still the head. */
    static HeadCheck of(ThreadKey thread, BooleanSupplier current) {
        return new HeadCheck(thread, current);
    }

    /** Asks the store once; throws {@code CONFLICT} (now and on every later call) when the head moved. */
    synchronized void verify() {
        if (!ran) {
            ran = true;
            stale = !current.getAsBoolean();
        }
        if (stale) {
            throw new ThreadlineException(ErrorCode.CONFLICT, "thread " + thread.threadId()
                    + " moved on since this process last saw it; the step runs again on its head", Map.of("thread", thread.threadId()));
        }
    }

    /** Whether the store was asked (or nothing was to be checked): the step then answers as a checked one. */
    synchronized boolean ran() {
        return ran;
    }

    /** Whether the store said the head had moved. */
    synchronized boolean stale() {
        return stale;
    }
}
