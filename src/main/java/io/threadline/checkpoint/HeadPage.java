package io.threadline.checkpoint;

import java.util.List;
import java.util.Objects;

/**
 * A page of thread heads ({@link CheckpointStore#scanHeads}) and the cursor of the next page. A page may hold fewer
 * heads than the limit — even none — while {@code nextCursor} is set: only {@code nextCursor == null} ends the scan.
 *
 * @param heads      the threads of the page with their latest checkpoint id and step
 * @param nextCursor the cursor of the next page, or {@code null} at the end
 */
public record HeadPage(List<Entry> heads, String nextCursor) {

    /** One thread and its head. */
    public record Entry(ThreadKey thread, ThreadHead head) {
        public Entry {
            Objects.requireNonNull(thread, "thread");
            Objects.requireNonNull(head, "head");
        }
    }

    public HeadPage {
        heads = List.copyOf(heads);
    }
}
