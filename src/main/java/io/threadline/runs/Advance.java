package io.threadline.runs;

import java.time.Duration;

/**
 * What the worker did with one message: {@link #done()} (delete it), or give it back to the queue to be
 * delivered again after {@link #deferFor} (a timed wait not yet over). A failure is thrown instead, and the
 * queue redelivers the message after its visibility timeout, into the dead-letter queue after a bounded number
 * of attempts.
 */
public record Advance(Duration deferFor, String outcome) {

    public static Advance done(String outcome) {
        return new Advance(null, outcome);
    }

    public static Advance defer(Duration wait) {
        return new Advance(wait, "waiting");
    }

    public boolean deferred() {
        return deferFor != null;
    }
}
