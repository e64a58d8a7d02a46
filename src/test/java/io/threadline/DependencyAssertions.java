package io.threadline;

import java.time.Duration;
import java.util.function.Supplier;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** What every store answers when its dependency stalls, asserted in one place for the stall tests. */
public final class DependencyAssertions {

    private DependencyAssertions() {
    }

    /** Runs {@code call}, which must fail with DEPENDENCY_UNAVAILABLE (503, safe to retry); returns how long it took to. */
    public static Duration failsUnavailable(Supplier<?> call) {
        long start = System.nanoTime();
        assertThatThrownBy(call::get).isInstanceOfSatisfying(ThreadlineException.class, e -> {
            assertThat(e.code()).isEqualTo(ErrorCode.DEPENDENCY_UNAVAILABLE);
            assertThat(e.code().httpStatus()).isEqualTo(503);
            assertThat(e.getMessage()).contains("safe to retry");
        });
        return Duration.ofNanos(System.nanoTime() - start);
    }
}
