package io.threadline.checkpoint.dynamodb.internal;

import org.junit.jupiter.api.Test;

import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

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

    /**
     * The head update's shapes are built once, ahead of any commit: each must name exactly the attributes its
     * expressions use (DynamoDB refuses a request with an unused or a missing name), and set or remove each optional
     * attribute exactly once.
     */
    @Test
    void everyHeadShapeNamesExactlyWhatItsExpressionsUse() {
        Pattern placeholder = Pattern.compile("#\\w+");
        assertThat(ThreadIndex.shapes()).hasSize(32);
        for (ThreadIndex.HeadShape shape : ThreadIndex.shapes()) {
            Set<String> used = new TreeSet<>();
            Matcher m = placeholder.matcher(shape.update() + " " + shape.condition());
            while (m.find()) {
                used.add(m.group());
            }
            assertThat(new TreeSet<>(shape.names().keySet())).as(shape.update()).isEqualTo(used);
            for (String optional : new String[] {"#ag", "#exp", "#wf"}) {
                int count = shape.update().split(optional + "\\b", -1).length - 1;
                assertThat(count).as(optional + " in " + shape.update()).isEqualTo(1);
            }
        }
        assertThat(ThreadIndex.shapes()).doesNotHaveDuplicates();
    }
}
