package io.threadline.memory;

import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** The configurable limits themselves: their ceilings and how merged metadata stays within them. */
class MemoryLimitsTest {

    @Test
    void limitsBeyondTheirCeilingsAreRefusedAtConfiguration() {
        assertThatThrownBy(() -> new MemoryLimits(257, 512, Duration.ofDays(1))).hasMessageContaining("max-metadata-keys");
        assertThatThrownBy(() -> new MemoryLimits(32, 8193, Duration.ofDays(1))).hasMessageContaining("max-metadata-value-bytes");
        assertThatThrownBy(() -> new MemoryLimits(32, 0, Duration.ofDays(1))).hasMessageContaining("max-metadata-value-bytes");
        assertThatThrownBy(() -> new MemoryLimits(32, 512, Duration.ofDays(36_501))).hasMessageContaining("max-ttl");
        assertThatThrownBy(() -> new MemoryLimits(32, 512, Duration.ZERO)).hasMessageContaining("max-ttl");
        assertThat(new MemoryLimits(256, 8192, MemoryLimits.CEILING_TTL).maxTtl()).isEqualTo(Duration.ofDays(36_500));
    }

    @Test
    void mergedMetadataKeepsTheNewerEntriesThenTheOlderInKeyOrderUpToTheLimit() {
        MemoryLimits two = new MemoryLimits(2, 512, Duration.ofDays(1));
        assertThat(two.merged(Map.of("c", "1", "a", "1", "b", "1"), Map.of("z", "2"))).isEqualTo(Map.of("z", "2", "a", "1"));
        assertThat(two.merged(Map.of("a", "1"), Map.of("a", "2"))).isEqualTo(Map.of("a", "2"));
        // More than the limit in the newer alone (a memory stored before the limit): all of it, nothing older.
        assertThat(two.merged(Map.of("a", "1"), Map.of("x", "2", "y", "2", "z", "2"))).isEqualTo(Map.of("x", "2", "y", "2", "z", "2"));
        // Folding the same memory again changes nothing.
        Map<String, String> once = two.merged(Map.of("c", "1", "a", "1"), Map.of("z", "2"));
        assertThat(two.merged(once, Map.of("z", "2"))).isEqualTo(once);
    }
}
