package io.threadline.api;

import com.fasterxml.jackson.databind.ObjectMapper;
import org.junit.jupiter.api.Test;

import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.Optional;

import static org.assertj.core.api.Assertions.assertThat;

/** A direct invocation never answers with a raw Lambda error: an unexpected exception is INTERNAL, logged. */
class ThreadFunctionsErrorTest {

    @Test
    void anUnexpectedExceptionBecomesAnInternalErrorAnswer() throws Exception {
        ThreadFunctions functions = new ThreadFunctions();
        functions.callers = new Callers();
        functions.callers.clock = Clock.systemUTC();
        functions.callers.config = new ApiConfig() {
            public String tenantClaim() { return "tenant"; }
            public Optional<String> localTenant() { return Optional.empty(); }
            public Optional<List<String>> localAllowedHosts() { return Optional.empty(); }
            public int maxInputBytes() { return 1024; }
            public int maxResponseBytes() { return 5_242_880; }
            public int runMaxSteps() { return 5; }
            public Duration runSafetyMargin() { return Duration.ofSeconds(2); }
            public Duration runDefaultBudget() { return Duration.ofSeconds(10); }
            public Duration dependencyReserve() { return Duration.ofMillis(500); }
            public int migrationDryRunMaxThreads() { return 5000; }
            public int migrationDryRunPageSize() { return 200; }
        };
        functions.operations = new Operations();
        functions.operations.steps = new ThreadStepOperations() {
            @Override
            public Replies.Step step(Caller caller, Requests.Step r) {
                throw new IllegalStateException("a defect");
            }
        };
        Replies.Step answer = functions.step(new ObjectMapper().readTree("{\"tenant\":\"acme\",\"threadId\":\"t\"}"));
        assertThat(answer.checkpoint()).isNull();
        assertThat(answer.error().code()).isEqualTo("INTERNAL");
        assertThat(answer.error().message()).doesNotContain("a defect").contains("logged");
    }
}
