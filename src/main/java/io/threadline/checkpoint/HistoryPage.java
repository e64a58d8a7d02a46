package io.threadline.checkpoint;

import java.util.List;

/** Checkpoints newest first, and the cursor of the next (older) page or {@code null} at the end. */
public record HistoryPage(List<Checkpoint> checkpoints, String nextCursor) {
    public HistoryPage {
        checkpoints = List.copyOf(checkpoints);
    }
}
