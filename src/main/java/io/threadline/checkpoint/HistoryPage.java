package io.threadline.checkpoint;

import java.util.List;

/**
 * Checkpoints newest first, and the cursor of the next (older) page or {@code null} at the end.
 *
 * <p>A cursor is exclusive: the page it starts holds the checkpoints strictly older than the one it was
 * issued for. {@code cursors} holds, for each checkpoint of the page, the cursor that continues right
 * after it, so a reader that answers only part of a page (the API, bounded by bytes) can go on exactly
 * where it stopped: no checkpoint skipped, none repeated.
 *
 * @param checkpoints newest first
 * @param nextCursor  the cursor after the last checkpoint, or {@code null} when no older one is retained
 * @param cursors     {@code cursors.get(i)} continues after {@code checkpoints.get(i)}; one per checkpoint
 */
public record HistoryPage(List<Checkpoint> checkpoints, String nextCursor, List<String> cursors) {

    public HistoryPage {
        checkpoints = List.copyOf(checkpoints);
        cursors = List.copyOf(cursors);
        if (cursors.size() != checkpoints.size()) {
            throw new IllegalArgumentException("a history page needs one cursor per checkpoint: "
                    + checkpoints.size() + " checkpoints, " + cursors.size() + " cursors");
        }
    }

    /** A page with nothing in it (no thread, or nothing older than the cursor). */
    public static HistoryPage empty() {
        return new HistoryPage(List.of(), null, List.of());
    }

    /**
     * The cursor that continues right after {@code checkpoints().get(index)}: for the last checkpoint
     * {@link #nextCursor} ({@code null} at the end of the history), for any other the next one is older.
     */
    public String cursorAfter(int index) {
        return index == checkpoints.size() - 1 ? nextCursor : cursors.get(index);
    }
}
