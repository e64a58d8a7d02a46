package io.threadline.checkpoint;

import io.threadline.ErrorCode;
import io.threadline.ThreadlineException;

import java.util.Map;

/**
 * One page of a scan of thread heads ({@link CheckpointStore#scanHeads}): the threads of one tenant, or of every
 * tenant, a page at a time, so that a reader of every thread (the migration dry-run) holds one page in memory.
 *
 * @param tenant {@code null} for every tenant, else one tenant (the {@link ThreadKey#ID} alphabet)
 * @param limit  1 to {@link #MAX_LIMIT} heads a page
 * @param cursor {@code null} for the first page, else a {@link HeadPage#nextCursor} of the same scan (opaque)
 */
public record HeadScan(String tenant, int limit, String cursor) {

    public static final int MAX_LIMIT = 1000;

    public HeadScan {
        if (limit < 1 || limit > MAX_LIMIT) {
            throw new ThreadlineException(ErrorCode.INVALID_INPUT,
                    "a head scan's limit must be between 1 and " + MAX_LIMIT + ", got " + limit, Map.of("field", "limit"));
        }
        if (tenant != null && !ThreadKey.ID.matcher(tenant).matches()) {
            throw new ThreadlineException(ErrorCode.INVALID_INPUT,
                    "tenant must be 1-128 characters of letters, digits, '.', '_', ':' or '-'", Map.of("field", "tenant"));
        }
    }

    /** The first page of one tenant's threads. */
    public static HeadScan tenant(String tenant, int limit) {
        return new HeadScan(tenant, limit, null);
    }

    /** The first page of every tenant's threads. */
    public static HeadScan allTenants(int limit) {
        return new HeadScan(null, limit, null);
    }

    /** The page after the one that answered {@code cursor}. */
    public HeadScan after(String cursor) {
        return new HeadScan(tenant, limit, cursor);
    }

    /** The refusal of a cursor this scan did not issue. */
    public ThreadlineException badCursor() {
        return new ThreadlineException(ErrorCode.INVALID_INPUT,
                "cursor is not one this scan of " + (tenant == null ? "every tenant" : "tenant " + tenant)
                        + " issued: pass a nextCursor back unchanged", Map.of("field", "cursor"));
    }
}
