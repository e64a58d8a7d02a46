package io.threadline.checkpoint;

import io.threadline.ErrorCode;
import io.threadline.ThreadlineException;

import java.util.Map;
import java.util.regex.Pattern;

/**
 * A thread, scoped by its tenant. Every stored key and every query carries both, so one tenant can
 * never name another's thread. Both parts are restricted to a safe alphabet so they can be embedded
 * in storage keys without escaping.
 */
public record ThreadKey(String tenant, String threadId) {

    /** Letters, digits and {@code . _ : -}; 1 to 128 characters. */
    public static final Pattern ID = Pattern.compile("[A-Za-z0-9._:-]{1,128}");

    public ThreadKey {
        check("tenant", tenant);
        check("threadId", threadId);
    }

    public static ThreadKey of(String tenant, String threadId) {
        return new ThreadKey(tenant, threadId);
    }

    private static void check(String what, String value) {
        if (value == null || !ID.matcher(value).matches()) {
            throw new ThreadlineException(ErrorCode.INVALID_INPUT,
                    what + " must be 1-128 characters of letters, digits, '.', '_', ':' or '-'"
                            + (value == null ? " (it is missing)" : ""),
                    Map.of("field", what));
        }
    }

    @Override
    public String toString() {
        return tenant + "/" + threadId;
    }
}
