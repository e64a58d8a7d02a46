package io.threadline.checkpoint.dynamodb.internal;

import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

/** The index keys are the same text the Formatter wrote before they were built without one (stored keys must not move). */
class ThreadIndexKeysTest {

    @Test
    void zeroPaddingIsWhatTheFormatterGave() {
        long[] values = {0, 7, 15, 99, 100, 1_796_544_000_000L, 9_999_999_999_999L, 10_000_000_000_000L, -3};
        for (long v : values) {
            assertThat(ThreadIndex.zeroPadded(v, 2)).isEqualTo(String.format("%02d", v));
            assertThat(ThreadIndex.zeroPadded(v, 13)).isEqualTo(String.format("%013d", v));
        }
        assertThat(ThreadIndex.partition("acme", 3)).isEqualTo("acme#03");
        assertThat(ThreadIndex.sortKey(60_000L, "t-1")).isEqualTo("0000000060000#t-1");
    }
}
