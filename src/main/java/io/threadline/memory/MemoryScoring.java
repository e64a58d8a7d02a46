package io.threadline.memory;

import java.time.Duration;
import java.time.Instant;

/**
 * How search results are ranked: {@code similarity·wS + recency·wR + importance·wI}, where recency
 * halves every {@code recencyHalfLife} since the memory was last accessed. Weights come from
 * configuration ({@code threadline.memory.score.*}).
 */
public record MemoryScoring(double similarityWeight, double recencyWeight, double importanceWeight, Duration recencyHalfLife) {

    public static final MemoryScoring DEFAULT = new MemoryScoring(0.8, 0.1, 0.1, Duration.ofDays(30));

    public MemoryScoring {
        if (similarityWeight < 0 || recencyWeight < 0 || importanceWeight < 0) {
            throw new IllegalArgumentException("score weights must not be negative");
        }
        if (recencyHalfLife == null || recencyHalfLife.isNegative() || recencyHalfLife.isZero()) {
            throw new IllegalArgumentException("recency half-life must be positive");
        }
    }

    public double score(double similarity, MemoryRecord memory, Instant now) {
        double ageSeconds = Math.max(0, Duration.between(memory.accessedAt(), now).toSeconds());
        double recency = Math.pow(0.5, ageSeconds / recencyHalfLife.toSeconds());
        return similarity * similarityWeight + recency * recencyWeight + memory.importance() * importanceWeight;
    }
}
