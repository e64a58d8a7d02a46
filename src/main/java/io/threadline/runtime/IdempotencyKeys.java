package io.threadline.runtime;

import io.threadline.ErrorCode;
import io.threadline.ThreadlineException;

import java.util.Map;
import java.util.regex.Pattern;

/**
 * The one rule for a caller's idempotency key, on every entry path that takes one (README "Runs, retries and
 * conflicts"): a step, run or resume (checked by the runtime), an input queued onto a background run, and a
 * background run's start. 1–128 printable ASCII characters without spaces, so a key reads the same in a log line, a
 * stored item and a reply, and no two keys a caller tells apart are stored as one.
 */
public final class IdempotencyKeys {

    private static final Pattern RULE = Pattern.compile("[\\x21-\\x7E]{1,128}");

    private IdempotencyKeys() {
    }

    /** Refuses a key that breaks the rule as INVALID_INPUT naming the field; {@code null} (no key) passes. */
    public static void check(String key) {
        if (key != null && !RULE.matcher(key).matches()) {
            throw new ThreadlineException(ErrorCode.INVALID_INPUT,
                    "idempotencyKey must be 1-128 printable ASCII characters without spaces", Map.of("field", "idempotencyKey"));
        }
    }
}
