package io.threadline.checkpoint;

import io.threadline.ErrorCode;
import io.threadline.ThreadlineException;
import org.junit.jupiter.api.Test;

import java.time.Instant;
import java.util.Random;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class CheckpointIdTest {

    private static final String ALPHABET = "0123456789ABCDEFGHJKMNPQRSTVWXYZ";
    private static final String VALID = "01HZX3K8Q9V5T7W2M4N6P8R0SA";

    @Test
    void everyCharacterOfTheAlphabetIsAcceptedAndNoOther() {
        for (int c = 0; c <= Character.MAX_VALUE; c++) {
            String id = VALID.substring(0, 25) + (char) c;
            if (ALPHABET.indexOf(c) >= 0) {
                assertThat(CheckpointId.parse(id).value()).isEqualTo(id);
            } else {
                assertThatThrownBy(() -> CheckpointId.parse(id)).as("character %d", (int) id.charAt(25))
                        .isInstanceOfSatisfying(ThreadlineException.class, e -> assertThat(e.code()).isEqualTo(ErrorCode.INVALID_INPUT));
            }
        }
    }

    @Test
    void theFirstCharacterCarriesThreeBitsOnly() {
        assertThat(CheckpointId.parse("7ZZZZZZZZZZZZZZZZZZZZZZZZZ").value()).startsWith("7");
        assertThatThrownBy(() -> CheckpointId.parse("8ZZZZZZZZZZZZZZZZZZZZZZZZZ")).isInstanceOf(ThreadlineException.class);
        assertThatThrownBy(() -> CheckpointId.parse(VALID.toLowerCase())).isInstanceOf(ThreadlineException.class);
        assertThatThrownBy(() -> CheckpointId.parse(VALID + "0")).isInstanceOf(ThreadlineException.class);
        assertThatThrownBy(() -> CheckpointId.parse(null)).isInstanceOf(ThreadlineException.class);
    }

    @Test
    void idsKeepTheirTimestampAndOrder() {
        Instant at = Instant.parse("2026-12-07T20:30:00.123Z");
        Random random = new Random(7);
        CheckpointId previous = CheckpointId.earliestAt(at);
        assertThat(previous.timestamp()).isEqualTo(at);
        for (int i = 0; i < 1000; i++) {
            CheckpointId next = CheckpointId.next(at, random, previous);
            assertThat(next).isGreaterThan(previous);
            assertThat(next.timestamp()).isEqualTo(at);
            assertThat(CheckpointId.parse(next.value())).isEqualTo(next);
            previous = next;
        }
    }
}
