package io.threadline.memory.opensearch;

import org.junit.jupiter.api.Test;

import java.time.Instant;
import java.util.List;
import java.util.SplittableRandom;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** The documents' times read without DateTimeFormatter: always Instant.parse's answer, or its error. */
class IsoInstantsTest {

    @Test
    void whatInstantToStringWritesReadsBackAsInstantParseReadsIt() {
        SplittableRandom random = new SplittableRandom(35);
        long min = Instant.parse("0000-01-01T00:00:00Z").getEpochSecond();
        long max = Instant.parse("9999-12-31T23:59:59Z").getEpochSecond();
        for (int i = 0; i < 100_000; i++) {
            long second = random.nextLong(min, max + 1);
            // Whole seconds, milliseconds, microseconds and nanoseconds: Instant.toString writes 0, 3, 6 or 9 digits.
            int nanos = switch (i % 4) {
                case 0 -> 0;
                case 1 -> random.nextInt(1000) * 1_000_000;
                case 2 -> random.nextInt(1_000_000) * 1000;
                default -> random.nextInt(1_000_000_000);
            };
            String text = Instant.ofEpochSecond(second, nanos).toString();
            assertThat(IsoInstants.parse(text)).as(text).isEqualTo(Instant.parse(text));
        }
    }

    @Test
    void otherFormsAndBadTextGetInstantParsesAnswerOrItsError() {
        List<String> texts = List.of("2026-12-07T10:00:00.5Z", "2026-12-07T10:00:00.12Z", "2026-12-07T10:00:00.1234Z",
                "2026-12-07t10:00:00z", "+10000-01-01T00:00:00Z", "2024-02-29T23:59:59.999999999Z", "1970-01-01T00:00:00Z",
                "2026-06-30T23:59:60Z", "2026-12-07T24:00:00Z", "2026-12-07T10:00:00.Z", "2026-02-30T10:00:00Z", "2026-13-01T10:00:00Z",
                "2026-12-07T10:00:00.1234567890Z", "2026-12-07 10:00:00Z", "2026-12-07T10:00:00", "2026-1x-07T10:00:00Z", "");
        int refused = 0;
        for (String text : texts) {
            Class<? extends Throwable> expected = thrown(() -> Instant.parse(text));
            if (expected == null) {
                assertThat(IsoInstants.parse(text)).as(text).isEqualTo(Instant.parse(text));
            } else {
                refused++;
                assertThatThrownBy(() -> IsoInstants.parse(text)).as(text).isInstanceOf(expected);
            }
        }
        assertThat(refused).as("texts Instant.parse refuses").isGreaterThanOrEqualTo(6);
    }

    private static Class<? extends Throwable> thrown(Runnable r) {
        try {
            r.run();
            return null;
        } catch (RuntimeException e) {
            return e.getClass();
        }
    }
}
