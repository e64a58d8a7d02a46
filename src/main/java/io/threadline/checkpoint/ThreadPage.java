package io.threadline.checkpoint;

import java.util.List;

/**
 * A page of a tenant's threads, newest activity first.
 *
 * @param threads    at most the query's limit; possibly fewer — even none — with a {@code nextCursor} when the
 *                   store stopped early to bound the work of one call (a filter that few threads match)
 * @param nextCursor pass it back in {@link ThreadQuery#after} for the next page; {@code null} at the end
 */
public record ThreadPage(List<ThreadSummary> threads, String nextCursor) {

    public ThreadPage {
        threads = List.copyOf(threads);
    }
}
