package io.threadline.api;

import io.threadline.ErrorCode;
import io.threadline.ThreadlineException;
import org.junit.jupiter.api.Test;

import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** {@link RequestReader#bounded}: the one check of an optional bounded whole-number field (maxSteps, maxThreads, examples). */
class RequestReaderBoundedTest {

    @Test
    void anAbsentFieldIsItsFallbackAndAGivenOneInRangeIsKept() {
        assertThat(RequestReader.bounded(null, "maxSteps", 50, 1, 1000)).isEqualTo(50);
        assertThat(RequestReader.bounded(1, "maxSteps", 50, 1, 1000)).isEqualTo(1);
        assertThat(RequestReader.bounded(1000, "maxSteps", 50, 1, 1000)).isEqualTo(1000);
        assertThat(RequestReader.bounded(0, "examples", 5, 0, 100)).isZero();
    }

    @Test
    void aValueOutsideTheBoundsIsInvalidInputNamingTheField() {
        for (int outside : new int[] {0, 1001}) {
            assertThatThrownBy(() -> RequestReader.bounded(outside, "maxSteps", 50, 1, 1000))
                    .isInstanceOfSatisfying(ThreadlineException.class, e -> {
                        assertThat(e.code()).isEqualTo(ErrorCode.INVALID_INPUT);
                        assertThat(e.getMessage()).isEqualTo("maxSteps must be between 1 and 1000");
                        assertThat(e.details()).isEqualTo(Map.of("field", "maxSteps"));
                    });
        }
    }

    @Test
    void theRefusalEndsWithTheHintGiven() {
        assertThatThrownBy(() -> RequestReader.bounded(501, "maxThreads", 500, 1, 500,
                " (threadline.api.migration-dry-run-max-threads); go on with nextCursor"))
                .isInstanceOfSatisfying(ThreadlineException.class, e -> assertThat(e.getMessage()).isEqualTo(
                        "maxThreads must be between 1 and 500 (threadline.api.migration-dry-run-max-threads); go on with nextCursor"));
    }
}
