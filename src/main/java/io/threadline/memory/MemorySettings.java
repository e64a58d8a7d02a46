package io.threadline.memory;

/**
 * Behaviour shared by every memory store.
 *
 * @param mergeThreshold cosine similarity at or above which a write merges into an existing memory of
 *                       the same tenant and namespace ({@code threadline.memory.merge-threshold})
 * @param scoring        how hits are ranked
 */
public record MemorySettings(double mergeThreshold, MemoryScoring scoring) {

    public static final MemorySettings DEFAULT = new MemorySettings(0.95, MemoryScoring.DEFAULT);

    public MemorySettings {
        if (!(mergeThreshold > 0 && mergeThreshold <= 1)) {
            throw new IllegalArgumentException("merge threshold must be in (0, 1], got " + mergeThreshold);
        }
    }
}
