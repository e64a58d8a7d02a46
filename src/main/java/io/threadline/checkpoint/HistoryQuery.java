package io.threadline.checkpoint;

import io.threadline.ErrorCode;
import io.threadline.ThreadlineException;

import java.util.Map;

/**
 * One page of history, newest first.
 *
 * @param limit  1 to {@link #MAX_LIMIT} checkpoints
 * @param cursor {@code null} for the newest page, else a {@link HistoryPage#nextCursor} (opaque)
 */
public record HistoryQuery(int limit, String cursor) {

    public static final int MAX_LIMIT = 100;

    public HistoryQuery {
        if (limit < 1 || limit > MAX_LIMIT) {
            throw new ThreadlineException(ErrorCode.INVALID_INPUT,
                    "history limit must be between 1 and " + MAX_LIMIT + ", got " + limit, Map.of("field", "limit"));
        }
    }

    public static HistoryQuery first(int limit) {
        return new HistoryQuery(limit, null);
    }

    /** What every store answers for a {@link #cursor} it did not issue: INVALID_INPUT on the field {@code cursor}. */
    public ThreadlineException badCursor() {
        return new ThreadlineException(ErrorCode.INVALID_INPUT, "history cursor '" + cursor + "' is not one this store issued",
                Map.of("field", "cursor"));
    }
}
