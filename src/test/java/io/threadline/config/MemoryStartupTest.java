package io.threadline.config;

import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.QuarkusTestProfile;
import io.quarkus.test.junit.TestProfile;
import io.threadline.ErrorCode;
import io.threadline.ThreadlineException;
import io.threadline.examples.reference.AgentState;
import io.threadline.runtime.ThreadRuntime;
import jakarta.inject.Inject;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.net.ServerSocket;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * Start-up builds no memory store: with OpenSearch configured at an address where nothing listens, the
 * application (and the runtime that holds the store, built during a Lambda function's init) starts; the
 * store is built, and fails with {@code DEPENDENCY_UNAVAILABLE}, only when it is first called — and again
 * on the next call, since a failed build is not kept.
 */
@QuarkusTest
@TestProfile(MemoryStartupTest.UnreachableOpenSearch.class)
class MemoryStartupTest {

    public static class UnreachableOpenSearch implements QuarkusTestProfile {
        @Override
        public Map<String, String> getConfigOverrides() {
            return Map.of("threadline.memory.store", "opensearch",
                    "threadline.memory.opensearch.url", "http://127.0.0.1:" + closedPort(),
                    "threadline.memory.opensearch.timeout", "PT2S");
        }
    }

    @Inject
    ThreadRuntime<AgentState> runtime;

    @Inject
    MemoryStores memory;

    @Test
    void theApplicationStartsWithoutReachingOpenSearchAndTheFirstCallDoes() {
        assertThat(runtime).isNotNull();
        assertThat(memory.store()).isPresent();
        for (int call = 1; call <= 2; call++) {
            assertThatThrownBy(() -> memory.store().get().get("acme", "m-1")).as("call %d", call)
                    .isInstanceOf(ThreadlineException.class)
                    .extracting(e -> ((ThreadlineException) e).code()).isEqualTo(ErrorCode.DEPENDENCY_UNAVAILABLE);
        }
    }

    private static int closedPort() {
        try (ServerSocket s = new ServerSocket(0)) {
            return s.getLocalPort();
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
    }
}
