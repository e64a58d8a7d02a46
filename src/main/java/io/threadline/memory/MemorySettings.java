package io.threadline.memory;

import java.time.Duration;
import java.time.Instant;

/**
 * Behaviour shared by every memory store.
 *
 * @param mergeThreshold cosine similarity at or above which a write merges into an existing memory of
 *                       the same tenant and namespace ({@code threadline.memory.merge-threshold})
 * @param scoring        how hits are ranked
 * @param touchAfter     a search moves a returned memory's {@code accessedAt} to the search time only when
 *                       it is older than this ({@code threadline.memory.touch-after}); zero touches every hit
 *                       of every search. Recency halves over weeks, so an hour's precision changes no
 *                       ranking, and it spares a write per hit of every search of a popular memory.
 * @param limits         what one memory may carry (metadata entries and sizes, time to live); every store
 *                       refuses a write or search beyond them before it touches anything
 */
public record MemorySettings(double mergeThreshold, MemoryScoring scoring, Duration touchAfter, MemoryLimits limits) {

    public static final Duration DEFAULT_TOUCH_AFTER = Duration.ofHours(1);

    public static final MemorySettings DEFAULT = new MemorySettings(0.95, MemoryScoring.DEFAULT);

    public MemorySettings {
        if (!(mergeThreshold > 0 && mergeThreshold <= 1)) {
            throw new IllegalArgumentException("merge threshold must be in (0, 1], got " + mergeThreshold);
        }
        if (touchAfter == null || touchAfter.isNegative()) {
            throw new IllegalArgumentException("touch-after must be zero or positive, got " + touchAfter);
        }
        if (limits == null) {
            throw new IllegalArgumentException("limits are required (MemoryLimits.DEFAULT)");
        }
    }

    public MemorySettings(double mergeThreshold, MemoryScoring scoring, Duration touchAfter) {
        this(mergeThreshold, scoring, touchAfter, MemoryLimits.DEFAULT);
    }

    public MemorySettings(double mergeThreshold, MemoryScoring scoring) {
        this(mergeThreshold, scoring, DEFAULT_TOUCH_AFTER);
    }

    /** Whether a search at {@code now} that returns {@code memory} moves its access time. */
    public boolean touches(MemoryRecord memory, Instant now) {
        return memory.accessedAt().plus(touchAfter).isBefore(now);
    }
}
